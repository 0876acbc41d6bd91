import { describe, expect, it } from 'vitest';
import {
  classifyWithModel,
  cohensKappa,
  crossValidatedAccuracy,
  fitPatternModel,
  labelKey,
  labelsAsExamples,
  mergeLabels,
  parseLabelsFile,
  parsePatternModel,
  predict,
  serialiseLabelsFile,
  serialisePatternModel,
  staleLabels,
  type LabelledFeatures,
  type PatternLabel,
} from './patternModel';
import { headFeatures, LEGACY_FEATURE_NAMES, PATTERN_TYPES, type PatternType } from './patterns';
import { syntheticMapSet } from './syntheticMaps';

const examplesOf = (seed: number, count: number): LabelledFeatures[] =>
  syntheticMapSet({ seed, count }).map((m) => ({ type: m.type, features: headFeatures(m.map, m.length, m.length, m.tokens, m.segments) }));

const train = examplesOf(21, 500);

describe('softmax regression on head features', () => {
  it('recovers the synthetic types with ≥ 95% 5-fold cross-validated accuracy', () => {
    const cv = crossValidatedAccuracy(train, 5, 3);
    const lines = [`5-fold CV accuracy ${(cv.accuracy * 100).toFixed(1)}% (folds ${cv.foldAccuracies.map((a) => (a * 100).toFixed(0)).join(', ')}); rows true, columns predicted`];
    for (const t of PATTERN_TYPES) lines.push(`${t.padEnd(18)}${PATTERN_TYPES.map((u) => String(cv.confusion[t][u]).padStart(5)).join('')}`);
    console.log(lines.join('\n'));
    expect(cv.k).toBe(5);
    expect(cv.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(PATTERN_TYPES.reduce((s, t) => s + PATTERN_TYPES.reduce((s2, u) => s2 + cv.confusion[t][u], 0), 0)).toBe(train.length);
  });

  it('is deterministic and generalises to a fresh set', () => {
    const a = fitPatternModel(train);
    const b = fitPatternModel(train);
    expect(serialisePatternModel(a)).toBe(serialisePatternModel(b));
    expect(crossValidatedAccuracy(train, 5, 3).accuracy).toBe(crossValidatedAccuracy(train, 5, 3).accuracy);
    const test = examplesOf(22, 300);
    const correct = test.filter((e) => predict(a, e.features).type === e.type).length;
    expect(correct / test.length).toBeGreaterThanOrEqual(0.95);
    const p = predict(a, test[0].features);
    expect(Object.values(p.probabilities).reduce((s, v) => s + (v ?? 0), 0)).toBeCloseTo(1, 9);
  });

  it('predicts only the classes it was trained on, and a single class always', () => {
    const two = train.filter((e) => e.type === 'vertical' || e.type === 'diagonal');
    const model = fitPatternModel(two);
    expect(model.classes).toEqual(['vertical', 'diagonal']);
    expect(['vertical', 'diagonal']).toContain(predict(model, train.find((e) => e.type === 'block')!.features).type);
    const one = fitPatternModel(train.filter((e) => e.type === 'block'));
    expect(predict(one, train[0].features)).toEqual({ type: 'block', probabilities: { block: 1 } });
    expect(() => fitPatternModel([])).toThrow(/no labelled heads/);
    expect(() => crossValidatedAccuracy(train.slice(0, 1))).toThrow(/at least 2/);
    // Fewer examples than folds: leave-one-out.
    expect(crossValidatedAccuracy(train.slice(0, 3), 5, 0).k).toBe(3);
  });
});

describe('model JSON', () => {
  const model = fitPatternModel(train.slice(0, 200));

  it('round-trips', () => {
    const back = parsePatternModel(serialisePatternModel(model));
    expect(back).toEqual(model);
    for (const e of train.slice(0, 20)) expect(predict(back, e.features)).toEqual(predict(model, e.features));
  });

  it('refuses malformed models with a message naming the field', () => {
    const good = JSON.parse(serialisePatternModel(model));
    const bad = (patch: Record<string, unknown>) => JSON.stringify({ ...good, ...patch });
    expect(() => parsePatternModel('{nope')).toThrow(/Pattern model: not valid JSON/);
    expect(() => parsePatternModel('[]')).toThrow(/must be an object/);
    expect(() => parsePatternModel(bad({ format: 'other' }))).toThrow(/format must be "head-atlas-pattern-model"/);
    expect(() => parsePatternModel(bad({ version: 2 }))).toThrow(/version must be 1, not 2/);
    expect(() => parsePatternModel(bad({ classes: ['vertical', 'diagonl'] }))).toThrow(/classes\[1\] is "diagonl"/);
    expect(() => parsePatternModel(bad({ featureNames: ['clsMass', 'bogus'] }))).toThrow(/featureNames\[1\]/);
    expect(() => parsePatternModel(bad({ mean: good.mean.slice(1) }))).toThrow(/mean must be an array of \d+ numbers/);
    expect(() => parsePatternModel(bad({ scale: good.scale.map(() => 0) }))).toThrow(/scale\[0\] must be positive/);
    expect(() => parsePatternModel(bad({ weights: [[1]] }))).toThrow(/weights must be \d+ rows/);
    const nanRow = good.weights.map((row: number[], k: number) => (k === 1 ? row.map((v, j) => (j === 2 ? 'x' : v)) : row));
    expect(() => parsePatternModel(bad({ weights: nanRow }))).toThrow(/weights\[1\]\[2\] must be a finite number/);
    const { bias: _bias, ...noBias } = good;
    expect(() => parsePatternModel(JSON.stringify(noBias))).toThrow(/bias is missing/);
  });
});

describe("Cohen's κ", () => {
  const table = (cells: [PatternType, PatternType, number][]) => {
    const c = Object.fromEntries(PATTERN_TYPES.map((t) => [t, Object.fromEntries(PATTERN_TYPES.map((u) => [u, 0]))])) as Record<PatternType, Record<PatternType, number>>;
    for (const [t, u, n] of cells) c[t][u] = n;
    return c;
  };
  it('is 1 for full agreement, 0 for chance, and matches a worked example', () => {
    expect(cohensKappa(table([['vertical', 'vertical', 5], ['diagonal', 'diagonal', 7]]))).toBeCloseTo(1, 12);
    // Independent raters: each row has the column shares of the total.
    expect(cohensKappa(table([['vertical', 'vertical', 4], ['vertical', 'diagonal', 4], ['diagonal', 'vertical', 6], ['diagonal', 'diagonal', 6]]))).toBeCloseTo(0, 12);
    // 50 items: 20 + 15 agree, p_o = 0.7; rater 1 25/25, rater 2 30/20 → p_e = 0.5·0.6 + 0.5·0.4 = 0.5; κ = 0.4.
    expect(cohensKappa(table([['block', 'block', 20], ['block', 'heterogeneous', 5], ['heterogeneous', 'block', 10], ['heterogeneous', 'heterogeneous', 15]]))).toBeCloseTo(0.4, 12);
    expect(cohensKappa(table([]))).toBe(0);
    expect(cohensKappa(table([['block', 'block', 3]]))).toBe(0);
  });
});

describe('classifyWithModel (the default recipe)', () => {
  it('puts the block rule and a zeroed head before the model', () => {
    const onlyDiagonal = fitPatternModel(train.filter((e) => e.type === 'diagonal'));
    const block = train.find((e) => e.type === 'block' && e.features.segmentExplained > 0.5)!;
    expect(predict(onlyDiagonal, block.features).type).toBe('diagonal');
    expect(classifyWithModel(onlyDiagonal, block.features)).toBe('block');
    expect(classifyWithModel(onlyDiagonal, { ...block.features, mass: 0 })).toBe('heterogeneous');
    expect(classifyWithModel(onlyDiagonal, train.find((e) => e.type === 'vertical')!.features)).toBe('diagonal');
  });
});

describe('labels file', () => {
  const features = train[0].features;
  const label = (over: Partial<PatternLabel> = {}): PatternLabel => ({
    model: 'google-bert/bert-base-uncased',
    layer: 7,
    head: 6,
    text: { a: 'The cat sat.', b: null },
    type: 'vertical',
    features,
    ...over,
  });

  it('round-trips and becomes training examples', () => {
    const labels = [label(), label({ head: 1, type: 'diagonal', text: { a: 'x', b: 'y' } })];
    const parsed = parseLabelsFile(serialiseLabelsFile(labels));
    expect(parsed).toEqual({ format: 'head-atlas-pattern-labels', version: 2, labels });
    expect(labelsAsExamples(parsed.labels)).toEqual([{ features, type: 'vertical' }, { features, type: 'diagonal' }]);
  });

  it('reads labels made before issue 13 (version 1, old features only), and fitting says to label them again', () => {
    const old = Object.fromEntries(['length', 'pair', 'mass', ...LEGACY_FEATURE_NAMES].map((k) => [k, features[k as keyof typeof features]]));
    const file = { format: 'head-atlas-pattern-labels', version: 1, labels: [{ ...label(), features: old }, label({ head: 3, type: 'diagonal' })] };
    const parsed = parseLabelsFile(JSON.stringify(file));
    expect(parsed.version).toBe(1);
    expect(staleLabels(parsed.labels)).toBe(1);
    expect(labelsAsExamples(parsed.labels)).toEqual([{ features, type: 'diagonal' }]);
    expect(() => fitPatternModel(parsed.labels.map(({ features: f, type }) => ({ features: f, type })))).toThrow(/1 of the labelled heads were measured by an older version/);
  });

  it('accepts a missing text.b as a single sentence', () => {
    const raw = JSON.parse(serialiseLabelsFile([label()]));
    delete raw.labels[0].text.b;
    expect(parseLabelsFile(JSON.stringify(raw)).labels[0].text).toEqual({ a: 'The cat sat.', b: null });
  });

  it('refuses malformed files with a message naming the field', () => {
    const good = () => JSON.parse(serialiseLabelsFile([label(), label({ head: 2 })]));
    const check = (edit: (f: any) => void, message: RegExp) => {
      const f = good();
      edit(f);
      expect(() => parseLabelsFile(JSON.stringify(f))).toThrow(message);
    };
    expect(() => parseLabelsFile('not json')).toThrow(/Labels file: not valid JSON/);
    check((f) => { f.format = 'x'; }, /Labels file: format must be "head-atlas-pattern-labels"/);
    check((f) => { f.version = 3; }, /version must be 1 or 2, not 3/);
    check((f) => { delete f.version; }, /version must be 1 or 2, not undefined/);
    check((f) => { delete f.labels; }, /labels is missing/);
    check((f) => { f.labels = {}; }, /labels must be an array/);
    check((f) => { f.extra = 1; }, /extra is not a field of a labels file/);
    check((f) => { f.labels[1].type = 'diagonl'; }, /labels\[1\]\.type is "diagonl", not one of vertical, diagonal/);
    check((f) => { delete f.labels[1].type; }, /labels\[1\]\.type is missing/);
    check((f) => { delete f.labels[0].model; }, /labels\[0\]\.model is missing/);
    check((f) => { f.labels[0].layer = 0; }, /labels\[0\]\.layer must be an integer from 1, not 0/);
    check((f) => { f.labels[0].head = 1.5; }, /labels\[0\]\.head must be an integer from 1/);
    check((f) => { delete f.labels[0].head; }, /labels\[0\]\.head is missing/);
    check((f) => { delete f.labels[0].text; }, /labels\[0\]\.text is missing/);
    check((f) => { delete f.labels[0].text.a; }, /labels\[0\]\.text\.a is missing/);
    check((f) => { f.labels[0].text.b = 3; }, /labels\[0\]\.text\.b must be a string or null/);
    check((f) => { delete f.labels[0].features; }, /labels\[0\]\.features is missing/);
    check((f) => { delete f.labels[0].features.entropy; }, /labels\[0\]\.features\.entropy is missing/);
    check((f) => { f.labels[0].features.sepMass = 'a lot'; }, /labels\[0\]\.features\.sepMass must be a finite number/);
    check((f) => { f.labels[0].features.offsetExplained = null; }, /labels\[0\]\.features\.offsetExplained must be a finite number/);
    check((f) => { f.labels[0].features.pair = 1; }, /labels\[0\]\.features\.pair must be true or false/);
    check((f) => { f.labels[0].features.mystery = 1; }, /labels\[0\]\.features\.mystery is not a feature/);
    check((f) => { f.labels[0].colour = 'red'; }, /labels\[0\]\.colour is not a field of a label/);
  });

  it('merges, deduplicating by model, layer, head and text, the imported label winning', () => {
    const a = label({ type: 'vertical' });
    const b = label({ head: 2, type: 'block' });
    const aAgain = label({ type: 'heterogeneous' });
    const otherText = label({ text: { a: 'The cat sat.', b: 'It purred.' }, type: 'block' });
    const merged = mergeLabels([a, b], [aAgain, otherText]);
    expect(merged).toEqual([aAgain, b, otherText]);
    expect(labelKey(a)).toBe(labelKey(aAgain));
    expect(labelKey(a)).not.toBe(labelKey(otherText));
    // b: null and b missing are the same single sentence.
    expect(mergeLabels([], [a, a])).toEqual([a]);
  });
});
