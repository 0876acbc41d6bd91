import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { labelledMaps, parseLabelPass, type RealMapsFile } from './labelledMaps';
import { CLASSIFIER_KINDS, DEFAULT_PATTERN_MODEL, patternClassifier } from './patternClassifier';
import { cohensKappa, fitPatternModel } from './patternModel';
import { FEATURE_NAMES, headFeatures, PATTERN_TYPES, type PatternType } from './patterns';
import { familySet, FAMILY_TYPE, HARD_FAMILIES } from './syntheticFamilies';
import { syntheticMapSet } from './syntheticMaps';

const data = (name: string) => readFileSync(new URL(`../../data/patterns/${name}`, import.meta.url));
const realFile = JSON.parse(gunzipSync(data('real-maps.json.gz')).toString('utf8')) as RealMapsFile;
const real = labelledMaps(realFile, parseLabelPass(data('pass1.txt').toString('utf8'), 'pass1'), parseLabelPass(data('pass2.txt').toString('utf8'), 'pass2'));
const classifyDefault = patternClassifier('default');

describe('the default classifier', () => {
  it('is the shipped model fitted on the labelled real maps, reading the current features', () => {
    expect(DEFAULT_PATTERN_MODEL.featureNames).toEqual([...FEATURE_NAMES]);
    expect(DEFAULT_PATTERN_MODEL.examples).toBe(real.length);
    expect(real.length).toBeGreaterThanOrEqual(400);
  });

  it('agrees with the labels of the real maps (in sample: ≥ 88%, κ ≥ 0.8; npm run patterns:eval gives the cross-validated numbers)', () => {
    const confusion = Object.fromEntries(PATTERN_TYPES.map((t) => [t, Object.fromEntries(PATTERN_TYPES.map((u) => [u, 0]))])) as Record<PatternType, Record<PatternType, number>>;
    for (const m of real) confusion[m.type][classifyDefault(m.features)]++;
    const accuracy = PATTERN_TYPES.reduce((n, t) => n + confusion[t][t], 0) / real.length;
    expect(accuracy).toBeGreaterThanOrEqual(0.88);
    expect(cohensKappa(confusion)).toBeGreaterThanOrEqual(0.8);
  });

  for (const family of HARD_FAMILIES) {
    it(`calls ≥ 90% of the hard family "${family}" ${FAMILY_TYPE[family]}`, () => {
      const maps = familySet(6, 40).filter((m) => m.family === family);
      const right = maps.filter((m) => classifyDefault(headFeatures(m.map, m.length, m.length, m.tokens, m.segments)) === m.type).length;
      expect(right / maps.length).toBeGreaterThanOrEqual(0.9);
    });
  }

  it("calls ≥ 97% of the first version's synthetic maps right, each type ≥ 95% (it never saw them)", () => {
    const maps = syntheticMapSet({ seed: 1, count: 1000 });
    const right: Record<string, number> = {};
    for (const m of maps) if (classifyDefault(headFeatures(m.map, m.length, m.length, m.tokens, m.segments)) === m.type) right[m.type] = (right[m.type] ?? 0) + 1;
    expect(Object.values(right).reduce((a, b) => a + b, 0) / maps.length).toBeGreaterThanOrEqual(0.97);
    for (const t of PATTERN_TYPES) expect((right[t] ?? 0) / 200, t).toBeGreaterThanOrEqual(0.95);
  });
});

describe('patternClassifier', () => {
  it('has the three kinds; the rules are the rules, and the user kind needs a model', () => {
    expect(CLASSIFIER_KINDS).toEqual(['default', 'rules', 'user']);
    const f = real[0].features;
    expect(() => patternClassifier('user')).toThrow(/No fitted classifier of yours is loaded/);
    const onlyVertical = fitPatternModel(real.filter((m) => m.type === 'vertical').map(({ features, type }) => ({ features, type })));
    expect(patternClassifier('user', onlyVertical)(f)).toBe('vertical');
    expect(PATTERN_TYPES).toContain(patternClassifier('rules')(f));
  });
});

describe('the labelled set files', () => {
  it('say what is wrong with a malformed pass', () => {
    expect(() => parseLabelPass('1 v\n2 x', 'p')).toThrow(/p line 2: "2 x" is not "id label"/);
    expect(() => parseLabelPass('1 v\n1 d', 'p')).toThrow(/map 1 is labelled twice/);
    const one = { ...realFile, maps: realFile.maps.slice(0, 1) };
    const id = one.maps[0].id;
    expect(() => labelledMaps(one, new Map(), new Map())).toThrow(`Map ${id} has no first-pass label.`);
    expect(() => labelledMaps(one, parseLabelPass(`${id} v?`, 'a'), new Map())).toThrow(/flagged unsure but has no second-pass label/);
    expect(() => labelledMaps(one, parseLabelPass(`${id} v`, 'a'), parseLabelPass(`${id} d`, 'b'))).toThrow(/was not flagged unsure/);
    expect(labelledMaps(one, parseLabelPass(`${id} v?`, 'a'), parseLabelPass(`${id} d`, 'b'))[0].type).toBe('diagonal');
  });
});
