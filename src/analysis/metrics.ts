// Task metrics as GLUE defines them, over plain arrays (or typed arrays).
//
// Conventions (checked against scikit-learn 1.2.1 / SciPy 1.10.1 in metrics.test.ts):
// - Empty inputs, inputs of different lengths and non-finite values throw: they are caller bugs.
// - Binary F1 is 0 when there is nothing to score (no positive label and no positive prediction),
//   as sklearn's f1_score with its default zero_division.
// - Matthews correlation is 0 when undefined (either vector constant), as sklearn's matthews_corrcoef.
// - Pearson and Spearman are 0 when either vector is constant, by the same convention (Matthews is
//   Pearson on 0/1 vectors). SciPy returns NaN there instead; 0 keeps bootstrap resamples and averages
//   finite. `taskScores` says when a value is such a convention, so the UI can show "undefined".

import type { GlueMetric, GlueTaskKey, GlueTaskSpec } from './glue';

export type Values = ArrayLike<number>;
export type MetricFn = (predictions: Values, labels: Values) => number;

/** Index of the largest value of each row of a [rows, cols] row-major array (first one on ties). */
export function argmaxRows(values: ArrayLike<number>, cols: number): number[] {
  const rows = values.length / cols;
  return Array.from({ length: rows }, (_, r) => {
    let best = 0;
    for (let c = 1; c < cols; c++) if (values[r * cols + c] > values[r * cols + best]) best = c;
    return best;
  });
}

function checkPair(name: string, predictions: Values, labels: Values): void {
  if (predictions.length !== labels.length || labels.length === 0) {
    throw new Error(`${name} needs as many predictions as labels, and at least one (got ${predictions.length} and ${labels.length}).`);
  }
  for (let i = 0; i < labels.length; i++) {
    if (!Number.isFinite(predictions[i])) throw new Error(`${name}: prediction ${i} is ${predictions[i]}, not a finite number.`);
    if (!Number.isFinite(labels[i])) throw new Error(`${name}: label ${i} is ${labels[i]}, not a finite number.`);
  }
}

export function accuracy(predictions: Values, labels: Values): number {
  checkPair('accuracy', predictions, labels);
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) correct++;
  return correct / labels.length;
}

interface BinaryCounts {
  tp: number;
  fp: number;
  fn: number;
}

function binaryCounts(predictions: Values, labels: Values): BinaryCounts {
  checkPair('F1', predictions, labels);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = predictions[i];
    const y = labels[i];
    if ((p !== 0 && p !== 1) || (y !== 0 && y !== 1)) throw new Error(`F1 is for binary tasks: item ${i} has prediction ${p} and label ${y}; both must be 0 or 1.`);
    if (p === 1 && y === 1) tp++;
    else if (p === 1) fp++;
    else if (y === 1) fn++;
  }
  return { tp, fp, fn };
}

/** F1 of the positive class 1 (sklearn `f1_score`, average='binary', pos_label=1). 0 when there is nothing to score. */
export function f1Binary(predictions: Values, labels: Values): number {
  const { tp, fp, fn } = binaryCounts(predictions, labels);
  // Computed as sklearn does (from precision and recall), so values agree to the last bits.
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const denominator = precision + recall;
  return denominator === 0 ? 0 : (2 * precision * recall) / denominator;
}

function mean(x: Values): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i];
  return sum / x.length;
}

function isConstant(x: Values): boolean {
  for (let i = 1; i < x.length; i++) if (x[i] !== x[0]) return false;
  return true;
}

function correlation(x: Values, y: Values): number {
  if (isConstant(x) || isConstant(y)) return 0;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  // Rounding can push |r| a hair over 1 for (anti)collinear data; SciPy clips too.
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** Pearson's r (scipy.stats.pearsonr). 0 when either vector is constant (SciPy: NaN). */
export function pearson(predictions: Values, labels: Values): number {
  checkPair('Pearson', predictions, labels);
  return correlation(predictions, labels);
}

/** 1-based ranks, ties sharing the average of their ranks (scipy.stats.rankdata, method='average'). */
export function averageRanks(x: Values): Float64Array {
  const order = Array.from({ length: x.length }, (_, i) => i).sort((i, j) => x[i] - x[j]);
  const ranks = new Float64Array(x.length);
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && x[order[end]] === x[order[start]]) end++;
    const rank = (start + 1 + end) / 2; // mean of the ranks start+1 … end
    for (let k = start; k < end; k++) ranks[order[k]] = rank;
    start = end;
  }
  return ranks;
}

/** Spearman's rho: Pearson's r of the average ranks (scipy.stats.spearmanr). 0 when either vector is constant (SciPy: NaN). */
export function spearman(predictions: Values, labels: Values): number {
  checkPair('Spearman', predictions, labels);
  return correlation(averageRanks(predictions), averageRanks(labels));
}

