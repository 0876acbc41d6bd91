// Scores of a masked model against the unmasked baseline on the same examples: every GLUE metric,
// the headline's delta with a paired-bootstrap 95% interval, and the examples whose prediction
// flipped. Works on partial results too (examples not yet evaluated are NaN and left out), so the
// numbers can update as batches finish.
import { pairedBootstrapDelta } from './bootstrap';
import type { GlueTaskSpec } from './glue';
import { METRIC_FUNCTIONS, taskScores, type TaskScores } from './metrics';

/**
 * Task predictions from model logits ([examples, numLabels]): the arg-max output mapped to the
 * task's class (`mapping[output] = class`), or the single output itself for a regression task.
 * Rows not yet evaluated (NaN logits) give NaN.
 */
export function taskPredictions(logits: ArrayLike<number>, numLabels: number, task: GlueTaskSpec, mapping: readonly number[]): Float64Array {
  const rows = Math.floor(logits.length / Math.max(1, numLabels));
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    if (Number.isNaN(logits[r * numLabels])) {
      out[r] = NaN;
      continue;
    }
    if (task.regression) {
      out[r] = logits[r * numLabels];
      continue;
    }
    let best = 0;
    for (let c = 1; c < numLabels; c++) if (logits[r * numLabels + c] > logits[r * numLabels + best]) best = c;
    out[r] = mapping[best] ?? NaN;
  }
  return out;
}

export interface MaskingComparison {
  /** Examples scored (evaluated by both runs). */
  n: number;
  total: number;
  baseline: TaskScores;
  masked: TaskScores | null;
  /** Headline metric: masked − baseline, with a paired-bootstrap interval over examples. */
  delta: { value: number; low: number; high: number } | null;
  /** Indices (into the examples) whose prediction changed; for regression, the 10 that moved most. */
  flipped: number[];
}

export function compareMasked(task: GlueTaskSpec, labels: ArrayLike<number>, baseline: Float64Array, masked: Float64Array | null, options: { resamples?: number; seed?: number } = {}): MaskingComparison | null {
  const both: number[] = [];
  for (let i = 0; i < labels.length; i++) if (!Number.isNaN(baseline[i]) && (!masked || !Number.isNaN(masked[i]))) both.push(i);
  if (both.length === 0) return null;
  const pick = (a: ArrayLike<number>) => Float64Array.from(both, (i) => a[i]);
  const gold = pick(labels);
  const base = pick(baseline);
  const baseScores = taskScores(task, base, gold);
  if (!masked) return { n: both.length, total: labels.length, baseline: baseScores, masked: null, delta: null, flipped: [] };
  const mask = pick(masked);
  const maskedScores = taskScores(task, mask, gold);
  let delta: MaskingComparison['delta'] = null;
  if (both.length >= 2) {
    const d = pairedBootstrapDelta(METRIC_FUNCTIONS[task.headline], mask, base, gold, { resamples: options.resamples ?? 1000, seed: options.seed ?? 1 });
    delta = { value: d.delta, low: d.low, high: d.high };
  }
  const flipped = task.regression
    ? both
        .map((i) => [i, Math.abs(masked[i] - baseline[i])] as const)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 10)
        .filter(([, d]) => d > 0)
        .map(([i]) => i)
    : both.filter((i) => masked[i] !== baseline[i]);
  return { n: both.length, total: labels.length, baseline: baseScores, masked: maskedScores, delta, flipped };
}
