// The page's handle on the engine worker. Switching backend starts a fresh worker: ONNX Runtime's
// backend and thread count are fixed once it starts.
//
// A watchdog: CPU-bound work in a worker (a tokenizer regex that backtracks for hours, a graph with
// an endless Loop) cannot be interrupted, so a call that sends no answer or progress within a
// bound scaled to its work (workBounds.ts), or that has not stopped within a few seconds of its
// Cancel, terminates the worker and starts a new one. Every call then in flight is rejected as
// cancelled, and `onRestart` listeners are told which model hung, so they can load one again.
import * as Comlink from 'comlink';
import type { Backend, BackendInfo, EvaluatedBatch, EvaluateOptions, LayerReuse, LoadProgress, ModelInfo, ModelSpec, RunRequest, RunResult } from './engineHost';
import { EngineError } from './errors';
import type { ModelFormat } from './loadModel';
import type { Encoding } from './tokenizer';
import type { EngineWorkerApi, InitOptions } from './worker';
import type { AnalysisResult } from '../analysis/analyseBatch';
import { CANCEL_GRACE_SECONDS, cancelSeconds, firstBatchSeconds, loadSeconds, runSeconds, tokenizeSeconds, tokensOf, weightBytes } from './workBounds';

export type { Backend, BackendInfo, EvaluatedBatch, EvaluateOptions, LayerReuse, LoadProgress, ModelInfo, ModelSpec, RunRequest, RunResult };

type Examples = { textA: string; textB?: string | null }[];

/** What the watchdog did: which call hung (or would not stop after Cancel), on which model. */
export interface EngineRestart {
  /** "loading", "a run", "an evaluation", "an analysis" or "tokenizing". */
  what: string;
  /** The model the call was for (its label), or what was being loaded. */
  modelLabel: string;
  /** The page's id of that model; null for a load (no model yet). */
  modelId: string | null;
  /** The spec of a load that hung; null for other calls. */
  loading: ModelSpec | null;
  /** The bound it ran past, in seconds. */
  seconds: number;
  /** True when the call was cancelled and did not stop, rather than silent past its bound. */
  cancelled: boolean;
}

export interface EngineClient {
  readonly backend: BackendInfo;
  load(spec: ModelSpec, options?: { format?: ModelFormat | 'auto'; onnxFile?: string; jobId?: string }, onProgress?: (p: LoadProgress) => void): Promise<ModelInfo>;
  tokenize(modelId: string, textA: string, textB: string | null): Promise<Encoding>;
  tokenOf(modelId: string, ids: number[]): Promise<string[]>;
  run(modelId: string, request: RunRequest, jobId?: string): Promise<RunResult>;
  evaluate(
    modelId: string,
    examples: Examples,
    options?: EvaluateOptions,
    onProgress?: (done: number, total: number, batch?: EvaluatedBatch) => void,
  ): Promise<{ logits: Float32Array; numLabels: number; reuse?: LayerReuse }>;
  /** Frees the hidden states an evaluation with `reuse` kept (a sweep calls it when it stops). */
  forgetKeptLayers(modelId: string): Promise<void>;
  analyse(
    modelId: string,
    examples: Examples,
    options?: { baseModelId?: string | null; batchSize?: number; jobId?: string; classifier?: import('../analysis/patternClassifier').ClassifierKind; patternModelJson?: string | null },
    onProgress?: (done: number, total: number, result: AnalysisResult) => void,
  ): Promise<AnalysisResult>;
  /** Stops a job in progress; a finished or unknown job is left alone. CPU-bound work that does not stop restarts the worker. */
  cancel(jobId: string): Promise<void>;
  /** Removes a Hub model's downloaded files from the browser's cache; resolves to how many were removed. */
  removeCachedFiles(spec: ModelSpec): Promise<number>;
  /** Frees a model in the worker; its id is no longer valid. */
  unload(modelId: string): Promise<void>;
  /** Whether a model id still names a loaded model (ids die with an unload or a restart). */
  isLoaded(modelId: string): boolean;
  /** Called after the watchdog restarted the worker (no model is loaded then); returns an unsubscribe. */
  onRestart(listener: (restart: EngineRestart) => void): () => void;
  terminate(): void;
}

/** Job ids unique for the page's lifetime: a panel mounted again never reuses an id. */
let jobCounter = 0;
export function newJobId(prefix: string): string {
  return `${prefix}-${++jobCounter}`;
}

/** WASM threads: all cores up to 4, set explicitly (ORT's default is 1 on a 2-core machine). */
export function defaultThreads(): number {
  return Math.min(4, navigator.hardwareConcurrency || 1);
}

export function webgpuExposed(): boolean {
  return typeof navigator !== 'undefined' && 'gpu' in navigator;
}

/** A started worker: its API, and how to make a callback it can call and to end it. */
export interface WorkerHandle {
  api: Pick<Comlink.Remote<EngineWorkerApi>, 'init' | 'load' | 'tokenize' | 'tokenOf' | 'run' | 'evaluate' | 'analyse' | 'forgetKeptLayers' | 'cancel' | 'unload' | 'removeCachedFiles'>;
  callback<F extends (...args: never[]) => void>(f: F): F;
  terminate(): void;
}

