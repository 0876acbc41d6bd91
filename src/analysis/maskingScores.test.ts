import { describe, expect, it } from 'vitest';
import { GLUE_TASKS } from './glue';
import { compareMasked, taskPredictions } from './maskingScores';

describe('masking scores', () => {
  it('maps arg-max outputs to task classes, and passes regression outputs through', () => {
    const logits = Float32Array.from([0.1, 0.9, 2, -1, NaN, NaN]);
    expect(Array.from(taskPredictions(logits, 2, GLUE_TASKS.sst2, [0, 1]))).toEqual([1, 0, NaN]);
    expect(Array.from(taskPredictions(logits, 2, GLUE_TASKS.sst2, [1, 0]))).toEqual([0, 1, NaN]);
    expect(Array.from(taskPredictions(Float32Array.from([3.5, 1]), 1, GLUE_TASKS.stsb, []))).toEqual([3.5, 1]);
  });

  it('scores the examples both runs have finished, with delta, interval and flips', () => {
    const labels = [1, 0, 1, 0, 1, 0, 1, 0];
    const base = Float64Array.from([1, 0, 1, 0, 1, 0, 1, 1]); // 7/8
    const masked = Float64Array.from([1, 0, 0, 0, 0, 0, NaN, NaN]); // 4/6 done
    const c = compareMasked(GLUE_TASKS.sst2, labels, base, masked)!;
    expect(c.n).toBe(6);
    expect(c.total).toBe(8);
    expect(c.baseline.headline.value).toBe(1);
    expect(c.masked!.headline.value).toBeCloseTo(4 / 6, 12);
    expect(c.delta!.value).toBeCloseTo(-2 / 6, 12);
    expect(c.delta!.low).toBeLessThanOrEqual(c.delta!.value);
    expect(c.delta!.high).toBeGreaterThanOrEqual(c.delta!.value);
    expect(c.flipped).toEqual([2, 4]);
  });

  it('gives a zero delta and no flips for an unchanged model, and baseline alone without masks', () => {
    const labels = [1, 0, 1, 1];
    const preds = Float64Array.from([1, 1, 1, 0]);
    const same = compareMasked(GLUE_TASKS.mrpc, labels, preds, preds)!;
    expect(same.delta).toEqual({ value: 0, low: 0, high: 0 });
    expect(same.flipped).toEqual([]);
    expect(same.masked!.scores.map((s) => s.metric).sort()).toEqual(['accuracy', 'f1']);
    const alone = compareMasked(GLUE_TASKS.mrpc, labels, preds, null)!;
    expect(alone.masked).toBeNull();
    expect(compareMasked(GLUE_TASKS.mrpc, labels, Float64Array.from([NaN, NaN, NaN, NaN]), null)).toBeNull();
  });
});
