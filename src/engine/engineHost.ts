import { analyseBatch, analysisResult, createAnalysisState, type AnalysisResult } from '../analysis/analyseBatch';
import { checkDriftPair } from '../analysis/drift';
import { sampleFingerprint } from '../analysis/sweep';
import { patternClassifier, type ClassifierKind } from '../analysis/patternClassifier';
import { parsePatternModel } from '../analysis/patternModel';
import type { BertHead, BertShape } from './bertConfig';
import { BertRunner, type EncodedInput, type Masks, type OrtApi, type OutputRequest, type RunOutput } from './bertRunner';
import { EngineError } from './errors';
import { prepareModel, prepareStageGraphs, type ModelFormat } from './loadModel';
import { bundledSource, DEFAULT_HUB_HOST, hubSource, LocalFilesSource, removeCachedHubFiles, type ByteCache, type FileProgress, type ModelRef, type ModelSource } from './modelSource';
import { keptBytes, StagedRunner, type LayerReuseStats } from './stagedRunner';
import { trialRun } from './trialRun';
import type { Encoding } from './tokenizer';

export type Backend = 'webgpu' | 'wasm';

/** A model to load, in a form that crosses the worker boundary (Files are structured-cloneable). */
export type ModelSpec =
  | { kind: 'hub'; repo: string; revision: string; host?: string }
  | { kind: 'bundled'; name: string }
  | { kind: 'files'; label: string; files: { path: string; blob: Blob }[] };

export interface BackendInfo {
  requested: Backend;
  backend: Backend;
  threads: number;
  crossOriginIsolated: boolean;
  /** Why the requested backend is not the one in use. */
  fallbackReason: string | null;
}

export interface ModelInfo {
  /** The engine's handle for this load (unique within one worker). */
  id: string;
  label: string;
  /** What was loaded, by content: results, exports and labels are keyed by it. */
  identity: string;
  /** Where it was loaded from (no file contents): names it in exports, sweep files and labels. */
  ref: ModelRef;
  shape: BertShape;
  head: BertHead;
  format: ModelFormat;
  weightFiles: string[];
  maxLength: number;
  backend: Backend;
  fallbackReason: string | null;
  graphMs: number;
  sessionMs: number;
  /** What the user should know about how the model was read (e.g. inputs cut to a shorter position table). */
  notices: string[];
}

export interface LoadProgress extends FileProgress {
  stage: 'download' | 'build' | 'session';
}

export type RunExamples = { textA: string; textB?: string | null }[] | EncodedInput[];

export interface RunRequest {
  examples: RunExamples;
  masks?: Masks;
  outputs?: OutputRequest;
}

/** One finished batch of an evaluation: which examples, and their logits ([examples, numLabels]). */
export interface EvaluatedBatch {
  indices: number[];
  logits: Float32Array;
  numLabels: number;
}

export interface RunResult extends RunOutput {
  encodings: Encoding[] | null;
}

interface LoadedModel {
  info: ModelInfo;
  spec: ModelSpec;
  runner: BertRunner;
  tokenizer: import('./tokenizer').BertTokenizer;
  /** Per-layer stage sessions, made on the first evaluation that reuses layers. */
  staged: Promise<StagedRunner> | null;
}

/** How an evaluation used (or could not use) the kept outputs of unchanged layers. */
export interface LayerReuse extends LayerReuseStats {
  /** Why every layer was recomputed; null when the stages ran. */
  unavailable: string | null;
}

export interface EvaluateOptions {
  masks?: Masks;
  batchSize?: number;
  jobId?: string;
  /** Run as per-layer stages, keeping each batch's hidden state so later runs can start at the first layer their masks change. */
  reuse?: boolean;
  /** The kept states' limit in bytes (default MAX_KEPT_BYTES); over it, every layer is recomputed. */
  maxKeptBytes?: number;
}

