import { describe, expect, it } from 'vitest';
import { topMaskFills } from './maskFills';

describe('topMaskFills', () => {
  it('ranks the vocabulary at each [MASK] of the chosen example, with softmax probabilities', () => {
    // batch 2, seq 3, vocab 4
    const logits = new Float32Array([
      0, 0, 0, 0, /**/ 1, 3, 2, 0, /**/ 0, 0, 0, 0,
      0, 0, 0, 0, /**/ 0, 0, 0, 0, /**/ 5, 1, 1, 9,
    ]);
    const [fill] = topMaskFills(logits, [2, 3, 4], ['[CLS]', '[MASK]', '[SEP]'], 2, 0);
    expect(fill.position).toBe(1);
    expect(fill.ids).toEqual([1, 2]);
    const z = Math.exp(1) + Math.exp(3) + Math.exp(2) + Math.exp(0);
    expect(fill.probs[0]).toBeCloseTo(Math.exp(3) / z, 6);
    expect(fill.probs[1]).toBeCloseTo(Math.exp(2) / z, 6);
    const second = topMaskFills(logits, [2, 3, 4], ['[CLS]', 'x', '[MASK]'], 3, 1);
    expect(second.map((f) => [f.position, f.ids])).toEqual([[2, [3, 0, 1]]]);
  });

  it('returns nothing without a [MASK], and ties keep the lower id first', () => {
    expect(topMaskFills(new Float32Array(8), [1, 2, 4], ['[CLS]', '[SEP]'])).toEqual([]);
    const [fill] = topMaskFills(new Float32Array([2, 2, 2, 1]), [1, 1, 4], ['[MASK]'], 3);
    expect(fill.ids).toEqual([0, 1, 2]);
  });
});
