// A pattern classifier fitted on people's labels: multinomial logistic regression (softmax
// regression with an L2 penalty) on the measured head features, as the issue asks ("features +
// multinomial logistic regression is enough"). Deterministic: features are standardised, weights
// start at 0, and full-batch gradient descent with a backtracking line search takes fixed steps.
//
// Also the labels file people export and import:
//   { format: 'head-atlas-pattern-labels', version: 1,
//     labels: [{ model, layer, head, text: { a, b }, type, features }] }
// with layer and head counted from 1, as on screen.

import { mulberry32 } from './bootstrap';
import { FEATURE_NAMES, featureVector, hasCurrentFeatures, isBlockByRule, MIN_MASS, HEAD_FEATURE_KEYS, isPatternType, MEASURE_NAMES, PATTERN_TYPES, REQUIRED_FEATURE_KEYS, type HeadFeatures, type PatternType } from './patterns';

export interface LabelledFeatures {
  features: HeadFeatures;
  type: PatternType;
}

export interface FitOptions {
  /** L2 penalty on the weights (not the biases), per example; default 1e-3. */
  l2?: number;
  /** Gradient steps at most; default 500. */
  iterations?: number;
  /** Stop when the loss improves by less than this; default 1e-9. */
  tolerance?: number;
}

export interface PatternModel {
  format: 'head-atlas-pattern-model';
  version: 1;
  /** The classes seen in training, in PATTERN_TYPES order; the model predicts only these. */
  classes: PatternType[];
  /** The features the model reads, in order (FEATURE_NAMES when it was fitted; any of MEASURE_NAMES). */
  featureNames: string[];
  /** Standardisation: x' = (x − mean) / scale. */
  mean: number[];
  scale: number[];
  /** weights[class][feature] on standardised features, and a bias per class. */
  weights: number[][];
  bias: number[];
  /** How many examples it was fitted on. */
  examples: number;
}

export interface PatternPrediction {
  type: PatternType;
  /** Probability of each of the model's classes (model.classes order). */
  probabilities: Partial<Record<PatternType, number>>;
}

/** Softmax of z into out, stable for large logits. */
function softmaxInPlace(z: Float64Array, out: Float64Array): void {
  let max = -Infinity;
  for (let k = 0; k < z.length; k++) if (z[k] > max) max = z[k];
  let sum = 0;
  for (let k = 0; k < z.length; k++) {
    out[k] = Math.exp(z[k] - max);
    sum += out[k];
  }
  for (let k = 0; k < z.length; k++) out[k] /= sum;
}