function spawnWorker(): WorkerHandle {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'head-atlas-engine' });
  const remote = Comlink.wrap<EngineWorkerApi>(worker);
  return {
    api: remote,
    callback: (f) => Comlink.proxy(f) as unknown as typeof f,
    terminate: () => {
      remote[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}

interface Watch {
  what: string;
  modelLabel: string;
  modelId: string | null;
  loading?: ModelSpec;
  jobId?: string;
  /** Seconds it may take to stop after Cancel (CANCEL_GRACE_SECONDS unless a batch may be in progress). */
  cancelSeconds?: number;
  seconds: number;
  timer?: ReturnType<typeof setTimeout>;
  grace?: ReturnType<typeof setTimeout>;
  reject(e: unknown): void;
}

/** A call ended by a restart: code "cancelled" (the restart itself is reported once), with `restarted` set. */
function restartedError(message: string): EngineError & { restarted: true } {
  return Object.assign(new EngineError('cancelled', message), { restarted: true as const });
}

/** Whether an error is a call ended by a watchdog restart. */
export function endedByRestart(e: unknown): boolean {
  return (e as { restarted?: boolean } | null)?.restarted === true;
}

const labelOf = (spec: ModelSpec) => (spec.kind === 'hub' ? `${spec.repo}@${spec.revision || 'main'}` : spec.kind === 'bundled' ? `bundled:${spec.name}` : spec.label);

export async function startEngine(backend: Backend, numThreads = defaultThreads(), options: { spawn?: () => WorkerHandle; appBaseUrl?: string } = {}): Promise<EngineClient> {
  const spawn = options.spawn ?? spawnWorker;
  const init: InitOptions = { backend, numThreads, appBaseUrl: options.appBaseUrl ?? document.baseURI };
  let worker = spawn();
  let generation = 0;
  let ready: Promise<unknown> = Promise.resolve();
  const info = await worker.api.init(init);
  // Loaded models by the page's id: `g<generation>.<worker's id>`, so an id from a worker that was
  // restarted can never name a model of the new one.
  const models = new Map<string, ModelInfo>();
  const pending = new Set<Watch>();
  const listeners = new Set<(r: EngineRestart) => void>();
  let ended = false;

  const workerId = (modelId: string): string => {
    if (!models.has(modelId)) throw new EngineError('bad-input', `No model ${modelId} is loaded (it was replaced, or the engine restarted).`);
    return modelId.slice(modelId.indexOf('.') + 1);
  };
  const model = (modelId: string) => {
    workerId(modelId);
    return models.get(modelId)!;
  };

  const restart = async (cause: Watch, cancelled: boolean) => {
    if (ended) return;
    worker.terminate();
    generation++;
    models.clear();
    for (const w of pending) {
      clearTimeout(w.timer);
      clearTimeout(w.grace);
      w.reject(restartedError(w === cause ? `${cause.modelLabel} did not answer within ${cause.seconds} s; the engine was restarted.` : 'The engine was restarted.'));
    }
    pending.clear();
    worker = spawn();
    ready = worker.api.init(init);
    try {
      await ready;
    } finally {
      const restart: EngineRestart = { what: cause.what, modelLabel: cause.modelLabel, modelId: cause.modelId, loading: cause.loading ?? null, seconds: cause.seconds, cancelled };
      for (const listener of listeners) listener(restart);
    }
  };

  /**
   * Runs `call` on the current worker under a watch of `seconds`; `beat(s)` (from its progress)
   * starts a new bound of `s` seconds.
   */
  const watched = async <T>(
    desc: Omit<Watch, 'seconds' | 'reject'>,
    seconds: number,
    call: (w: WorkerHandle, beat: (next?: number) => void) => Promise<T>,
  ): Promise<T> => {
    await ready;
    const at = generation;
    return new Promise<T>((resolve, reject) => {
      const watch: Watch = { ...desc, seconds, reject };
      const arm = (s: number) => {
        clearTimeout(watch.timer);
        watch.seconds = Math.ceil(s);
        watch.timer = setTimeout(() => void restart(watch, false), s * 1000);
      };
      arm(seconds);
      pending.add(watch);
      call(worker, (next) => pending.has(watch) && arm(next ?? watch.seconds))
        .then(resolve, (e) => reject(generation === at ? e : restartedError('The engine was restarted.')))
        .finally(() => {
          clearTimeout(watch.timer);
          clearTimeout(watch.grace);
          pending.delete(watch);
        });
    });
  };

  const client: EngineClient = {
    backend: info,

    async load(spec, loadOptions = {}, onProgress) {
      let bytes = 0;
      const desc = { what: 'loading', modelLabel: labelOf(spec), modelId: null, loading: spec, jobId: loadOptions.jobId };
      const loaded = await watched(desc, loadSeconds(0), (w, beat) =>
        w.api.load(
          spec,
          loadOptions,
          w.callback((p: LoadProgress) => {
            bytes = Math.max(bytes, p.loaded ?? 0);
            beat(loadSeconds(bytes));
            onProgress?.(p);
          }),
        ),
      );
      const id = `g${generation}.${loaded.id}`;
      const result = { ...loaded, id };
      models.set(id, result);
      return result;
    },

    tokenize: (modelId, textA, textB) => {
      const m = model(modelId);
      return watched({ what: 'tokenizing', modelLabel: m.label, modelId }, tokenizeSeconds([{ textA, textB }]), (w) => w.api.tokenize(workerId(modelId), textA, textB));
    },

    tokenOf: (modelId, ids) => {
      const m = model(modelId);
      return watched({ what: 'tokenizing', modelLabel: m.label, modelId }, tokenizeSeconds([]), (w) => w.api.tokenOf(workerId(modelId), ids));
    },

    run: (modelId, request, jobId) => {
      const m = model(modelId);
      const examples = request.examples as Examples | { inputIds: number[] }[];
      const seconds = runSeconds(m.shape, examples.length, tokensOf(m.shape, examples)) + tokenizeSeconds('inputIds' in (examples[0] ?? {}) ? [] : (examples as Examples)) - tokenizeSeconds([]);
      return watched({ what: 'a run', modelLabel: m.label, modelId, jobId, cancelSeconds: cancelSeconds(m.shape, examples.length, tokensOf(m.shape, examples)) }, seconds, (w) => w.api.run(workerId(modelId), request, jobId));
    },

    evaluate: (modelId, examples, evaluateOptions = {}, onProgress) => {
      const m = model(modelId);
      const batchSize = evaluateOptions.batchSize ?? 32;
      // A sweep's first evaluation also reads the weights again to make its stage sessions.
      const first = firstBatchSeconds(m.shape, examples, batchSize) + (evaluateOptions.reuse ? loadSeconds(weightBytes(m.shape)) : 0);
      const perBatch = runSeconds(m.shape, batchSize, tokensOf(m.shape, examples));
      const cancelAfter = cancelSeconds(m.shape, Math.min(batchSize, examples.length), tokensOf(m.shape, examples));
      return watched({ what: 'an evaluation', modelLabel: m.label, modelId, jobId: evaluateOptions.jobId, cancelSeconds: cancelAfter }, first, (w, beat) =>
        w.api.evaluate(
          workerId(modelId),
          examples,
          evaluateOptions,
          w.callback((done: number, total: number, batch?: EvaluatedBatch) => {
            beat(perBatch);
            onProgress?.(done, total, batch);
          }),
        ),
      );
    },

    analyse: (modelId, examples, analyseOptions = {}, onProgress) => {
      const m = model(modelId);
      const baseModelId = analyseOptions.baseModelId ? workerId(analyseOptions.baseModelId) : null;
      const batchSize = analyseOptions.batchSize ?? 16;
      const passes = baseModelId ? 2 : 1;
      const perBatch = runSeconds(m.shape, batchSize, tokensOf(m.shape, examples), passes);
      const cancelAfter = cancelSeconds(m.shape, Math.min(batchSize, examples.length), tokensOf(m.shape, examples), passes);
      return watched({ what: 'an analysis', modelLabel: m.label, modelId, jobId: analyseOptions.jobId, cancelSeconds: cancelAfter }, firstBatchSeconds(m.shape, examples, batchSize, passes), (w, beat) =>
        w.api.analyse(
          workerId(modelId),
          examples,
          { ...analyseOptions, baseModelId },
          w.callback((done: number, total: number, result: AnalysisResult) => {
            beat(perBatch);
            onProgress?.(done, total, result);
          }),
        ),
      );
    },

    forgetKeptLayers: async (modelId) => {
      if (models.has(modelId)) await worker.api.forgetKeptLayers(workerId(modelId));
    },

    async cancel(jobId) {
      const watch = [...pending].find((w) => w.jobId === jobId);
      // A finished job is never cancelled (nothing is remembered for it).
      if (!watch || watch.grace) return;
      const grace = watch.cancelSeconds ?? CANCEL_GRACE_SECONDS;
      watch.grace = setTimeout(() => {
        watch.seconds = grace;
        void restart(watch, true);
      }, grace * 1000);
      await worker.api.cancel(jobId);
    },

    async unload(modelId) {
      if (!models.has(modelId)) return;
      const id = workerId(modelId);
      models.delete(modelId);
      await worker.api.unload(id);
    },

    isLoaded: (modelId) => models.has(modelId),

    // Only the Cache API is touched: nothing CPU-bound, so no watch.
    removeCachedFiles: async (spec) => {
      await ready;
      return worker.api.removeCachedFiles(spec);
    },

    onRestart(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    terminate() {
      ended = true;
      for (const w of pending) {
        clearTimeout(w.timer);
        clearTimeout(w.grace);
      }
      pending.clear();
      worker.terminate();
    },
  };
  return client;
}
