// Paired bootstrap confidence intervals, with a small seeded PRNG so that a given seed always
// gives the same interval (results in the UI and in tests are reproducible).

import type { MetricFn, Values } from './metrics';

/**
 * mulberry32: a 32-bit-state PRNG, uniform in [0, 1). Plenty for resampling indices; not for
 * anything that needs cryptographic or long-period randomness.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BootstrapOptions {
  /** Number of bootstrap resamples (default 1000). */
  resamples?: number;
  /** PRNG seed (default 0); the same seed and inputs give the same interval. */
  seed?: number;
  /** Two-sided confidence level (default 0.95). */
  level?: number;
}

export interface BootstrapDelta {
  /** metric(predsA) − metric(predsB) on all examples. */
  delta: number;
  /** Percentile interval of the resampled differences. */
  low: number;
  high: number;
}

export interface BootstrapInterval {
  /** metric on all examples. */
  value: number;
  low: number;
  high: number;
}

function checkOptions(options: BootstrapOptions): Required<BootstrapOptions> {
  const { resamples = 1000, seed = 0, level = 0.95 } = options;
  if (!Number.isInteger(resamples) || resamples < 1) throw new Error(`The bootstrap needs a whole number of resamples, at least 1 (got ${resamples}).`);
  if (!(level > 0 && level < 1)) throw new Error(`The confidence level must lie strictly between 0 and 1 (got ${level}).`);
  if (!Number.isFinite(seed)) throw new Error(`The bootstrap seed must be a finite number (got ${seed}).`);
  return { resamples, seed, level };
}

/** Linear-interpolated quantile of sorted values (numpy.quantile's default method). */
function quantileSorted(sorted: Float64Array, q: number): number {
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/**
 * Resamples example indices with replacement and calls `statistic` on each resample's
 * gathered arrays; returns the sorted statistics. A NaN statistic throws rather than
 * silently shifting the interval.
 */
function resampleStatistics(n: number, arrays: Values[], statistic: (gathered: Float64Array[]) => number, options: Required<BootstrapOptions>): Float64Array {
  const random = mulberry32(options.seed);
  const gathered = arrays.map(() => new Float64Array(n));
  const stats = new Float64Array(options.resamples);
  for (let r = 0; r < options.resamples; r++) {
    for (let i = 0; i < n; i++) {
      const pick = Math.floor(random() * n);
      for (let a = 0; a < arrays.length; a++) gathered[a][i] = arrays[a][pick];
    }
    const value = statistic(gathered);
    if (Number.isNaN(value)) throw new Error(`The metric returned NaN on bootstrap resample ${r}.`);
    stats[r] = value;
  }
  return stats.sort();
}

/**
 * Paired bootstrap for the difference of a metric between two prediction sets on the same
 * examples (e.g. a model with and without a head switched off): each resample draws the same
 * examples for both sets, so the interval reflects only the examples on which they differ.
 * Returns the difference A − B on all examples and its percentile interval. Identical
 * prediction sets give exactly {0, 0, 0}. Throws on empty or mismatched inputs.
 */
export function pairedBootstrapDelta(metric: MetricFn, predsA: Values, predsB: Values, labels: Values, options: BootstrapOptions = {}): BootstrapDelta {
  const opts = checkOptions(options);
  const n = labels.length;
  if (n === 0 || predsA.length !== n || predsB.length !== n) {
    throw new Error(`The paired bootstrap needs two prediction sets as long as the labels, and at least one example (got ${predsA.length}, ${predsB.length} and ${n}).`);
  }
  const delta = metric(predsA, labels) - metric(predsB, labels);
  const sorted = resampleStatistics(n, [predsA, predsB, labels], ([a, b, y]) => metric(a, y) - metric(b, y), opts);
  const tail = (1 - opts.level) / 2;
  return { delta, low: quantileSorted(sorted, tail), high: quantileSorted(sorted, 1 - tail) };
}

/** Percentile bootstrap interval for one metric of one prediction set. Same options and rules as `pairedBootstrapDelta`. */
export function bootstrapInterval(metric: MetricFn, predictions: Values, labels: Values, options: BootstrapOptions = {}): BootstrapInterval {
  const opts = checkOptions(options);
  const n = labels.length;
  if (n === 0 || predictions.length !== n) {
    throw new Error(`The bootstrap needs as many predictions as labels, and at least one (got ${predictions.length} and ${n}).`);
  }
  const value = metric(predictions, labels);
  const sorted = resampleStatistics(n, [predictions, labels], ([p, y]) => metric(p, y), opts);
  const tail = (1 - opts.level) / 2;
  return { value, low: quantileSorted(sorted, tail), high: quantileSorted(sorted, 1 - tail) };
}
