// The page's handle on the engine worker. Switching backend starts a fresh worker: ONNX Runtime's
// backend and thread count are fixed once it starts.
import * as Comlink from 'comlink';
import type { Backend, BackendInfo, EvaluatedBatch, EvaluateOptions, LayerReuse, LoadProgress, ModelInfo, ModelSpec, RunRequest, RunResult } from './engineHost';
import type { ModelFormat } from './loadModel';
import type { Encoding } from './tokenizer';
import type { EngineWorkerApi } from './worker';
import type { AnalysisResult } from '../analysis/analyseBatch';

export type { Backend, BackendInfo, EvaluatedBatch, EvaluateOptions, LayerReuse, LoadProgress, ModelInfo, ModelSpec, RunRequest, RunResult };

export interface EngineClient {
  readonly backend: BackendInfo;
  load(spec: ModelSpec, options?: { format?: ModelFormat | 'auto'; onnxFile?: string; jobId?: string }, onProgress?: (p: LoadProgress) => void): Promise<ModelInfo>;
  tokenize(modelId: string, textA: string, textB: string | null): Promise<Encoding>;
  tokenOf(modelId: string, ids: number[]): Promise<string[]>;
  run(modelId: string, request: RunRequest, jobId?: string): Promise<RunResult>;
  evaluate(
    modelId: string,
    examples: { textA: string; textB?: string | null }[],
    options?: EvaluateOptions,
    onProgress?: (done: number, total: number, batch?: EvaluatedBatch) => void,
  ): Promise<{ logits: Float32Array; numLabels: number; reuse?: LayerReuse }>;
  /** Frees the hidden states an evaluation with `reuse` kept (a sweep calls it when it stops). */
  forgetKeptLayers(modelId: string): Promise<void>;
  analyse(
    modelId: string,
    examples: { textA: string; textB?: string | null }[],
    options?: { baseModelId?: string | null; batchSize?: number; jobId?: string; classifier?: import('../analysis/patternClassifier').ClassifierKind; patternModelJson?: string | null },
    onProgress?: (done: number, total: number, result: AnalysisResult) => void,
  ): Promise<AnalysisResult>;
  cancel(jobId: string): Promise<void>;
  /** Removes a Hub model's downloaded files from the browser's cache; resolves to how many were removed. */
  removeCachedFiles(spec: ModelSpec): Promise<number>;
  terminate(): void;
}

/** WASM threads: all cores up to 4, set explicitly (ORT's default is 1 on a 2-core machine). */
export function defaultThreads(): number {
  return Math.min(4, navigator.hardwareConcurrency || 1);
}

export function webgpuExposed(): boolean {
  return typeof navigator !== 'undefined' && 'gpu' in navigator;
}

export async function startEngine(backend: Backend, numThreads = defaultThreads()): Promise<EngineClient> {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'head-atlas-engine' });
  const remote = Comlink.wrap<EngineWorkerApi>(worker);
  const info = await remote.init({ backend, numThreads, appBaseUrl: document.baseURI });
  return {
    backend: info,
    load: (spec, options = {}, onProgress) => remote.load(spec, options, onProgress ? Comlink.proxy(onProgress) : undefined),
    tokenize: (modelId, textA, textB) => remote.tokenize(modelId, textA, textB),
    tokenOf: (modelId, ids) => remote.tokenOf(modelId, ids),
    run: (modelId, request, jobId) => remote.run(modelId, request, jobId),
    evaluate: (modelId, examples, options = {}, onProgress) => remote.evaluate(modelId, examples, options, onProgress ? Comlink.proxy(onProgress) : undefined),
    analyse: (modelId, examples, options = {}, onProgress) => remote.analyse(modelId, examples, options, onProgress ? Comlink.proxy(onProgress) : undefined),
    forgetKeptLayers: (modelId) => remote.forgetKeptLayers(modelId),
    cancel: (jobId) => remote.cancel(jobId),
    removeCachedFiles: (spec) => remote.removeCachedFiles(spec),
    terminate: () => {
      remote[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}