/** The most the kept hidden states of one sample may take before an evaluation recomputes every layer instead. */
export const MAX_KEPT_BYTES = 512 * 2 ** 20;

export interface HostEnvironment {
  ort: OrtApi;
  backend: BackendInfo;
  appBaseUrl: string;
  cache: ByteCache | null;
}

function isTextExamples(examples: RunExamples): examples is { textA: string; textB?: string | null }[] {
  return examples.length > 0 && typeof (examples[0] as { textA?: unknown }).textA === 'string';
}

/** The engine behind the worker: loads models, keeps one session each, runs batches with masks. */
export class EngineHost {
  private readonly models = new Map<string, LoadedModel>();
  /** Jobs in progress (loads, runs, evaluations, analyses), by the page's id; a cancel of any other id does nothing. */
  private readonly jobs = new Map<string, AbortController>();
  private nextId = 1;

  constructor(private readonly env: HostEnvironment) {}

  get backend(): BackendInfo {
    return this.env.backend;
  }

  sourceOf(spec: ModelSpec): ModelSource {
    switch (spec.kind) {
      case 'hub':
        return hubSource(spec.repo, spec.revision || 'main', spec.host || DEFAULT_HUB_HOST, this.env.cache);
      case 'bundled':
        return bundledSource(spec.name, this.env.appBaseUrl);
      case 'files':
        return new LocalFilesSource(spec.label, spec.files);
    }
  }

  /** Registers a job, so `cancel` can stop it; `finish` forgets it. */
  private startJob(jobId: string | undefined): { signal: AbortSignal; finish(): void } {
    const controller = new AbortController();
    if (jobId) this.jobs.set(jobId, controller);
    return { signal: controller.signal, finish: () => jobId && this.jobs.get(jobId) === controller && this.jobs.delete(jobId) };
  }

  async load(spec: ModelSpec, options: { format?: ModelFormat | 'auto'; onnxFile?: string; jobId?: string } = {}, onProgress?: (p: LoadProgress) => void): Promise<ModelInfo> {
    const job = this.startJob(options.jobId);
    const controller = { signal: job.signal };
    try {
      const prepared = await prepareModel(this.sourceOf(spec), {
        format: options.format,
        onnxFile: options.onnxFile,
        signal: controller.signal,
        onProgress: (p) => onProgress?.({ ...p, stage: 'download' }),
      });
      if (controller.signal.aborted) throw new EngineError('cancelled', 'Loading was cancelled.');
      onProgress?.({ stage: 'session', file: prepared.weightFiles[0], loaded: 0, total: null, cached: false });
      const t0 = performance.now();
      let backend = this.env.backend.backend;
      let fallbackReason = this.env.backend.fallbackReason;
      // The new session must run a short input before it replaces anything (trialRun).
      const start = async (providers: string[]) => {
        const made = await BertRunner.create(this.env.ort, prepared, prepared.shape, prepared.head, prepared.tokenizer.padId, providers);
        await trialRun(made, prepared).catch(async (e) => {
          await made.release().catch(() => undefined);
          throw e;
        });
        return made;
      };
      let runner: BertRunner;
      try {
        runner = await start([backend]);
      } catch (e) {
        if (backend !== 'webgpu') throw e;
        // A WebGPU device can fail where the adapter looked fine: run on WASM instead, and say so.
        fallbackReason = `WebGPU failed for this model (${(e as Error).message}); running on WASM.`;
        backend = 'wasm';
        runner = await start(['wasm']);
      }
      const sessionMs = performance.now() - t0;
      const id = `m${this.nextId++}`;
      const info: ModelInfo = {
        id,
        label: prepared.label,
        identity: prepared.identity,
        ref: refOf(spec),
        shape: prepared.shape,
        head: prepared.head,
        format: prepared.format,
        weightFiles: prepared.weightFiles,
        maxLength: prepared.tokenizer.maxLength,
        backend,
        fallbackReason,
        graphMs: prepared.graphMs,
        sessionMs,
        notices: prepared.notices,
      };
      this.models.set(id, { info, spec, runner, tokenizer: prepared.tokenizer, staged: null });
      return info;
    } finally {
      job.finish();
    }
  }

