import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GLUE_TASKS } from './glue';
import { accuracy, argmaxRows, averageRanks, f1Binary, matthews, pearson, spearman, taskScores } from './metrics';

// Reference values from scikit-learn 1.2.1 / SciPy 1.10.1: scripts/metrics/make_metric_fixtures.py.
interface ClassificationCase {
  name: string;
  predictions: number[];
  labels: number[];
  accuracy: number;
  matthews: number;
  f1?: number;
}
interface RegressionCase {
  name: string;
  predictions: number[];
  labels: number[];
  pearson: number | null;
  spearman: number | null;
  ranks_predictions: number[];
  ranks_labels: number[];
}
const reference = JSON.parse(readFileSync(new URL('../../fixtures/metrics/reference.json', import.meta.url), 'utf8')) as {
  libraries: Record<string, string>;
  classification: ClassificationCase[];
  regression: RegressionCase[];
};

const TOLERANCE = 1e-12;
const close = (actual: number, want: number, what: string) => expect(Math.abs(actual - want), `${what}: ${actual} vs ${want}`).toBeLessThanOrEqual(TOLERANCE);

describe('metrics against scikit-learn and SciPy', () => {
  it('the fixture was made by the libraries it says', () => {
    expect(reference.libraries['scikit-learn']).toBe('1.2.1');
    expect(reference.classification.length).toBeGreaterThanOrEqual(10);
    expect(reference.regression.length).toBeGreaterThanOrEqual(8);
  });

  for (const c of reference.classification) {
    it(`accuracy, F1 and Matthews: ${c.name}`, () => {
      close(accuracy(c.predictions, c.labels), c.accuracy, 'accuracy');
      close(matthews(c.predictions, c.labels), c.matthews, 'matthews');
      if (c.f1 !== undefined) close(f1Binary(c.predictions, c.labels), c.f1, 'f1');
      else expect(() => f1Binary(c.predictions, c.labels)).toThrow(/F1 is for binary tasks/);
    });
  }

  for (const c of reference.regression) {
    it(`Pearson, Spearman and ranks: ${c.name}`, () => {
      // null: SciPy's NaN for a constant vector; ours is 0 by convention.
      close(pearson(c.predictions, c.labels), c.pearson ?? 0, 'pearson');
      close(spearman(c.predictions, c.labels), c.spearman ?? 0, 'spearman');
      expect(Array.from(averageRanks(c.predictions))).toEqual(c.ranks_predictions);
      expect(Array.from(averageRanks(c.labels))).toEqual(c.ranks_labels);
    });
  }
});

describe('metrics', () => {
  it('argmax per row and accuracy', () => {
    expect(argmaxRows([0.1, 0.9, 2, -1, 0, 0], 2)).toEqual([1, 0, 0]);
    expect(accuracy([1, 0, 0, 1], [1, 1, 0, 1])).toBe(0.75);
    expect(accuracy(new Float64Array([1, 0]), Int32Array.from([1, 1]))).toBe(0.5);
  });

  it('throw on empty, mismatched or non-finite input instead of returning NaN', () => {
    for (const fn of [accuracy, f1Binary, pearson, spearman, matthews]) {
      expect(() => fn([], [])).toThrow(/at least one/);
      expect(() => fn([1, 0], [1])).toThrow(/as many predictions as labels/);
      expect(() => fn([Number.NaN, 1], [1, 0])).toThrow(/prediction 0 is NaN/);
      expect(() => fn([1, 0], [1, Number.POSITIVE_INFINITY])).toThrow(/label 1 is Infinity/);
    }
    expect(() => f1Binary([2, 0], [1, 0])).toThrow(/must be 0 or 1/);
  });

  it('return 0, not NaN, where a correlation is undefined', () => {
    expect(pearson([1, 1, 1], [0, 1, 2])).toBe(0);
    expect(spearman([0, 1, 2], [4, 4, 4])).toBe(0);
    expect(pearson([3], [1])).toBe(0);
    expect(matthews([1, 1, 1], [0, 1, 1])).toBe(0);
    expect(f1Binary([0, 0], [0, 0])).toBe(0);
  });
});

describe('taskScores', () => {
  it('reports every GLUE metric of the task and its headline', () => {
    const mrpc = taskScores(GLUE_TASKS.mrpc, [1, 1, 0, 1], [1, 0, 0, 1]);
    expect(mrpc.task).toBe('mrpc');
    expect(mrpc.n).toBe(4);
    expect(mrpc.scores.map((s) => [s.metric, s.value])).toEqual([['f1', 0.8], ['accuracy', 0.75]]);
    expect(mrpc.headline).toEqual({ metric: 'f1', name: 'F1', value: 0.8 });

    const stsb = taskScores(GLUE_TASKS.stsb, [0.1, 2.2, 3.9, 4.8], [0.0, 2.6, 3.4, 5.0]);
    expect(stsb.scores.map((s) => s.metric)).toEqual(['pearson', 'spearman']);
    expect(stsb.headline.metric).toBe('spearman');
    expect(stsb.headline.value).toBe(1);

    const cola = taskScores(GLUE_TASKS.cola, [1, 0, 1, 1], [1, 0, 0, 1]);
    expect(cola.scores).toHaveLength(1);
    close(cola.headline.value, matthews([1, 0, 1, 1], [1, 0, 0, 1]), 'cola');

    const mnli = taskScores(GLUE_TASKS.mnli, [0, 1, 2, 2], [0, 1, 2, 1]);
    expect(mnli.headline).toEqual({ metric: 'accuracy', name: 'Accuracy', value: 0.75 });
  });

  it('says when a value is the 0 convention for an undefined metric', () => {
    const cola = taskScores(GLUE_TASKS.cola, [1, 1, 1], [1, 0, 1]);
    expect(cola.headline.value).toBe(0);
    expect(cola.headline.undefinedReason).toMatch(/predictions are all the same/);
    const stsb = taskScores(GLUE_TASKS.stsb, [1, 2, 3], [2, 2, 2]);
    expect(stsb.scores.every((s) => s.value === 0 && /labels are all the same/.test(s.undefinedReason ?? ''))).toBe(true);
    const mrpc = taskScores(GLUE_TASKS.mrpc, [0, 0], [0, 0]);
    expect(mrpc.headline.undefinedReason).toMatch(/no positive labels and no positive predictions/);
    expect(mrpc.scores[1].undefinedReason).toBeUndefined();
  });

  it('refuses class indices the task does not have', () => {
    expect(() => taskScores(GLUE_TASKS.sst2, [0, 2], [0, 1])).toThrow('SST-2 has 2 classes, but prediction 1 is 2.');
    expect(() => taskScores(GLUE_TASKS.rte, [0, 1], [0, 0.5])).toThrow('RTE has 2 classes, but label 1 is 0.5.');
    expect(() => taskScores(GLUE_TASKS.sst2, [], [])).toThrow(/at least one/);
  });
});
