// What the atlas shows of one example's attention: one head, or a mean over heads, with special
// tokens optionally left out. Pure functions over the engine's [1, heads, S, S] per-layer arrays.

export type Aggregation = 'head' | 'layer' | 'all';

export interface HeadRef {
  /** 0-indexed layer and head (the UI shows them 1-indexed, as the paper does). */
  layer: number;
  head: number;
}

/** One head's S×S map, as a view (no copy) into the layer's array. */
export function headMap(attentions: Float32Array[], seqLen: number, ref: HeadRef): Float32Array {
  const size = seqLen * seqLen;
  return attentions[ref.layer].subarray(ref.head * size, (ref.head + 1) * size);
}

/** The element-wise mean of several S×S maps (float64 sums, so the order of heads does not matter). */
export function meanMap(maps: Float32Array[], seqLen: number): Float32Array {
  const size = seqLen * seqLen;
  const sum = new Float64Array(size);
  for (const m of maps) for (let i = 0; i < size; i++) sum[i] += m[i];
  const out = new Float32Array(size);
  if (maps.length === 0) return out;
  for (let i = 0; i < size; i++) out[i] = sum[i] / maps.length;
  return out;
}

/** The map an aggregation stands for: the selected head, its layer's mean, or the mean of every head. */
export function aggregatedMap(attentions: Float32Array[], heads: number, seqLen: number, ref: HeadRef, aggregation: Aggregation): Float32Array {
  if (aggregation === 'head') return headMap(attentions, seqLen, ref);
  const layers = aggregation === 'layer' ? [ref.layer] : attentions.map((_, l) => l);
  const maps: Float32Array[] = [];
  for (const layer of layers) for (let head = 0; head < heads; head++) maps.push(headMap(attentions, seqLen, { layer, head }));
  return meanMap(maps, seqLen);
}

export interface TokenSubset {
  /** Indices of the kept tokens, in order. */
  keep: number[];
  /** The K×K map over the kept tokens. */
  map: Float32Array;
}

/**
 * Leaves out the tokens `drop` marks (e.g. [CLS]/[SEP]). With `renormalise`, each kept row is
 * rescaled to sum to 1 over the kept tokens (a row whose kept mass is 0 stays 0); without it the
 * weights are the model's own, so rows sum to less than 1.
 */
export function dropTokens(map: Float32Array, seqLen: number, drop: (index: number) => boolean, renormalise: boolean): TokenSubset {
  const keep: number[] = [];
  for (let i = 0; i < seqLen; i++) if (!drop(i)) keep.push(i);
  const k = keep.length;
  const out = new Float32Array(k * k);
  for (let r = 0; r < k; r++) {
    const row = keep[r] * seqLen;
    let mass = 0;
    for (let c = 0; c < k; c++) mass += map[row + keep[c]];
    const scale = renormalise && mass > 0 ? 1 / mass : 1;
    for (let c = 0; c < k; c++) out[r * k + c] = map[row + keep[c]] * scale;
  }
  return { keep, map: out };
}

export interface HeadSummary {
  /** The largest weight in the map. */
  max: number;
  /** Mean row entropy in nats (0 = every token attends to one token; ln S = uniform). */
  entropy: number;
  /** Mean attention paid to [CLS], to [SEP] (the larger of its occurrences, as the paper's §4.4), and to the tokens ±1. */
  toCls: number;
  toSep: number;
  toNeighbours: number;
}

/** A few numbers that describe a head's map over the first `length` (unpadded) tokens. */
export function headSummary(map: Float32Array, seqLen: number, length: number, tokens: string[]): HeadSummary {
  let max = 0;
  let entropy = 0;
  let toCls = 0;
  let toNeighbours = 0;
  const sepColumns = new Map<number, number>();
  for (let r = 0; r < length; r++) {
    const row = r * seqLen;
    for (let c = 0; c < length; c++) {
      const w = map[row + c];
      if (w > max) max = w;
      if (w > 0) entropy -= w * Math.log(w);
      if (tokens[c] === '[CLS]') toCls += w;
      if (tokens[c] === '[SEP]') sepColumns.set(c, (sepColumns.get(c) ?? 0) + w);
      if (c === r - 1 || c === r + 1) toNeighbours += w;
    }
  }
  const n = Math.max(1, length);
  const toSep = Math.max(0, ...sepColumns.values());
  return { max, entropy: entropy / n, toCls: toCls / n, toSep: toSep / n, toNeighbours: toNeighbours / n };
}