  private model(id: string): LoadedModel {
    const model = this.models.get(id);
    if (!model) throw new EngineError('bad-input', `No model ${id} is loaded.`);
    return model;
  }

  tokenize(modelId: string, textA: string, textB: string | null = null): Encoding {
    return this.model(modelId).tokenizer.encode(textA, textB);
  }

  tokenOf(modelId: string, ids: number[]): string[] {
    const { tokenizer } = this.model(modelId);
    return ids.map((id) => tokenizer.tokenOf(id));
  }

  async run(modelId: string, request: RunRequest, jobId?: string): Promise<RunResult> {
    const model = this.model(modelId);
    const job = this.startJob(jobId);
    try {
      let encodings: Encoding[] | null = null;
      let inputs: EncodedInput[];
      if (isTextExamples(request.examples)) {
        encodings = request.examples.map((e) => model.tokenizer.encode(e.textA, e.textB ?? null));
        inputs = encodings;
      } else {
        inputs = request.examples as EncodedInput[];
      }
      const out = await model.runner.run(inputs, request.masks, request.outputs ?? { attentions: true, logits: true });
      if (job.signal.aborted) throw new EngineError('cancelled', 'The run was cancelled.');
      return { ...out, encodings };
    } finally {
      job.finish();
    }
  }

  /**
   * Runs a model over a task's examples for their logits, in the examples' order. Examples are
   * grouped by token length, so a batch pads little; progress is reported after each batch, and a
   * cancelled job stops between batches. With `reuse`, the model runs as per-layer stages that keep
   * each batch's hidden state, so a run whose masks leave the layers below l alone starts at l
   * (masking sweeps); where that cannot be done, every layer is computed and `reuse` says why.
   */
  async evaluate(
    modelId: string,
    examples: { textA: string; textB?: string | null }[],
    options: EvaluateOptions = {},
    onProgress?: (done: number, total: number, batch?: EvaluatedBatch) => void,
  ): Promise<{ logits: Float32Array; numLabels: number; reuse?: LayerReuse }> {
    const model = this.model(modelId);
    const job = this.startJob(options.jobId);
    try {
      return await this.evaluateJob(model, examples, options, job.signal, onProgress);
    } finally {
      job.finish();
    }
  }

  private async evaluateJob(
    model: LoadedModel,
    examples: { textA: string; textB?: string | null }[],
    options: EvaluateOptions,
    signal: AbortSignal,
    onProgress?: (done: number, total: number, batch?: EvaluatedBatch) => void,
  ): Promise<{ logits: Float32Array; numLabels: number; reuse?: LayerReuse }> {
    if (model.info.head !== 'sequence-classification') {
      throw new EngineError('bad-input', `${model.info.label} has no classification head, so it cannot be scored on a task.`);
    }
    const groups = this.lengthGroups(model, examples, options.batchSize ?? 32);
    let staged: StagedRunner | null = null;
    let reuse: LayerReuse | undefined;
    if (options.reuse) {
      reuse = { computed: 0, whole: 0, unavailable: null };
      const limit = options.maxKeptBytes ?? MAX_KEPT_BYTES;
      const bytes = keptBytes(groups.map((g) => g.batch), model.info.shape.hidden);
      if (bytes > limit) {
        const mib = (b: number) => (b / 2 ** 20).toFixed(b < 10 * 2 ** 20 ? 1 : 0);
        reuse.unavailable = `the kept hidden states of ${examples.length} examples would take ${mib(bytes)} MiB, over the ${mib(limit)} MiB limit`;
      } else {
        try {
          staged = await this.stagedRunner(model);
        } catch (e) {
          reuse.unavailable = (e as Error).message;
        }
      }
    }
    // The kept states belong to these texts cut into batches of this size (the model's tokenizer is fixed).
    const key = staged ? `${groups.length}|${options.batchSize ?? 32}|${sampleFingerprint(examples.map((e) => ({ textA: e.textA, textB: e.textB ?? null, label: 0 })))}` : '';
    let logits: Float32Array | null = null;
    let numLabels = 0;
    await this.eachGroup(groups, signal, 'evaluation', async ({ indices, batch }, index, done, total) => {
      const out = staged
        ? await staged.scoreBatch(key, index, groups.length, batch, options.masks ?? {}, reuse!)
        : await model.runner.run(batch, options.masks, { logits: true }).then((r) => ({ logits: r.logits!, dims: r.logitsDims! }));
      numLabels = out.dims[1];
      logits ??= new Float32Array(examples.length * numLabels);
      indices.forEach((example, row) => logits!.set(out.logits.subarray(row * numLabels, (row + 1) * numLabels), example * numLabels));
      // The batch's own logits come with the progress, so scores can update as batches finish.
      onProgress?.(done, total, { indices, logits: out.logits.slice(0, indices.length * numLabels), numLabels });
    });
    return { logits: logits ?? new Float32Array(0), numLabels, ...(reuse ? { reuse } : {}) };
  }