/**
 * Matthews correlation coefficient over any number of classes (sklearn `matthews_corrcoef`,
 * the same float64 formula). 0 when undefined, i.e. when labels or predictions are constant.
 */
export function matthews(predictions: Values, labels: Values): number {
  checkPair('Matthews correlation', predictions, labels);
  const classOf = new Map<number, number>();
  const classIndex = (v: number) => {
    let c = classOf.get(v);
    if (c === undefined) classOf.set(v, (c = classOf.size));
    return c;
  };
  const trueCounts: number[] = [];
  const predCounts: number[] = [];
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const t = classIndex(labels[i]);
    const p = classIndex(predictions[i]);
    trueCounts[t] = (trueCounts[t] ?? 0) + 1;
    predCounts[p] = (predCounts[p] ?? 0) + 1;
    if (t === p) correct++;
  }
  const n = labels.length;
  let dotTP = 0;
  let dotPP = 0;
  let dotTT = 0;
  for (let c = 0; c < classOf.size; c++) {
    const t = trueCounts[c] ?? 0;
    const p = predCounts[c] ?? 0;
    dotTP += t * p;
    dotPP += p * p;
    dotTT += t * t;
  }
  const covTP = correct * n - dotTP;
  const covPP = n * n - dotPP;
  const covTT = n * n - dotTT;
  if (covPP * covTT === 0) return 0;
  return covTP / Math.sqrt(covTT * covPP);
}

export const METRIC_FUNCTIONS: Record<GlueMetric, MetricFn> = {
  accuracy,
  f1: f1Binary,
  pearson,
  spearman,
  matthews,
};

export const METRIC_NAMES: Record<GlueMetric, string> = {
  accuracy: 'Accuracy',
  f1: 'F1',
  pearson: 'Pearson r',
  spearman: 'Spearman ρ',
  matthews: 'Matthews corr.',
};

export interface MetricScore {
  metric: GlueMetric;
  /** Display name, e.g. "Matthews corr.". */
  name: string;
  value: number;
  /** Set when the metric is undefined on these inputs and `value` is the 0 convention; says why. */
  undefinedReason?: string;
}

export interface TaskScores {
  task: GlueTaskKey;
  /** Number of examples scored. */
  n: number;
  /** Every metric GLUE reports for the task, in GLUE's order. */
  scores: MetricScore[];
  /** The task's headline metric (also one of `scores`). */
  headline: MetricScore;
}

function undefinedReason(metric: GlueMetric, predictions: Values, labels: Values): string | undefined {
  const constant = (what: string) => `${METRIC_NAMES[metric]} is undefined when the ${what} are all the same; shown as 0.`;
  switch (metric) {
    case 'pearson':
    case 'spearman':
    case 'matthews':
      if (isConstant(predictions)) return constant('predictions');
      if (isConstant(labels)) return constant('labels');
      return undefined;
    case 'f1': {
      const { tp, fp, fn } = binaryCounts(predictions, labels);
      return tp + fp + fn === 0 ? 'F1 is undefined with no positive labels and no positive predictions; shown as 0.' : undefined;
    }
    case 'accuracy':
      return undefined;
  }
}

/**
 * Every metric GLUE reports for `task`, plus its headline. `predictions` are class indices
 * (e.g. from `argmaxRows`) for classification tasks, and predicted scores for STS-B;
 * `labels` are the parsed examples' labels. Class indices out of range throw, since they
 * mean the model's outputs do not match the task's classes.
 */
export function taskScores(task: GlueTaskSpec, predictions: Values, labels: Values): TaskScores {
  checkPair(`${task.name} scores`, predictions, labels);
  if (!task.regression) {
    const classes = task.classNames.length;
    for (let i = 0; i < labels.length; i++) {
      for (const [what, v] of [['prediction', predictions[i]], ['label', labels[i]]] as const) {
        if (!Number.isInteger(v) || v < 0 || v >= classes) throw new Error(`${task.name} has ${classes} classes, but ${what} ${i} is ${v}.`);
      }
    }
  }
  const scores = task.metrics.map((metric): MetricScore => {
    const score: MetricScore = { metric, name: METRIC_NAMES[metric], value: METRIC_FUNCTIONS[metric](predictions, labels) };
    const reason = undefinedReason(metric, predictions, labels);
    if (reason) score.undefinedReason = reason;
    return score;
  });
  const headline = scores.find((s) => s.metric === task.headline);
  if (!headline) throw new Error(`${task.name}: the headline metric ${task.headline} is not among its metrics.`);
  return { task: task.key, n: labels.length, scores, headline };
}