/** Fits softmax regression on labelled feature vectors. Throws when there is nothing to fit. */
export function fitPatternModel(examples: readonly LabelledFeatures[], options: FitOptions = {}): PatternModel {
  const { l2 = 1e-3, iterations = 500, tolerance = 1e-9 } = options;
  if (examples.length === 0) throw new Error('Cannot fit a pattern model on no labelled heads.');
  const stale = examples.filter((e) => !hasCurrentFeatures(e.features)).length;
  if (stale) throw new Error(`${stale} of the labelled heads were measured by an older version, without the measures the classifier reads; label those heads again.`);
  const classes = PATTERN_TYPES.filter((t) => examples.some((e) => e.type === t));
  const n = examples.length;
  const d = FEATURE_NAMES.length;
  const K = classes.length;
  const X = examples.map((e) => featureVector(e.features));
  const y = examples.map((e) => classes.indexOf(e.type));

  // Standardise (a constant feature gets scale 1, so it stays 0 and does nothing).
  const mean = new Array<number>(d).fill(0);
  const scale = new Array<number>(d).fill(0);
  for (const x of X) for (let j = 0; j < d; j++) mean[j] += x[j] / n;
  for (const x of X) for (let j = 0; j < d; j++) scale[j] += (x[j] - mean[j]) ** 2 / n;
  for (let j = 0; j < d; j++) scale[j] = scale[j] > 1e-24 ? Math.sqrt(scale[j]) : 1;
  const Z = X.map((x) => Float64Array.from(x, (v, j) => (v - mean[j]) / scale[j]));

  // Parameters as one vector: K rows of d weights, then K biases.
  const size = K * d + K;
  let params = new Float64Array(size);
  const logits = new Float64Array(K);
  const probs = new Float64Array(K);

  const lossAndGradient = (p: Float64Array, gradient: Float64Array | null): number => {
    if (gradient) gradient.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const z = Z[i];
      for (let k = 0; k < K; k++) {
        let s = p[K * d + k];
        for (let j = 0; j < d; j++) s += p[k * d + j] * z[j];
        logits[k] = s;
      }
      softmaxInPlace(logits, probs);
      loss -= Math.log(Math.max(probs[y[i]], 1e-300));
      if (gradient) {
        for (let k = 0; k < K; k++) {
          const g = (probs[k] - (k === y[i] ? 1 : 0)) / n;
          for (let j = 0; j < d; j++) gradient[k * d + j] += g * z[j];
          gradient[K * d + k] += g;
        }
      }
    }
    loss /= n;
    for (let i = 0; i < K * d; i++) {
      loss += 0.5 * l2 * p[i] * p[i];
      if (gradient) gradient[i] += l2 * p[i];
    }
    return loss;
  };

  if (K > 1) {
    const gradient = new Float64Array(size);
    const candidate = new Float64Array(size);
    let loss = lossAndGradient(params, gradient);
    let step = 1;
    for (let it = 0; it < iterations; it++) {
      let g2 = 0;
      for (let i = 0; i < size; i++) g2 += gradient[i] * gradient[i];
      if (g2 < 1e-20) break;
      // Backtracking (Armijo) line search; the step may grow again after a success.
      let next = Infinity;
      step = Math.min(step * 2, 64);
      for (let tries = 0; tries < 50; tries++) {
        for (let i = 0; i < size; i++) candidate[i] = params[i] - step * gradient[i];
        next = lossAndGradient(candidate, null);
        if (next <= loss - 0.5 * step * g2) break;
        step /= 2;
      }
      if (!(next < loss)) break;
      params = Float64Array.from(candidate);
      const improvement = loss - next;
      loss = lossAndGradient(params, gradient);
      if (improvement < tolerance) break;
    }
  }

  return {
    format: 'head-atlas-pattern-model',
    version: 1,
    classes,
    featureNames: [...FEATURE_NAMES],
    mean,
    scale,
    weights: Array.from({ length: K }, (_, k) => Array.from(params.subarray(k * d, (k + 1) * d))),
    bias: Array.from(params.subarray(K * d)),
    examples: n,
  };
}

/** The model's class for one head's features, with the class probabilities. */
export function predict(model: PatternModel, features: HeadFeatures): PatternPrediction {
  const K = model.classes.length;
  const logits = new Float64Array(K);
  const values = model.featureNames.map((name) => (features as unknown as Record<string, number>)[name]);
  for (let k = 0; k < K; k++) {
    let s = model.bias[k];
    for (let j = 0; j < values.length; j++) s += model.weights[k][j] * ((values[j] - model.mean[j]) / model.scale[j]);
    logits[k] = s;
  }
  const probs = new Float64Array(K);
  softmaxInPlace(logits, probs);
  let best = 0;
  for (let k = 1; k < K; k++) if (probs[k] > probs[best]) best = k;
  const probabilities: Partial<Record<PatternType, number>> = {};
  model.classes.forEach((c, k) => { probabilities[c] = probs[k]; });
  return { type: model.classes[best], probabilities };
}

/**
 * The shipped classifier's decision with a fitted model: a zeroed head is heterogeneous, a sentence
 * pair that the block rule calls block is block (patterns.ts isBlockByRule: the labelled real maps
 * hold almost no blocks to learn them from), and the model decides the rest.
 */
export function classifyWithModel(model: PatternModel, features: HeadFeatures): PatternType {
  if (features.mass < MIN_MASS) return 'heterogeneous';
  if (isBlockByRule(features)) return 'block';
  return predict(model, features).type;
}

export interface CrossValidation {
  /** Correct predictions over all held-out examples / examples. */
  accuracy: number;
  /** Accuracy of each fold. */
  foldAccuracies: number[];
  /** The number of folds actually used (at most the number of examples). */
  k: number;
  /** confusion[true][predicted], counts over the held-out predictions. */
  confusion: Record<PatternType, Record<PatternType, number>>;
}

/**
 * Stratified k-fold cross-validation: each class's examples are shuffled with the seed and dealt to
 * the folds in turn, so every fold has about the same class mix. Deterministic for a given seed.
 */
