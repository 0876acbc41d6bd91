// How long the engine worker may stay silent before the page takes it for hung (see client.ts).
// CPU-bound work in a worker cannot be interrupted, so a bound is the only way out of a tokenizer
// regex that backtracks for hours or a graph with an endless Loop. Bounds are generous and scale
// with the work: each is the fixed allowance below plus the work at a rate far under any real one.

import type { BertShape } from './bertConfig';

/** Seconds every call gets, whatever its size (page busy, first run warming up). */
export const BASE_SECONDS = 15;
/** A slow engine: BERT-base runs at ~50 GFLOP/s on one WASM thread here, ~1 on a CPU WebGPU adapter. */
export const SLOW_FLOPS_PER_SECOND = 2e8;
/** A load may be silent this long between progress reports, plus time per byte already received. */
export const LOAD_SILENCE_SECONDS = 60;
export const LOAD_BYTES_PER_SECOND = 10e6;
/** After Cancel, work that has not stopped by then (plus its batch's usual time) is taken for CPU-bound and the worker is restarted. */
export const CANCEL_GRACE_SECONDS = 3;
/** About the usual speed of a run (BERT-base on one WASM thread does ~50 GFLOP/s): how long a batch in progress may take to end after Cancel. */
export const USUAL_FLOPS_PER_SECOND = 5e9;

type Shape = Pick<BertShape, 'layers' | 'hidden' | 'maxPositions' | 'vocabSize'>;

/** Floating-point operations of one forward pass over `examples` of `tokens` tokens each. */
export function forwardFlops(shape: Shape, examples: number, tokens: number): number {
  const { layers, hidden } = shape;
  // Per token and layer: the projections and feed-forward (~24 h²) and the attention maps (4 · seq · h).
  return layers * examples * tokens * (24 * hidden * hidden + 4 * tokens * hidden);
}

/** Tokens a text can give at most (word pieces never outnumber characters), within the model's positions. */
export function tokensOf(shape: Shape, texts: readonly { textA: string; textB?: string | null }[] | readonly { inputIds: number[] }[]): number {
  let most = 2;
  for (const t of texts) {
    const n = 'inputIds' in t ? t.inputIds.length : t.textA.length + (t.textB?.length ?? 0) + 3;
    if (n > most) most = n;
  }
  return Math.min(most, shape.maxPositions);
}

/** Characters in a set of examples: tokenizing them is the silent work before the first batch. */
function characters(texts: readonly { textA?: string; textB?: string | null }[]): number {
  return texts.reduce((n, t) => n + (t.textA?.length ?? 0) + (t.textB?.length ?? 0), 0);
}

/** The bound for one run (or one batch of an evaluation or analysis), in seconds. */
export function runSeconds(shape: Shape, examples: number, tokens: number, passes = 1): number {
  return BASE_SECONDS + (passes * forwardFlops(shape, examples, tokens)) / SLOW_FLOPS_PER_SECOND;
}

/** The bound before an evaluation's or analysis's first progress: tokenizing all examples, then its first batch. */
export function firstBatchSeconds(shape: Shape, examples: readonly { textA: string; textB?: string | null }[], batchSize: number, passes = 1): number {
  return runSeconds(shape, Math.min(batchSize, examples.length), tokensOf(shape, examples), passes) + characters(examples) / 1e5;
}

/** The bound for tokenizing texts. */
export function tokenizeSeconds(texts: readonly { textA?: string; textB?: string | null }[]): number {
  return BASE_SECONDS + characters(texts) / 1e5;
}

/** The bound between a load's progress reports, given the bytes it has received so far. */
export function loadSeconds(bytesSoFar: number): number {
  return LOAD_SILENCE_SECONDS + bytesSoFar / LOAD_BYTES_PER_SECOND;
}

/** About the bytes of a model's float32 weights, for the bound on reading them again (a sweep's stage sessions). */
export function weightBytes(shape: Shape): number {
  const { layers, hidden, vocabSize, maxPositions } = shape;
  return 4 * (layers * 12 * hidden * hidden + (vocabSize + maxPositions) * hidden);
}

/** Seconds a cancelled call may take to stop: the grace, plus the batch it may be in at a usual speed. */
export function cancelSeconds(shape: Shape, examples: number, tokens: number, passes = 1): number {
  return CANCEL_GRACE_SECONDS + Math.round((passes * forwardFlops(shape, examples, tokens)) / USUAL_FLOPS_PER_SECOND);
}
