import { describe, expect, it } from 'vitest';
import { GLUE_TASKS } from './glue';
import { applyMapping, catalogueKey, chanceHint, defaultLabelMapping, MODEL_CATALOGUE, parseMappingSpec, validateMapping } from './labelMapping';

const { sst2, mnli, rte, stsb, mrpc, cola, wnli } = GLUE_TASKS;

describe('defaultLabelMapping', () => {
  it('describes a model with an absurd output count without building a mapping for it', () => {
    const t0 = performance.now();
    for (const n of [1e8, 2 ** 32]) {
      const m = defaultLabelMapping(null, 'x/y', sst2, n);
      expect(m.mapping).toEqual([]);
      expect(m.note).toBe(`The model has ${n} outputs; SST-2 needs 2.`);
    }
    expect(performance.now() - t0).toBeLessThan(50);
  });

  it('takes the config names when they all name task classes, in whatever order', () => {
    expect(defaultLabelMapping(['negative', 'positive'], 'head-atlas/tiny-bert-sst2', sst2)).toMatchObject({ mapping: [0, 1], source: 'config' });
    expect(defaultLabelMapping(['POSITIVE', 'NEGATIVE'], 'x/y', sst2)).toMatchObject({ mapping: [1, 0], source: 'config' });
    expect(defaultLabelMapping(['CONTRADICTION', 'Neutral', 'entailment'], 'x/y', mnli)).toMatchObject({ mapping: [2, 1, 0], source: 'config' });
    // Hyphens and spaces, the file's own label values, and common synonyms.
    expect(defaultLabelMapping(['Not Entailment', 'entailment'], 'x/y', rte).mapping).toEqual([1, 0]);
    expect(defaultLabelMapping(['1', '0'], 'x/y', sst2).mapping).toEqual([1, 0]);
    expect(defaultLabelMapping(['neg', 'pos'], 'x/y', sst2).mapping).toEqual([0, 1]);
  });

  it('folds NLI labels into not_entailment on two-class tasks only', () => {
    expect(defaultLabelMapping(['entailment', 'neutral', 'contradiction'], 'x/y', rte)).toMatchObject({ mapping: [0, 1, 1], source: 'config' });
    expect(defaultLabelMapping(['entailment', 'neutral', 'contradiction'], 'x/y', wnli).mapping).toEqual([1, 0, 0]);
    expect(defaultLabelMapping(['entailment', 'neutral', 'contradiction'], 'x/y', mnli).mapping).toEqual([0, 1, 2]);
  });

  it("maps textattack's MNLI outputs as TextAttack trained them: contradiction, entailment, neutral", () => {
    const m = defaultLabelMapping(null, 'textattack/bert-base-uncased-MNLI', mnli, 3);
    expect(m).toMatchObject({ mapping: [2, 0, 1], source: 'catalogue' });
    expect(m.note).toMatch(/label_map \{0: 1, 1: 2, 2: 0\}/);
    // The dataset's label d is the model's output labelMap[d]; the mapping is its inverse.
    const labelMap = [1, 2, 0];
    labelMap.forEach((output, datasetLabel) => expect(m.mapping[output]).toBe(datasetLabel));
    // Revisions, hosts and folders holding the same repo find the same entry.
    for (const id of ['textattack/bert-base-uncased-MNLI@refs/pr/2', 'https://mirror.example/textattack/bert-base-uncased-MNLI@main', '/data/models/textattack/bert-base-uncased-MNLI/']) {
      expect(defaultLabelMapping(null, id, mnli, 3).mapping).toEqual([2, 0, 1]);
    }
    // On RTE, its neutral and contradiction outputs both mean not_entailment.
    expect(defaultLabelMapping(null, 'textattack/bert-base-uncased-MNLI', rte, 3)).toMatchObject({ mapping: [1, 0, 1], source: 'catalogue' });
  });

  it('catalogues the other textattack GLUE models in the dataset order', () => {
    expect(defaultLabelMapping(null, 'textattack/bert-base-uncased-SST-2', sst2, 2)).toMatchObject({ mapping: [0, 1], source: 'catalogue' });
    expect(defaultLabelMapping(null, 'textattack/bert-base-uncased-MRPC', mrpc, 2)).toMatchObject({ mapping: [0, 1], source: 'catalogue' });
    expect(defaultLabelMapping(null, 'textattack/bert-base-uncased-QNLI', GLUE_TASKS.qnli, 2)).toMatchObject({ mapping: [0, 1], source: 'catalogue' });
    expect(defaultLabelMapping(['LABEL_0', 'LABEL_1'], 'textattack/bert-base-uncased-RTE', rte)).toMatchObject({ mapping: [0, 1], source: 'catalogue' });
    expect(defaultLabelMapping(null, 'textattack/bert-base-uncased-STS-B', stsb, 1)).toMatchObject({ mapping: [0], source: 'catalogue' });
    for (const [key, entry] of Object.entries(MODEL_CATALOGUE)) {
      expect(catalogueKey(key)).toBe(key);
      const task = GLUE_TASKS[entry.task];
      const m = defaultLabelMapping(null, key, task, entry.outputs.length);
      expect(m.source).toBe('catalogue');
      expect(validateMapping(m.mapping, entry.outputs.length, task.regression ? 0 : task.classNames.length)).toBeNull();
    }
  });

  it('falls back to the identity, saying why, when nothing names the outputs', () => {
    const m = defaultLabelMapping(null, 'someone/bert-sst2', sst2, 2);
    expect(m).toMatchObject({ mapping: [0, 1], source: 'identity' });
    expect(m.note).toMatch(/Assumed/);
    const odd = defaultLabelMapping(['happy', 'sad'], 'someone/bert', sst2);
    expect(odd.source).toBe('identity');
    expect(odd.note).toMatch(/happy, sad/);
    const wrongSize = defaultLabelMapping(null, 'someone/bert', mnli, 2);
    expect(wrongSize.mapping).toEqual([0, 1]);
    expect(validateMapping(wrongSize.mapping, 2, 3)).toMatch(/class 2/);
    expect(wrongSize.note).toMatch(/2 outputs and MNLI-m has 3 classes/);
    expect(defaultLabelMapping(null, 'x/y', stsb, 2).note).toMatch(/one output/);
  });
});

