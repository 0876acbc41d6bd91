import { describe, expect, it } from 'vitest';
import { bootstrapInterval, mulberry32, pairedBootstrapDelta } from './bootstrap';
import { accuracy, f1Binary, matthews, pearson, spearman } from './metrics';

/** Binary labels, and two models' predictions on them: A right with probability pA, B with pB. */
function simulate(seed: number, n: number, pA: number, pB: number) {
  const random = mulberry32(seed);
  const labels: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = random() < 0.6 ? 1 : 0;
    // Shared difficulty makes the two models' errors correlated, as for a model and its ablation.
    const u = random();
    labels.push(y);
    a.push(u < pA ? y : 1 - y);
    b.push(u < pB ? y : 1 - y);
  }
  return { labels, a, b };
}

describe('mulberry32', () => {
  it('is deterministic per seed and uniform enough', () => {
    const x = mulberry32(42);
    const y = mulberry32(42);
    const draws = Array.from({ length: 10000 }, () => x());
    expect(Array.from({ length: 10000 }, () => y())).toEqual(draws);
    expect(mulberry32(43)()).not.toBe(draws[0]);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    const mean = draws.reduce((s, v) => s + v, 0) / draws.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
  });
});

describe('pairedBootstrapDelta', () => {
  const { labels, a, b } = simulate(7, 400, 0.85, 0.78);

  it('gives the same interval for the same seed, and another for another seed', () => {
    const first = pairedBootstrapDelta(accuracy, a, b, labels, { seed: 1 });
    expect(pairedBootstrapDelta(accuracy, a, b, labels, { seed: 1 })).toEqual(first);
    const other = pairedBootstrapDelta(accuracy, a, b, labels, { seed: 2 });
    expect(other.delta).toBe(first.delta);
    expect([other.low, other.high]).not.toEqual([first.low, first.high]);
    // Defaults are seed 0, 1000 resamples, level 0.95.
    expect(pairedBootstrapDelta(accuracy, a, b, labels)).toEqual(pairedBootstrapDelta(accuracy, a, b, labels, { seed: 0, resamples: 1000, level: 0.95 }));
  });

  it('returns A − B, with an interval around it that narrows at lower levels', () => {
    const r = pairedBootstrapDelta(accuracy, a, b, labels, { seed: 3 });
    expect(r.delta).toBeCloseTo(accuracy(a, labels) - accuracy(b, labels), 15);
    expect(r.delta).toBeGreaterThan(0);
    expect(r.low).toBeLessThanOrEqual(r.delta);
    expect(r.high).toBeGreaterThanOrEqual(r.delta);
    expect(r.low).toBeLessThan(r.high);
    const narrow = pairedBootstrapDelta(accuracy, a, b, labels, { seed: 3, level: 0.5 });
    expect(narrow.high - narrow.low).toBeLessThan(r.high - r.low);
    const swapped = pairedBootstrapDelta(accuracy, b, a, labels, { seed: 3 });
    expect(swapped.delta).toBe(-r.delta);
    expect(swapped.low).toBeCloseTo(-r.high, 12);
    expect(swapped.high).toBeCloseTo(-r.low, 12);
  });

  it('contains the delta for every GLUE metric on realistic data', () => {
    for (const metric of [accuracy, f1Binary, matthews]) {
      const r = pairedBootstrapDelta(metric, a, b, labels, { seed: 5, resamples: 300 });
      expect(r.low, metric.name).toBeLessThanOrEqual(r.delta);
      expect(r.high, metric.name).toBeGreaterThanOrEqual(r.delta);
    }
    const random = mulberry32(11);
    const gold = Array.from({ length: 200 }, () => 5 * random());
    const good = gold.map((g) => g + random() - 0.5);
    const worse = gold.map((g) => g + 3 * (random() - 0.5));
    for (const metric of [pearson, spearman]) {
      const r = pairedBootstrapDelta(metric, good, worse, gold, { seed: 5, resamples: 300 });
      expect(r.low, metric.name).toBeLessThanOrEqual(r.delta);
      expect(r.high, metric.name).toBeGreaterThanOrEqual(r.delta);
      expect(r.low, metric.name).toBeGreaterThan(0);
    }
  });

  it('gives exactly [0, 0] for identical prediction sets', () => {
    expect(pairedBootstrapDelta(accuracy, a, a.slice(), labels, { seed: 9 })).toEqual({ delta: 0, low: 0, high: 0 });
    expect(pairedBootstrapDelta(matthews, a, a, labels, { seed: 9, resamples: 200 })).toEqual({ delta: 0, low: 0, high: 0 });
  });

  it('covers the true difference about as often as its level says', () => {
    // 200 simulated dev sets where A's true accuracy is 0.80 and B's 0.75 (true delta 0.05).
    const trials = 200;
    let covered = 0;
    for (let t = 0; t < trials; t++) {
      const sim = simulate(1000 + t, 300, 0.8, 0.75);
      const r = pairedBootstrapDelta(accuracy, sim.a, sim.b, sim.labels, { seed: t, resamples: 400 });
      if (r.low <= 0.05 && 0.05 <= r.high) covered++;
    }
    // Binomial(200, 0.95) lies in [180, 198] with probability > 0.999.
    expect(covered).toBeGreaterThanOrEqual(180);
    expect(covered).toBeLessThanOrEqual(198);
  });

  it('refuses bad input and bad options, and a metric that returns NaN', () => {
    expect(() => pairedBootstrapDelta(accuracy, [], [], [])).toThrow(/at least one example/);
    expect(() => pairedBootstrapDelta(accuracy, [1], [1, 0], [1, 0])).toThrow(/as long as the labels/);
    expect(() => pairedBootstrapDelta(accuracy, a, b, labels, { resamples: 0 })).toThrow(/resamples/);
    expect(() => pairedBootstrapDelta(accuracy, a, b, labels, { level: 1 })).toThrow(/strictly between 0 and 1/);
    expect(() => pairedBootstrapDelta(() => Number.NaN, a, b, labels, { resamples: 5 })).toThrow(/NaN on bootstrap resample 0/);
  });
});

describe('bootstrapInterval', () => {
  it('brackets a single metric, deterministically', () => {
    const { labels, a } = simulate(21, 500, 0.9, 0.9);
    const r = bootstrapInterval(accuracy, a, labels, { seed: 4 });
    expect(r.value).toBe(accuracy(a, labels));
    expect(r.low).toBeLessThan(r.value);
    expect(r.high).toBeGreaterThan(r.value);
    // Roughly the normal-approximation half-width 1.96·sqrt(p(1−p)/n) ≈ 0.026.
    expect(r.high - r.low).toBeGreaterThan(0.035);
    expect(r.high - r.low).toBeLessThan(0.07);
    expect(bootstrapInterval(accuracy, a, labels, { seed: 4 })).toEqual(r);
  });
});
