import { describe, expect, it } from 'vitest';
import { addDriftBatch, checkDriftPair, createDriftAccumulator, driftResult, mapCosine } from './drift';

const shape = { layers: 12, heads: 12, hidden: 768, vocabSize: 30522 };

describe('checkDriftPair', () => {
  it('accepts the same shape and vocabulary', () => {
    expect(checkDriftPair(shape, { ...shape })).toBeNull();
    expect(checkDriftPair(shape, shape, ['[PAD]', 'a'], ['[PAD]', 'a'])).toBeNull();
  });

  it('refuses other shapes and vocabularies, saying why', () => {
    expect(checkDriftPair(shape, { ...shape, layers: 6 })).toMatch(/12 layers against 6/);
    expect(checkDriftPair(shape, { ...shape, heads: 8 })).toMatch(/12 heads per layer against 8/);
    expect(checkDriftPair(shape, { ...shape, hidden: 512 })).toMatch(/hidden size 768 against 512/);
    expect(checkDriftPair(shape, { ...shape, vocabSize: 28996 })).toMatch(/vocabulary of 30522 tokens against 28996/);
    const both = checkDriftPair(shape, { ...shape, layers: 3, heads: 4 })!;
    expect(both).toMatch(/12 layers against 3; 12 heads per layer against 4/);
    expect(both).toMatch(/cannot be compared/);
    expect(checkDriftPair(shape, shape, ['[PAD]', 'a'], ['[PAD]', 'b'])).toMatch(/token 1 is "a" in one and "b" in the other/);
    expect(checkDriftPair(shape, shape, ['[PAD]'], ['[PAD]', 'b'])).toMatch(/vocabularies of 1 and 2 tokens/);
  });
});

describe('map cosine', () => {
  const map = Float32Array.from([0.5, 0.5, 0, 0.2, 0.3, 0.5, 1, 0, 0]);

  it('is 1 for identical maps and 0 for disjoint maps', () => {
    expect(mapCosine(map, 0, map, 0, 3, 3)).toBe(1);
    const a = Float32Array.from([1, 0, 0, 1]);
    const b = Float32Array.from([0, 1, 1, 0]);
    expect(mapCosine(a, 0, b, 0, 2, 2)).toBe(0);
  });

  it('matches a hand computation', () => {
    // [1, 0; 0.5, 0.5] against [0.5, 0.5; 0.5, 0.5]: dot 1, norms √1.5 and 1.
    const a = Float32Array.from([1, 0, 0.5, 0.5]);
    const b = Float32Array.from([0.5, 0.5, 0.5, 0.5]);
    expect(mapCosine(a, 0, b, 0, 2, 2)).toBeCloseTo(1 / Math.sqrt(1.5), 7);
  });

  it('defines zero maps: two zero maps 1, a zero map against another 0', () => {
    const zero = new Float32Array(9);
    expect(mapCosine(zero, 0, zero, 0, 3, 3)).toBe(1);
    expect(mapCosine(zero, 0, map, 0, 3, 3)).toBe(0);
    expect(mapCosine(map, 0, zero, 0, 3, 3)).toBe(0);
  });

  it('reads only the unpadded block', () => {
    // 2 real tokens inside S = 3: the padded row and column differ wildly but must not count.
    const a = Float32Array.from([0.6, 0.4, 9, 0.1, 0.9, 9, 9, 9, 9]);
    const b = Float32Array.from([0.6, 0.4, 0, 0.1, 0.9, 0, 0, 0, 0]);
    expect(mapCosine(a, 0, b, 0, 3, 2)).toBe(1);
  });
});

describe('drift accumulator', () => {
  // 2 layers × 2 heads, batch of 2, S = 3; example 0 has 3 tokens, example 1 has 2 (padded).
  const L = 2;
  const H = 2;
  const S = 3;
  const size = S * S;
  const make = (fill: (layer: number, b: number, h: number) => number[]) =>
    Array.from({ length: L }, (_, l) => {
      const out = new Float32Array(2 * H * size);
      for (let b = 0; b < 2; b++) for (let h = 0; h < H; h++) out.set(fill(l, b, h), (b * H + h) * size);
      return out;
    });
  const diag3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const first3 = [1, 0, 0, 1, 0, 0, 1, 0, 0];
  const diag2 = [1, 0, 5, 0, 1, 5, 5, 5, 5]; // padding junk
  const cross2 = [0, 1, 0, 1, 0, 0, 0, 0, 0];

  it('averages per-example cosines per head and per layer', () => {
    const A = make(() => diag3.slice()).map((layer, l) => {
      // Example 1 of every head is the 2-token identity (with junk in the padding).
      for (let h = 0; h < H; h++) layer.set(diag2, (1 * H + h) * size);
      return layer;
    });
    const B = make((l, b, h) => {
      if (b === 1) return l === 0 && h === 1 ? cross2 : diag2.map((v) => (v === 5 ? 0 : v));
      return l === 1 && h === 0 ? first3 : diag3;
    });
    const acc = createDriftAccumulator(L, H);
    addDriftBatch(acc, A, B, S, [3, 2]);
    const r = driftResult(acc);
    expect(r.examples).toBe(2);
    // (0,0): identical twice → 1. (0,1): example 1 disjoint → (1 + 0)/2.
    // (1,0): diag3 vs first3: dot 1, norms √3·√3 → 1/3; example 1 identical → (1/3 + 1)/2.
    expect(r.mean![0][0]).toBeCloseTo(1, 12);
    expect(r.mean![0][1]).toBeCloseTo(0.5, 12);
    expect(r.mean![1][0]).toBeCloseTo((1 / 3 + 1) / 2, 7);
    expect(r.mean![1][1]).toBeCloseTo(1, 12);
    expect(r.perLayer![0]).toBeCloseTo(0.75, 12);
    expect(r.perLayer![1]).toBeCloseTo(((1 / 3 + 1) / 2 + 1) / 2, 7);
    for (const row of r.mean!) for (const v of row) expect(v >= 0 && v <= 1).toBe(true);
    // Streaming: a second batch is averaged in.
    addDriftBatch(acc, A, A, S, [3, 2]);
    expect(driftResult(acc).examples).toBe(4);
    expect(driftResult(acc).mean![0][1]).toBeCloseTo(0.75, 12);
  });

  it('is empty before any example and refuses batches of the wrong shape', () => {
    const acc = createDriftAccumulator(L, H);
    expect(driftResult(acc)).toEqual({ layers: L, heads: H, mean: null, perLayer: null, examples: 0 });
    const A = make(() => diag3);
    expect(() => addDriftBatch(acc, A, A.slice(0, 1), S, [3, 2])).toThrow(/2 layers/);
    expect(() => addDriftBatch(acc, A, A, S, [3])).toThrow(/values/);
    expect(() => addDriftBatch(acc, A, A, S, [3, 4])).toThrow(/Length 4/);
  });
});