describe('validateMapping', () => {
  it('accepts permutations and many-to-one mappings that reach every class', () => {
    expect(validateMapping([2, 0, 1], 3, 3)).toBeNull();
    expect(validateMapping([0, 1, 1], 3, 2)).toBeNull();
    expect(validateMapping([0], 1, 0)).toBeNull();
  });
  it('says what is wrong', () => {
    expect(validateMapping([0, 1], 3, 3)).toMatch(/2 entries, but the model has 3 outputs/);
    expect(validateMapping([0, 3], 2, 2)).toMatch(/Output 1 maps to 3/);
    expect(validateMapping([0, 0], 2, 2)).toMatch(/No output maps to class 1/);
    expect(validateMapping([0.5, 1], 2, 2)).toMatch(/Output 0/);
    expect(validateMapping([0], 1, 2)).toMatch(/regression head/);
    expect(validateMapping([0, 1], 2, 0)).toMatch(/one output/);
    expect(validateMapping([1], 1, 0)).toMatch(/\[0\]/);
  });
});

describe('applyMapping and parseMappingSpec', () => {
  it('turns model outputs into task classes', () => {
    expect(applyMapping([0, 1, 2, 2], [2, 0, 1])).toEqual([2, 0, 1, 1]);
    expect(applyMapping(new Int32Array([1, 0]), [1, 0])).toEqual([0, 1]);
    expect(() => applyMapping([3], [2, 0, 1])).toThrow(/output 3/);
  });
  it('reads indices or class names', () => {
    expect(parseMappingSpec('2,0,1', mnli)).toEqual([2, 0, 1]);
    expect(parseMappingSpec('contradiction, entailment, neutral', mnli)).toEqual([2, 0, 1]);
    expect(() => parseMappingSpec('2,,1', mnli)).toThrow(/not a label mapping/);
    expect(() => parseMappingSpec('yes,no', mnli)).toThrow(/"yes" is not a MNLI-m class/);
  });
});

describe('chanceHint', () => {
  const sstLabels = [0, 0, 0, 1, 1, 1, 1, 1, 1, 1]; // majority rate 0.7
  it('flags accuracy near the majority rate, or below guessing', () => {
    expect(chanceHint(0.92, sst2, sstLabels)).toBeNull();
    expect(chanceHint(0.74, sst2, sstLabels)).toMatch(/near chance \(0\.700/);
    expect(chanceHint(0.08, sst2, sstLabels)).toMatch(/below random guessing.*swapped/);
    // A wrong MNLI permutation of a good model scores far under a third.
    expect(chanceHint(0.12, mnli, [0, 1, 2, 0, 1, 2])).toMatch(/below random guessing/);
    expect(chanceHint(0.84, mnli, [0, 1, 2, 0, 1, 2])).toBeNull();
  });
  it('uses always-positive F1 for F1 and zero for correlations', () => {
    const labels = [1, 1, 1, 0]; // always "equivalent": F1 = 2·0.75/1.75 ≈ 0.857
    expect(chanceHint(0.88, mrpc, labels)).toMatch(/F1 0\.880 is near or below chance \(0\.857/);
    expect(chanceHint(0.95, mrpc, labels)).toBeNull();
    expect(chanceHint(0.01, cola, [0, 1])).toMatch(/near chance/);
    expect(chanceHint(-0.4, cola, [0, 1])).toMatch(/negative/);
    expect(chanceHint(0.55, cola, [0, 1])).toBeNull();
    expect(chanceHint(0.85, stsb, [0.5, 4])).toBeNull();
    expect(chanceHint(0.02, stsb, [0.5, 4])).toMatch(/spearman correlation 0\.020 is near chance/);
  });
});