export function crossValidatedAccuracy(
  examples: readonly LabelledFeatures[],
  k = 5,
  seed = 0,
  options: FitOptions = {},
  /** How a fitted model classifies a held-out head (default: the model alone). */
  classify: (model: PatternModel, features: HeadFeatures) => PatternType = (model, f) => predict(model, f).type,
): CrossValidation {
  if (examples.length < 2) throw new Error(`Cross-validation needs at least 2 labelled heads, not ${examples.length}.`);
  if (!Number.isInteger(k) || k < 2) throw new Error(`Cross-validation needs k ≥ 2 folds, not ${k}.`);
  const folds = Math.min(k, examples.length);
  const random = mulberry32(seed);
  const foldOf = new Array<number>(examples.length);
  let dealt = 0;
  for (const type of PATTERN_TYPES) {
    const members = examples.flatMap((e, i) => (e.type === type ? [i] : []));
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [members[i], members[j]] = [members[j], members[i]];
    }
    // Continue dealing where the previous class stopped, so small classes do not all start at fold 0.
    for (const m of members) foldOf[m] = dealt++ % folds;
  }
  const confusion = Object.fromEntries(PATTERN_TYPES.map((t) => [t, Object.fromEntries(PATTERN_TYPES.map((u) => [u, 0]))])) as Record<PatternType, Record<PatternType, number>>;
  const foldAccuracies: number[] = [];
  let correct = 0;
  for (let f = 0; f < folds; f++) {
    const train = examples.filter((_, i) => foldOf[i] !== f);
    const test = examples.filter((_, i) => foldOf[i] === f);
    const model = fitPatternModel(train, options);
    let foldCorrect = 0;
    for (const e of test) {
      const predicted = classify(model, e.features);
      confusion[e.type][predicted]++;
      if (predicted === e.type) foldCorrect++;
    }
    correct += foldCorrect;
    foldAccuracies.push(test.length ? foldCorrect / test.length : 0);
  }
  return { accuracy: correct / examples.length, foldAccuracies, k: folds, confusion };
}

/**
 * Cohen's κ of a confusion table (rows: one rater, columns: the other): agreement beyond what the
 * two raters' type frequencies give by chance, (p_o − p_e) / (1 − p_e). 1 when they always agree,
 * 0 for chance; 0 also when both use a single type only (no agreement beyond chance is possible).
 */
export function cohensKappa(confusion: Record<PatternType, Record<PatternType, number>>): number {
  let n = 0;
  let agree = 0;
  let chance = 0;
  for (const t of PATTERN_TYPES) for (const u of PATTERN_TYPES) n += confusion[t][u];
  if (n === 0) return 0;
  for (const t of PATTERN_TYPES) {
    agree += confusion[t][t];
    let row = 0;
    let column = 0;
    for (const u of PATTERN_TYPES) {
      row += confusion[t][u];
      column += confusion[u][t];
    }
    chance += (row / n) * (column / n);
  }
  return chance >= 1 ? 0 : (agree / n - chance) / (1 - chance);
}

// ---------------------------------------------------------------------------------------------
// JSON: the model and the labels file. Parsers validate strictly and name the offending field.

export function serialisePatternModel(model: PatternModel): string {
  return JSON.stringify(model);
}

function fail(what: string, field: string, problem: string): never {
  throw new Error(`${what}: ${field} ${problem}.`);
}

function asObject(value: unknown, what: string, field: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) fail(what, field, 'must be an object');
  return value as Record<string, unknown>;
}

function finiteNumber(obj: Record<string, unknown>, key: string, what: string, field: string): number {
  const v = obj[key];
  if (v === undefined) fail(what, `${field}${key}`, 'is missing');
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(what, `${field}${key}`, `must be a finite number, not ${JSON.stringify(v)}`);
  return v;
}

