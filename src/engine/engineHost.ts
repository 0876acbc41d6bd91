import { analyseBatch, analysisResult, createAnalysisState, type AnalysisResult } from '../analysis/analyseBatch';
import { checkDriftPair } from '../analysis/drift';
import { parsePatternModel, predict } from '../analysis/patternModel';
import type { BertHead, BertShape } from './bertConfig';
import { BertRunner, type EncodedInput, type Masks, type OrtApi, type OutputRequest, type RunOutput } from './bertRunner';
import { EngineError } from './errors';
import { prepareModel, type ModelFormat } from './loadModel';
import { bundledSource, DEFAULT_HUB_HOST, hubSource, LocalFilesSource, type ByteCache, type FileProgress, type ModelSource } from './modelSource';
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
  id: string;
  label: string;
  shape: BertShape;
  head: BertHead;
  format: ModelFormat;
  weightFiles: string[];
  maxLength: number;
  backend: Backend;
  fallbackReason: string | null;
  graphMs: number;
  sessionMs: number;
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
  runner: BertRunner;
  tokenizer: import('./tokenizer').BertTokenizer;
}

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
  private readonly jobs = new Map<string, AbortController>();
  private readonly cancelledJobs = new Set<string>();
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

  async load(spec: ModelSpec, options: { format?: ModelFormat | 'auto'; onnxFile?: string; jobId?: string } = {}, onProgress?: (p: LoadProgress) => void): Promise<ModelInfo> {
    const controller = new AbortController();
    if (options.jobId) this.jobs.set(options.jobId, controller);
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
      let runner: BertRunner;
      try {
        runner = await BertRunner.create(this.env.ort, prepared, prepared.shape, prepared.head, prepared.tokenizer.padId, [backend]);
      } catch (e) {
        if (backend !== 'webgpu') throw e;
        // A WebGPU device can fail where the adapter looked fine: run on WASM instead, and say so.
        fallbackReason = `WebGPU failed for this model (${(e as Error).message}); running on WASM.`;
        backend = 'wasm';
        runner = await BertRunner.create(this.env.ort, prepared, prepared.shape, prepared.head, prepared.tokenizer.padId, ['wasm']);
      }
      const sessionMs = performance.now() - t0;
      const id = `m${this.nextId++}`;
      const info: ModelInfo = {
        id,
        label: prepared.label,
        shape: prepared.shape,
        head: prepared.head,
        format: prepared.format,
        weightFiles: prepared.weightFiles,
        maxLength: prepared.tokenizer.maxLength,
        backend,
        fallbackReason,
        graphMs: prepared.graphMs,
        sessionMs,
      };
      this.models.set(id, { info, runner, tokenizer: prepared.tokenizer });
      return info;
    } finally {
      if (options.jobId) this.jobs.delete(options.jobId);
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
    if (jobId && this.cancelledJobs.delete(jobId)) throw new EngineError('cancelled', 'The run was cancelled.');
    let encodings: Encoding[] | null = null;
    let inputs: EncodedInput[];
    if (isTextExamples(request.examples)) {
      encodings = request.examples.map((e) => model.tokenizer.encode(e.textA, e.textB ?? null));
      inputs = encodings;
    } else {
      inputs = request.examples as EncodedInput[];
    }
    const out = await model.runner.run(inputs, request.masks, request.outputs ?? { attentions: true, logits: true });
    return { ...out, encodings };
  }

  /**
   * Runs a model over a task's examples for their logits, in the examples' order. Examples are
   * grouped by token length, so a batch pads little; progress is reported after each batch, and a
   * cancelled job stops between batches.
   */
  async evaluate(
    modelId: string,
    examples: { textA: string; textB?: string | null }[],
    options: { masks?: Masks; batchSize?: number; jobId?: string } = {},
    onProgress?: (done: number, total: number, batch?: EvaluatedBatch) => void,
  ): Promise<{ logits: Float32Array; numLabels: number }> {
    const model = this.model(modelId);
    if (model.info.head !== 'sequence-classification') {
      throw new EngineError('bad-input', `${model.info.label} has no classification head, so it cannot be scored on a task.`);
    }
    let logits: Float32Array | null = null;
    let numLabels = 0;
    await this.inLengthGroups(model, examples, options.batchSize ?? 32, options.jobId, 'evaluation', async (indices, batch, done, total) => {
      const out = await model.runner.run(batch, options.masks, { logits: true });
      numLabels = out.logitsDims![1];
      logits ??= new Float32Array(examples.length * numLabels);
      indices.forEach((example, row) => logits!.set(out.logits!.subarray(row * numLabels, (row + 1) * numLabels), example * numLabels));
      // The batch's own logits come with the progress, so scores can update as batches finish.
      onProgress?.(done, total, { indices, logits: out.logits!.slice(0, indices.length * numLabels), numLabels });
    });
    return { logits: logits ?? new Float32Array(0), numLabels };
  }

  /**
   * The pattern, special-token and (with `baseModelId`) drift analyses over a sample, batch by
   * batch: the attention maps stay in the worker, and only the accumulated results (a few numbers
   * per head) come back with each batch's progress.
   */
  async analyse(
    modelId: string,
    examples: { textA: string; textB?: string | null }[],
    options: { baseModelId?: string | null; batchSize?: number; jobId?: string; patternModelJson?: string | null } = {},
    onProgress?: (done: number, total: number, result: AnalysisResult) => void,
  ): Promise<AnalysisResult> {
    const model = this.model(modelId);
    const base = options.baseModelId ? this.model(options.baseModelId) : null;
    if (base) {
      const refusal = checkDriftPair(model.info.shape, base.info.shape);
      if (refusal) throw new EngineError('bad-input', refusal);
    }
    const fitted = options.patternModelJson ? parsePatternModel(options.patternModelJson) : null;
    const classify = fitted ? (f: Parameters<typeof predict>[1]) => predict(fitted, f).type : undefined;
    const { layers, heads } = model.info.shape;
    const state = createAnalysisState(layers, heads, { drift: !!base });
    await this.inLengthGroups(model, examples, options.batchSize ?? 16, options.jobId, 'analysis', async (_indices, batch, done, total) => {
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
  }

  /**
   * Tokenizes the examples once and hands them to `work` in batches of similar length (no padding
   * beyond each batch's longest), checking for a cancel before each batch and yielding after it so
   * a cancel message can arrive.
   */
  private async inLengthGroups(
    model: LoadedModel,
    examples: { textA: string; textB?: string | null }[],
    batchSize: number,
    jobId: string | undefined,
    what: string,
    work: (indices: number[], batch: Encoding[], done: number, total: number) => Promise<void>,
  ): Promise<void> {
    const encodings = examples.map((e) => model.tokenizer.encode(e.textA, e.textB ?? null));
    const order = encodings.map((_, i) => i).sort((a, b) => encodings[a].inputIds.length - encodings[b].inputIds.length);
    const size = Math.max(1, batchSize);
    for (let start = 0; start < order.length; start += size) {
      if (jobId && this.cancelledJobs.delete(jobId)) throw new EngineError('cancelled', `The ${what} was cancelled.`);
      const indices = order.slice(start, start + size);
      await work(indices, indices.map((i) => encodings[i]), Math.min(start + size, order.length), order.length);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  /** Cancels a load in flight (its download stops) or a run not yet started. */
  cancel(jobId: string): void {
    const controller = this.jobs.get(jobId);
    if (controller) controller.abort();
    else this.cancelledJobs.add(jobId);
  }

  async unload(modelId: string): Promise<void> {
    const model = this.models.get(modelId);
    this.models.delete(modelId);
    await model?.runner.release();
  }
}

/** The buffers of a result, so they can be transferred instead of copied. */
export function resultBuffers(result: RunOutput): ArrayBuffer[] {
  const arrays = [...(result.attentions ?? []), result.logits, result.hidden].filter((a): a is Float32Array => a !== null);
  return [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
}
