/// <reference lib="webworker" />
// The engine's Web Worker: ONNX Runtime, tokenizers and model files live here, so the page never freezes.
import * as Comlink from 'comlink';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import webgpuWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import type { OrtApi } from './bertRunner';
import type { Backend, BackendInfo, EngineHost, LoadProgress, ModelSpec, RunRequest } from './engineHost';
import { isEngineError } from './errors';
import type { ModelFormat } from './loadModel';

// Carry EngineError's code across the boundary (comlink keeps only name, message and stack).
const throwHandler = Comlink.transferHandlers.get('throw')!;
Comlink.transferHandlers.set('throw', {
  canHandle: throwHandler.canHandle,
  serialize(thrown: unknown) {
    const [serialized, transfers] = throwHandler.serialize(thrown) as [{ value: Record<string, unknown> }, Transferable[]];
    const error = (thrown as { value: unknown }).value;
    if (isEngineError(error)) serialized.value.code = error.code;
    return [serialized, transfers];
  },
  deserialize: throwHandler.deserialize,
});

export interface InitOptions {
  backend: Backend;
  /** WASM threads; ignored (1) unless the page is cross-origin isolated. */
  numThreads: number;
  appBaseUrl: string;
}

async function webgpuUnavailable(): Promise<string | null> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return 'this browser has no WebGPU';
  try {
    return (await gpu.requestAdapter()) ? null : 'no WebGPU adapter is available';
  } catch (e) {
    return `WebGPU failed to start (${(e as Error).message})`;
  }
}

let host: EngineHost | null = null;

const api = {
  /** Starts ONNX Runtime on a backend; WebGPU falls back to WASM where there is no adapter. */
  async init(options: InitOptions): Promise<BackendInfo> {
    const unavailable = options.backend === 'webgpu' ? await webgpuUnavailable() : null;
    const backend: Backend = options.backend === 'webgpu' && !unavailable ? 'webgpu' : 'wasm';
    // The WebGPU build also runs the WASM backend; the plain WASM build is smaller and faster on CPU.
    const ort: OrtApi = backend === 'webgpu' ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm');
    ort.env.wasm.wasmPaths = { wasm: new URL(backend === 'webgpu' ? webgpuWasmUrl : wasmUrl, self.location.href).href };
    const threads = self.crossOriginIsolated ? Math.max(1, Math.floor(options.numThreads)) : 1;
    ort.env.wasm.numThreads = threads;
    ort.env.logLevel = 'error';
    // transformers.js (loaded for its tokenizers) must use this ORT and its self-hosted paths, never its CDN default.
    (globalThis as Record<symbol, unknown>)[Symbol.for('onnxruntime')] = ort;
    const [{ EngineHost }, { openBrowserCache }] = await Promise.all([import('./engineHost'), import('./modelSource')]);
    const info: BackendInfo = {
      requested: options.backend,
      backend,
      threads,
      crossOriginIsolated: self.crossOriginIsolated,
      fallbackReason: unavailable ? `WebGPU is not available here (${unavailable}); running on WASM.` : null,
    };
    host = new EngineHost({ ort, backend: info, appBaseUrl: options.appBaseUrl, cache: await openBrowserCache() });
    return info;
  },

  async load(spec: ModelSpec, options: { format?: ModelFormat | 'auto'; onnxFile?: string; jobId?: string }, onProgress?: (p: LoadProgress) => void) {
    let last = 0;
    // Progress is throttled: a message per network chunk would flood the page.
    const throttled = (p: LoadProgress) => {
      const now = performance.now();
      if (now - last > 80 || p.loaded === p.total || p.stage !== 'download') {
        last = now;
        onProgress?.(p);
      }
    };
    return ready().load(spec, options, throttled);
  },

  tokenize: (modelId: string, textA: string, textB: string | null) => ready().tokenize(modelId, textA, textB),
  tokenOf: (modelId: string, ids: number[]) => ready().tokenOf(modelId, ids),

  async run(modelId: string, request: RunRequest, jobId?: string) {
    const { resultBuffers } = await import('./engineHost');
    const result = await ready().run(modelId, request, jobId);
    return Comlink.transfer(result, resultBuffers(result));
  },

  async evaluate(
    modelId: string,
    examples: { textA: string; textB?: string | null }[],
    options: import('./engineHost').EvaluateOptions,
    onProgress?: (done: number, total: number, batch?: import('./engineHost').EvaluatedBatch) => void,
  ) {
    const result = await ready().evaluate(modelId, examples, options, onProgress);
    return Comlink.transfer(result, [result.logits.buffer as ArrayBuffer]);
  },

  analyse(
    modelId: string,
    examples: { textA: string; textB?: string | null }[],
    options: { baseModelId?: string | null; batchSize?: number; jobId?: string; classifier?: import('../analysis/patternClassifier').ClassifierKind; patternModelJson?: string | null },
    onProgress?: (done: number, total: number, result: import('../analysis/analyseBatch').AnalysisResult) => void,
  ) {
    return ready().analyse(modelId, examples, options, onProgress);
  },

  forgetKeptLayers: (modelId: string) => ready().forgetKeptLayers(modelId),
  removeCachedFiles: (spec: ModelSpec) => ready().removeCachedFiles(spec),
  cancel: (jobId: string) => ready().cancel(jobId),
  unload: (modelId: string) => ready().unload(modelId),
};

function ready(): EngineHost {
  if (!host) throw new Error('The engine is not initialised.');
  return host;
}

export type EngineWorkerApi = typeof api;
Comlink.expose(api);
