import { describe, expect, it } from 'vitest';
import {
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
  type LabelledFeatures,
  type PatternLabel,
} from './patternModel';
import { headFeatures, PATTERN_TYPES } from './patterns';
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
    expect(parsed).toEqual({ format: 'head-atlas-pattern-labels', version: 1, labels });
    expect(labelsAsExamples(parsed.labels)).toEqual([{ features, type: 'vertical' }, { features, type: 'diagonal' }]);
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
    check((f) => { f.version = 2; }, /version must be 1, not 2/);
    check((f) => { delete f.version; }, /version must be 1, not undefined/);
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
