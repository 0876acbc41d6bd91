import type { BertHead, BertShape } from './bertConfig';
import { EngineError } from './errors';
import { plainOrtMessage } from './trialRun';

export type OrtApi = typeof import('onnxruntime-web');
export type Session = Awaited<ReturnType<OrtApi['InferenceSession']['create']>>;

/** An ORT session on these execution providers, with ORT's graph optimisations; a failure says which backend refused. */
export async function createSession(ort: OrtApi, modelBytes: Uint8Array, executionProviders: string[]): Promise<Session> {
  try {
    return await ort.InferenceSession.create(modelBytes, {
      executionProviders,
      graphOptimizationLevel: 'all',
    } as Parameters<OrtApi['InferenceSession']['create']>[1]);
  } catch (e) {
    throw new EngineError('backend', `ONNX Runtime could not create a session on ${executionProviders.join('/')}: ${plainOrtMessage((e as Error)?.message ?? String(e))}.`);
  }
}

/** How a disabled head is switched off: Hugging Face's head_mask (zero) or Kovaleva et al.'s uniform map. */
export type DisableMode = 'zero' | 'uniform';

export interface Masks {
  /** [layers × heads], row-major: 1 keeps a head, 0 disables it. */
  heads?: ArrayLike<number> | null;
  /** [layers]: 0 makes a layer pass its input through unchanged. */
  layers?: ArrayLike<number> | null;
  mode?: DisableMode;
}

export interface EncodedInput {
  inputIds: number[];
  tokenTypeIds: number[];
}

export interface OutputRequest {
  attentions?: boolean;
  logits?: boolean;
  hidden?: boolean;
}

export interface RunOutput {
  batchSize: number;
  seqLen: number;
  /** Unpadded length of each example. */
  lengths: number[];
  /** Per layer, [batch, heads, seq, seq]: the maps the model actually used (after masking). */
  attentions: Float32Array[] | null;
  logits: Float32Array | null;
  logitsDims: number[] | null;
  hidden: Float32Array | null;
}

/** The mask input tensors' values for a run; a disabled layer's heads are zeroed so its maps read as unused. */
export function maskInputValues(shape: Pick<BertShape, 'layers' | 'heads'>, masks: Masks = {}) {
  const { layers, heads } = shape;
  const headMask = new Float32Array(layers * heads).fill(1);
  const headUniform = new Float32Array(layers * heads);
  const layerMask = new Float32Array(layers).fill(1);
  if (masks.heads && masks.heads.length !== layers * heads) {
    throw new EngineError('bad-input', `A head mask needs ${layers * heads} values (${layers} layers × ${heads} heads), not ${masks.heads.length}.`);
  }
  if (masks.layers && masks.layers.length !== layers) {
    throw new EngineError('bad-input', `A layer mask needs ${layers} values, not ${masks.layers.length}.`);
  }
  for (let l = 0; l < layers; l++) {
    const layerOn = masks.layers ? masks.layers[l] : 1;
    layerMask[l] = layerOn;
    for (let h = 0; h < heads; h++) {
      const i = l * heads + h;
      const keep = masks.heads ? masks.heads[i] : 1;
      headMask[i] = layerOn === 0 ? 0 : keep;
      headUniform[i] = layerOn !== 0 && masks.mode === 'uniform' ? 1 - keep : 0;
    }
  }
  return { headMask, headUniform, layerMask };
}

/** A batch as the graph's id inputs: padded to its longest example with `padId`, and the attention mask over the real tokens. */
export function batchInputs(batch: EncodedInput[], maxPositions: number, padId: number) {
  if (batch.length === 0) throw new EngineError('bad-input', 'An empty batch cannot run.');
  const lengths = batch.map((e) => e.inputIds.length);
  const seqLen = Math.max(...lengths);
  if (seqLen > maxPositions) {
    throw new EngineError('bad-input', `An input of ${seqLen} tokens is longer than this model's ${maxPositions} positions.`);
  }
  const n = batch.length * seqLen;
  const ids = new BigInt64Array(n).fill(BigInt(padId));
  const types = new BigInt64Array(n);
  const attention = new BigInt64Array(n);
  batch.forEach((e, b) => {
    for (let i = 0; i < e.inputIds.length; i++) {
      ids[b * seqLen + i] = BigInt(e.inputIds[i]);
      types[b * seqLen + i] = BigInt(e.tokenTypeIds[i] ?? 0);
      attention[b * seqLen + i] = 1n;
    }
  });
  return { ids, types, attention, seqLen, lengths };
}