function numberArray(value: unknown, field: string, length: number, what: string): number[] {
  if (value === undefined) fail(what, field, 'is missing');
  if (!Array.isArray(value) || value.length !== length) fail(what, field, `must be an array of ${length} numbers`);
  return value.map((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) fail(what, `${field}[${i}]`, `must be a finite number, not ${JSON.stringify(x)}`);
    return x;
  });
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${what}: not valid JSON (${(e as Error).message}).`);
  }
}

/** Reads a model written by serialisePatternModel; a malformed one throws an Error naming the field. */
export function parsePatternModel(text: string): PatternModel {
  const what = 'Pattern model';
  const obj = asObject(parseJson(text, what), what, 'the file');
  if (obj.format !== 'head-atlas-pattern-model') fail(what, 'format', `must be "head-atlas-pattern-model", not ${JSON.stringify(obj.format)}`);
  if (obj.version !== 1) fail(what, 'version', `must be 1, not ${JSON.stringify(obj.version)}`);
  const classes = obj.classes;
  if (!Array.isArray(classes) || classes.length === 0) fail(what, 'classes', 'must be a non-empty array of pattern types');
  classes.forEach((c, i) => { if (!isPatternType(c)) fail(what, `classes[${i}]`, `is ${JSON.stringify(c)}, not one of ${PATTERN_TYPES.join(', ')}`); });
  if (new Set(classes).size !== classes.length) fail(what, 'classes', 'has a class twice');
  const featureNames = obj.featureNames;
  if (!Array.isArray(featureNames)) fail(what, 'featureNames', 'must be an array of feature names');
  featureNames.forEach((name, i) => {
    if (!(MEASURE_NAMES as readonly unknown[]).includes(name)) fail(what, `featureNames[${i}]`, `is ${JSON.stringify(name)}, not a feature this version measures (${FEATURE_NAMES.join(', ')}, …)`);
  });
  const d = featureNames.length;
  const K = classes.length;
  const mean = numberArray(obj.mean, 'mean', d, what);
  const scale = numberArray(obj.scale, 'scale', d, what);
  scale.forEach((s, i) => { if (!(s > 0)) fail(what, `scale[${i}]`, 'must be positive'); });
  const weights = obj.weights;
  if (!Array.isArray(weights) || weights.length !== K) fail(what, 'weights', `must be ${K} rows (one per class)`);
  const rows = weights.map((row, k) => numberArray(row, `weights[${k}]`, d, what));
  const bias = numberArray(obj.bias, 'bias', K, what);
  const examples = finiteNumber(obj, 'examples', what, '');
  if (!Number.isInteger(examples) || examples < 0) fail(what, 'examples', 'must be a non-negative integer');
  return { format: 'head-atlas-pattern-model', version: 1, classes: classes as PatternType[], featureNames: featureNames as string[], mean, scale, weights: rows, bias, examples };
}

export interface PatternLabel {
  /** The model's label as the app shows it (e.g. a Hub id with revision). */
  model: string;
  /** Layer and head, counted from 1. */
  layer: number;
  head: number;
  /** The example: sentence A and sentence B (null for a single sentence). */
  text: { a: string; b: string | null };
  type: PatternType;
  features: HeadFeatures;
}

export interface PatternLabelsFile {
  format: 'head-atlas-pattern-labels';
  version: 1 | 2;
  labels: PatternLabel[];
}

export const LABELS_FORMAT = 'head-atlas-pattern-labels';
/** Version 2 adds issue 13's measures to each label's features; version 1 files are still read. */
export const LABELS_VERSION = 2;

export function serialiseLabelsFile(labels: readonly PatternLabel[]): string {
  const file: PatternLabelsFile = { format: LABELS_FORMAT, version: LABELS_VERSION, labels: [...labels] };
  return JSON.stringify(file, null, 1);
}

const LABEL_KEYS = ['model', 'layer', 'head', 'text', 'type', 'features'];

function parseLabel(value: unknown, i: number): PatternLabel {
  const what = 'Labels file';
  const at = `labels[${i}]`;
  const obj = asObject(value, what, at);
  for (const key of Object.keys(obj)) if (!LABEL_KEYS.includes(key)) fail(what, `${at}.${key}`, `is not a field of a label (${LABEL_KEYS.join(', ')})`);
  if (obj.model === undefined) fail(what, `${at}.model`, 'is missing');
  if (typeof obj.model !== 'string' || obj.model.length === 0) fail(what, `${at}.model`, 'must be a non-empty string');
  const position = (key: 'layer' | 'head') => {
    const v = finiteNumber(obj, key, what, `${at}.`);
    if (!Number.isInteger(v) || v < 1) fail(what, `${at}.${key}`, `must be an integer from 1, not ${v}`);
    return v;
  };
  const layer = position('layer');
  const head = position('head');
  if (obj.text === undefined) fail(what, `${at}.text`, 'is missing');
  const text = asObject(obj.text, what, `${at}.text`);
  for (const key of Object.keys(text)) if (key !== 'a' && key !== 'b') fail(what, `${at}.text.${key}`, 'is not a field of text (a, b)');
  if (typeof text.a !== 'string') fail(what, `${at}.text.a`, text.a === undefined ? 'is missing' : 'must be a string');
  if (text.b !== undefined && text.b !== null && typeof text.b !== 'string') fail(what, `${at}.text.b`, 'must be a string or null');
  if (obj.type === undefined) fail(what, `${at}.type`, 'is missing');
  if (!isPatternType(obj.type)) fail(what, `${at}.type`, `is ${JSON.stringify(obj.type)}, not one of ${PATTERN_TYPES.join(', ')}`);
  if (obj.features === undefined) fail(what, `${at}.features`, 'is missing');
  const f = asObject(obj.features, what, `${at}.features`);
  for (const key of Object.keys(f)) if (!(HEAD_FEATURE_KEYS as readonly string[]).includes(key)) fail(what, `${at}.features.${key}`, 'is not a feature this version measures');
  const features = {} as Record<string, number | boolean>;
  // Labels made before issue 13 lack its measures: they are read, and fitting says to label them again.
  for (const key of HEAD_FEATURE_KEYS) {
    if (key === 'pair') {
      if (typeof f.pair !== 'boolean') fail(what, `${at}.features.pair`, f.pair === undefined ? 'is missing' : 'must be true or false');
      features.pair = f.pair;
    } else if (f[key] !== undefined || (REQUIRED_FEATURE_KEYS as readonly string[]).includes(key)) {
      features[key] = finiteNumber(f, key, what, `${at}.features.`);
    }
  }
  return { model: obj.model, layer, head, text: { a: text.a, b: typeof text.b === 'string' ? text.b : null }, type: obj.type, features: features as unknown as HeadFeatures };
}

/** Reads a labels file; anything malformed throws an Error that names the field. */
export function parseLabelsFile(text: string): PatternLabelsFile {
  const what = 'Labels file';
  const obj = asObject(parseJson(text, what), what, 'the file');
  if (obj.format !== LABELS_FORMAT) fail(what, 'format', `must be "${LABELS_FORMAT}", not ${JSON.stringify(obj.format)}`);
  if (obj.version !== 1 && obj.version !== LABELS_VERSION) fail(what, 'version', `must be 1 or ${LABELS_VERSION}, not ${JSON.stringify(obj.version)}`);
  for (const key of Object.keys(obj)) if (!['format', 'version', 'labels'].includes(key)) fail(what, key, 'is not a field of a labels file (format, version, labels)');
  if (obj.labels === undefined) fail(what, 'labels', 'is missing');
  if (!Array.isArray(obj.labels)) fail(what, 'labels', 'must be an array');
  return { format: LABELS_FORMAT, version: obj.version, labels: obj.labels.map(parseLabel) };
}

/** The identity of a label: the same head of the same model on the same text. */
export function labelKey(label: Pick<PatternLabel, 'model' | 'layer' | 'head' | 'text'>): string {
  return JSON.stringify([label.model, label.layer, label.head, label.text.a, label.text.b ?? null]);
}

/**
 * Existing labels with the imported ones merged in: a label for the same model, layer, head and
 * text is replaced by the imported one (in its place); new ones are appended in their order.
 * Duplicates within either list keep their last occurrence.
 */
export function mergeLabels(existing: readonly PatternLabel[], imported: readonly PatternLabel[]): PatternLabel[] {
  const merged = new Map<string, PatternLabel>();
  for (const label of existing) merged.set(labelKey(label), label);
  for (const label of imported) merged.set(labelKey(label), label);
  return [...merged.values()];
}

/** The labels as training examples for fitPatternModel: those measured with the current features (see staleLabels). */
export function labelsAsExamples(labels: readonly PatternLabel[]): LabelledFeatures[] {
  return labels.filter((l) => hasCurrentFeatures(l.features)).map(({ features, type }) => ({ features, type }));
}

/** How many labels were measured by a version without the current features (made before issue 13). */
export function staleLabels(labels: readonly PatternLabel[]): number {
  return labels.filter((l) => !hasCurrentFeatures(l.features)).length;
}