  /** The model's stage sessions, made once (its weights are read again from its source for this). */
  private stagedRunner(model: LoadedModel): Promise<StagedRunner> {
    if (model.info.format === 'onnx') {
      return Promise.reject(new EngineError('unsupported-graph', 'an ONNX-file model runs whole: reusing unchanged layers needs its checkpoint (safetensors or PyTorch weights)'));
    }
    model.staged ??= (async () => {
      const graphs = await prepareStageGraphs(this.sourceOf(model.spec), model.info.format);
      if (!graphs) throw new EngineError('not-found', 'the checkpoint could not be read again to cut the model into stages');
      return StagedRunner.create(this.env.ort, graphs, model.info.shape, model.tokenizer.padId, [model.info.backend]);
    })();
    // A failure is not kept, so a later sweep tries again.
    model.staged.catch(() => (model.staged = null));
    return model.staged;
  }

  /** Drops the hidden states kept for reuse (the stage sessions stay until the model is unloaded). */
  forgetKeptLayers(modelId: string): void {
    void this.models.get(modelId)?.staged?.then((s) => s.forget(), () => undefined);
  }

  /**
   * The pattern, special-token and (with `baseModelId`) drift analyses over a sample, batch by
   * batch: the attention maps stay in the worker, and only the accumulated results (a few numbers
   * per head) come back with each batch's progress.
   */
  async analyse(
    modelId: string,
    examples: { textA: string; textB?: string | null }[],
    options: { baseModelId?: string | null; batchSize?: number; jobId?: string; classifier?: ClassifierKind; patternModelJson?: string | null } = {},
    onProgress?: (done: number, total: number, result: AnalysisResult) => void,
  ): Promise<AnalysisResult> {
    const model = this.model(modelId);
    const base = options.baseModelId ? this.model(options.baseModelId) : null;
    if (base) {
      const refusal = checkDriftPair(model.info.shape, base.info.shape);
      if (refusal) throw new EngineError('bad-input', refusal);
    }
    // The user's model (JSON) with no kind given means the user's kind, as before kinds existed.
    const userModel = options.patternModelJson ? parsePatternModel(options.patternModelJson) : null;
    let classify;
    try {
      classify = patternClassifier(options.classifier ?? (userModel ? 'user' : 'default'), userModel);
    } catch (e) {
      throw new EngineError('bad-input', (e as Error).message);
    }
    const { layers, heads } = model.info.shape;
    const state = createAnalysisState(layers, heads, { drift: !!base });
    const job = this.startJob(options.jobId);
    try {
      await this.eachGroup(this.lengthGroups(model, examples, options.batchSize ?? 16), job.signal, 'analysis', async ({ batch }, _index, done, total) => {
        const out = await model.runner.run(batch, undefined, { attentions: true });
        const other = base ? await base.runner.run(batch, undefined, { attentions: true }) : null;
        analyseBatch(state, {
          attentions: out.attentions!,
          seqLen: out.seqLen,
          lengths: out.lengths,
          tokens: batch.map((e) => e.tokens),
          segments: batch.map((e) => e.tokenTypeIds),
          otherAttentions: other?.attentions ?? null,
        }, { classify });
        onProgress?.(done, total, analysisResult(state));
      });
      return analysisResult(state);
    } finally {
      job.finish();
    }
  }