/** ORT copies outputs out of wasm memory into arrays of their own; this keeps that true, so results transfer to the page without a copy. */
function ownBuffer(a: Float32Array): Float32Array {
  const owned = a.byteOffset === 0 && a.buffer.byteLength === a.byteLength && !(typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer);
  return owned ? a : a.slice();
}

/**
 * Runs `work` after every call queued before it has settled: a WASM or WebGPU session must not run
 * twice at once (transformers.js chains its runs on one promise for the same reason).
 */
export class RunQueue {
  private tail: Promise<unknown> = Promise.resolve();

  add<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** One ORT session of a BERT graph with attention outputs and mask inputs; every mask runs on it, one run at a time. */
export class BertRunner {
  private readonly queue = new RunQueue();

  private constructor(
    private readonly ort: OrtApi,
    private readonly session: Session,
    readonly shape: BertShape,
    readonly head: BertHead,
    readonly padId: number,
  ) {}

  static async create(
    ort: OrtApi,
    graph: { modelBytes: Uint8Array },
    shape: BertShape,
    head: BertHead,
    padId: number,
    executionProviders: string[],
  ): Promise<BertRunner> {
    const session = await createSession(ort, graph.modelBytes, executionProviders);
    for (let l = 0; l < shape.layers; l++) {
      if (!session.outputNames.includes(`attentions.${l}`)) throw new EngineError('unsupported-graph', `The graph has no attentions.${l} output.`);
    }
    return new BertRunner(ort, session, shape, head, padId);
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  run(batch: EncodedInput[], masks: Masks = {}, want: OutputRequest = { attentions: true, logits: true }): Promise<RunOutput> {
    return this.queue.add(() => this.runNow(batch, masks, want));
  }

  private async runNow(batch: EncodedInput[], masks: Masks, want: OutputRequest): Promise<RunOutput> {
    const { ids, types, attention, seqLen, lengths } = batchInputs(batch, this.shape.maxPositions, this.padId);
    const { headMask, headUniform, layerMask } = maskInputValues(this.shape, masks);
    const { Tensor } = this.ort;
    const dims = [batch.length, seqLen];
    const feeds: Record<string, InstanceType<typeof Tensor>> = {
      input_ids: new Tensor('int64', ids, dims),
      attention_mask: new Tensor('int64', attention, dims),
      head_mask: new Tensor('float32', headMask, [this.shape.layers, this.shape.heads]),
      head_uniform: new Tensor('float32', headUniform, [this.shape.layers, this.shape.heads]),
      layer_mask: new Tensor('float32', layerMask, [this.shape.layers]),
    };
    if (this.session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new Tensor('int64', types, dims);
    const has = (name: string) => this.session.outputNames.includes(name);
    const fetches: string[] = [];
    if (want.attentions) for (let l = 0; l < this.shape.layers; l++) fetches.push(`attentions.${l}`);
    if (want.logits && has('logits')) fetches.push('logits');
    if (want.hidden && has('last_hidden_state')) fetches.push('last_hidden_state');
    // ORT needs at least one output to fetch.
    if (fetches.length === 0) fetches.push(this.session.outputNames[0]);
    const results = await this.session.run(feeds, fetches);
    const floats = (name: string) => (fetches.includes(name) ? ownBuffer(results[name].data as Float32Array) : null);
    return {
      batchSize: batch.length,
      seqLen,
      lengths,
      attentions: want.attentions ? Array.from({ length: this.shape.layers }, (_, l) => floats(`attentions.${l}`)!) : null,
      logits: floats('logits'),
      logitsDims: fetches.includes('logits') ? [...results.logits.dims] : null,
      hidden: floats('last_hidden_state'),
    };
  }

  /** Frees the session once the runs queued before have finished. */
  release(): Promise<void> {
    return this.queue.add(() => this.session.release());
  }
}
