// Pattern histogram over a task sample (Kovaleva et al. 2019, Fig. 2): how often each pattern type
// occurs over all heads × examples, overall and per layer, and which type each head shows most
// often (so the grid can highlight the heads of a type). Streaming: types are added per example.

import { PATTERN_TYPES, type PatternType } from './patterns';

const T = PATTERN_TYPES.length;

export interface PatternHistogram {
  readonly layers: number;
  readonly heads: number;
  /** [(layer·heads + head)·T + type index]: how many examples had that head classified as that type. */
  readonly counts: Uint32Array;
  /** Examples added. */
  examples: number;
}

export function createPatternHistogram(layers: number, heads: number): PatternHistogram {
  return { layers, heads, counts: new Uint32Array(layers * heads * T), examples: 0 };
}

/** The index of a type in PATTERN_TYPES (the encoding of the per-example arrays). */
export function patternIndex(type: PatternType): number {
  return PATTERN_TYPES.indexOf(type);
}

/**
 * Adds one example's classification: for each head, [layer·heads + head], its type, as a
 * PATTERN_TYPES index (analyseBatch's encoding) or as a name.
 */
export function addExamplePatterns(histogram: PatternHistogram, types: ArrayLike<number> | readonly PatternType[]): void {
  const n = histogram.layers * histogram.heads;
  if (types.length !== n) throw new Error(`Expected a type for each of ${n} heads, got ${types.length}.`);
  for (let i = 0; i < n; i++) {
    const t = types[i];
    const index = typeof t === 'number' ? t : patternIndex(t);
    if (!(index >= 0 && index < T && Number.isInteger(index))) throw new Error(`Head ${i} has no valid pattern type (${String(t)}).`);
    histogram.counts[i * T + index]++;
  }
  histogram.examples++;
}

export interface TypeShares {
  counts: Record<PatternType, number>;
  /** counts / total: they sum to 1; all 0 when nothing was counted. */
  shares: Record<PatternType, number>;
  total: number;
}

export interface HeadPattern {
  layer: number;
  head: number;
  /** The type the head showed most often (the first in PATTERN_TYPES order on a tie). */
  type: PatternType;
  /** The share of the examples in which it showed that type. */
  share: number;
  /** Its share of every type. */
  shares: Record<PatternType, number>;
}

export interface PatternHistogramResult {
  layers: number;
  heads: number;
  examples: number;
  /** Over all heads × examples. */
  overall: TypeShares;
  /** Per layer, over its heads × examples. */
  perLayer: TypeShares[];
  /** [layer][head]: its most frequent type; null before any example. */
  perHead: HeadPattern[][] | null;
  /** For each type, the heads whose most frequent type it is, most consistent first (for highlighting). */
  headsByType: Record<PatternType, { layer: number; head: number; share: number }[]>;
}

function shares(counts: ArrayLike<number>): TypeShares {
  let total = 0;
  for (let t = 0; t < T; t++) total += counts[t];
  const byType = {} as Record<PatternType, number>;
  const share = {} as Record<PatternType, number>;
  PATTERN_TYPES.forEach((type, t) => {
    byType[type] = counts[t];
    share[type] = total > 0 ? counts[t] / total : 0;
  });
  return { counts: byType, shares: share, total };
}

export function patternHistogramResult(histogram: PatternHistogram): PatternHistogramResult {
  const { layers, heads, counts, examples } = histogram;
  const overallCounts = new Float64Array(T);
  const perLayer: TypeShares[] = [];
  const headsByType = Object.fromEntries(PATTERN_TYPES.map((t) => [t, [] as { layer: number; head: number; share: number }[]])) as PatternHistogramResult['headsByType'];
  const perHead: HeadPattern[][] = [];
  for (let l = 0; l < layers; l++) {
    const layerCounts = new Float64Array(T);
    const row: HeadPattern[] = [];
    for (let h = 0; h < heads; h++) {
      const base = (l * heads + h) * T;
      let best = 0;
      for (let t = 0; t < T; t++) {
        layerCounts[t] += counts[base + t];
        if (counts[base + t] > counts[base + best]) best = t;
      }
      const head = shares(counts.subarray(base, base + T));
      const type = PATTERN_TYPES[best];
      row.push({ layer: l, head: h, type, share: head.shares[type], shares: head.shares });
      if (examples > 0) headsByType[type].push({ layer: l, head: h, share: head.shares[type] });
    }
    for (let t = 0; t < T; t++) overallCounts[t] += layerCounts[t];
    perLayer.push(shares(layerCounts));
    perHead.push(row);
  }
  for (const type of PATTERN_TYPES) headsByType[type].sort((a, b) => b.share - a.share || a.layer - b.layer || a.head - b.head);
  return { layers, heads, examples, overall: shares(overallCounts), perLayer, perHead: examples > 0 ? perHead : null, headsByType };
}