  /** The examples tokenized once and cut into batches of similar length (no padding beyond each batch's longest). */
  private lengthGroups(model: LoadedModel, examples: { textA: string; textB?: string | null }[], batchSize: number): { indices: number[]; batch: Encoding[] }[] {
    const encodings = examples.map((e) => model.tokenizer.encode(e.textA, e.textB ?? null));
    const order = encodings.map((_, i) => i).sort((a, b) => encodings[a].inputIds.length - encodings[b].inputIds.length);
    const size = Math.max(1, batchSize);
    const groups: { indices: number[]; batch: Encoding[] }[] = [];
    for (let start = 0; start < order.length; start += size) {
      const indices = order.slice(start, start + size);
      groups.push({ indices, batch: indices.map((i) => encodings[i]) });
    }
    return groups;
  }

  /** Hands `work` each group in turn, checking for a cancel before each and yielding after it so a cancel message can arrive. */
  private async eachGroup(
    groups: { indices: number[]; batch: Encoding[] }[],
    signal: AbortSignal,
    what: string,
    work: (group: { indices: number[]; batch: Encoding[] }, index: number, done: number, total: number) => Promise<void>,
  ): Promise<void> {
    const total = groups.reduce((n, g) => n + g.indices.length, 0);
    let done = 0;
    for (let i = 0; i < groups.length; i++) {
      if (signal.aborted) throw new EngineError('cancelled', `The ${what} was cancelled.`);
      done += groups[i].indices.length;
      await work(groups[i], i, done, total);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  /**
   * Cancels a job in progress: a load's download stops, an evaluation or analysis stops before its
   * next batch. An id that is not in progress (finished, or never started) is ignored, never kept.
   */
  cancel(jobId: string): void {
    this.jobs.get(jobId)?.abort();
  }

  /** Removes a Hub model's downloaded files from the browser's cache; returns how many were removed. */
  async removeCachedFiles(spec: ModelSpec): Promise<number> {
    if (spec.kind !== 'hub') throw new EngineError('bad-input', 'Only Hub models are cached: bundled models and local files are read where they are.');
    return removeCachedHubFiles(spec.repo, spec.revision || 'main', spec.host || DEFAULT_HUB_HOST, this.env.cache);
  }

  /** Frees a model's sessions (after the runs queued on them); its id is no longer valid. */
  async unload(modelId: string): Promise<void> {
    const model = this.models.get(modelId);
    this.models.delete(modelId);
    await model?.runner.release();
    await model?.staged?.then((s) => s.release(), () => undefined);
  }
}

/** A spec without its file contents, with the Hub host and revision filled in. */
function refOf(spec: ModelSpec): ModelRef {
  if (spec.kind === 'hub') return { kind: 'hub', repo: spec.repo, revision: spec.revision || 'main', host: spec.host || DEFAULT_HUB_HOST };
  if (spec.kind === 'bundled') return { kind: 'bundled', name: spec.name };
  return { kind: 'files', label: spec.label };
}

/** The buffers of a result, so they can be transferred instead of copied. */
export function resultBuffers(result: RunOutput): ArrayBuffer[] {
  const arrays = [...(result.attentions ?? []), result.logits, result.hidden].filter((a): a is Float32Array => a !== null);
  return [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
}
