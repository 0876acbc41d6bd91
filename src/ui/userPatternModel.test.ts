import { describe, expect, it } from 'vitest';
import { DEFAULT_PATTERN_MODEL } from '../analysis/patternClassifier';
import { fitPatternModel, serialisePatternModel } from '../analysis/patternModel';
import { headFeatures } from '../analysis/patterns';
import { syntheticMap, syntheticMapSet } from '../analysis/syntheticMaps';
import { mulberry32 } from '../analysis/bootstrap';
import { activeClassifier, headEvidence, readStoredPatternModel, storePatternModel } from './userPatternModel';

describe('the classifier a view uses', () => {
  const examples = syntheticMapSet({ seed: 4, count: 100 }).map((m) => ({ type: m.type, features: headFeatures(m.map, m.length, m.length, m.tokens, m.segments) }));
  const diagonal = examples.find((e) => e.type === 'diagonal')!.features;

  it('uses the kind asked for, and the user’s model when there is one', () => {
    expect(activeClassifier('default', null)).toMatchObject({ kind: 'default', problem: null });
    expect(activeClassifier('rules', null)).toMatchObject({ kind: 'rules', problem: null });
    const onlyBlock = serialisePatternModel(fitPatternModel(examples.filter((e) => e.type === 'block')));
    const user = activeClassifier('user', onlyBlock);
    expect(user).toMatchObject({ kind: 'user', problem: null });
    expect(user.classify(diagonal)).toBe('block');
    expect(activeClassifier('default', onlyBlock).classify(diagonal)).toBe('diagonal');
  });

  it('falls back to the default and says why where the user’s model is missing or broken', () => {
    const missing = activeClassifier('user', null);
    expect(missing.kind).toBe('default');
    expect(missing.problem).toMatch(/your fitted classifier, which this browser does not have/);
    expect(missing.classify(diagonal)).toBe('diagonal');
    const broken = activeClassifier('user', JSON.stringify({ ...DEFAULT_PATTERN_MODEL, bias: [1] }));
    expect(broken.kind).toBe('default');
    expect(broken.problem).toMatch(/cannot be used \(Pattern model: bias must be an array of \d+ numbers.?\)/);
  });
});

it('says a head’s evidence in words, reading the head in place in the engine’s layout', () => {
  // Two layers × two heads at S = 12, the example 10 tokens long; head 2-2 attends 2 back.
  const S = 12;
  const L = 10;
  const m = syntheticMap('vertical', { length: L, pair: false, noise: 0, random: mulberry32(2) });
  const layer = new Float32Array(2 * S * S);
  for (let r = 0; r < L; r++) layer[S * S + r * S + Math.max(0, r - 2)] = 1;
  const attentions = [new Float32Array(2 * S * S), layer];
  const text = headEvidence(attentions, S, m.tokens, m.segments, { layer: 1, head: 1 }, () => 'diagonal');
  expect(text).toBe('diagonal: 80% of attention on the token 2 back (100% within 3 tokens)');
});

// Node has no IndexedDB, as a browser where storage is blocked (idb-keyval then throws on open).
it('without storage, reading the stored classifier gives none and storing one is no error', async () => {
  expect(typeof indexedDB).toBe('undefined');
  await expect(readStoredPatternModel()).resolves.toBeNull();
  await expect(storePatternModel('{}')).resolves.toBeUndefined();
});
