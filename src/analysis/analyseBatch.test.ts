import { describe, expect, it } from 'vitest';
import { analyseBatch, analysisResult, createAnalysisState } from './analyseBatch';
import { headMap } from './attentionView';
import { headFeatures, PATTERN_TYPES } from './patterns';
import { addBatch, createSpecialTokenAccumulator, specialTokenResult } from './specialTokens';
import { syntheticBatch } from './syntheticMaps';

describe('analyseBatch', () => {
  // 2 layers × 5 heads (one of each type), 3 pairs padded to 64 with junk in the padding.
  const batch = syntheticBatch({ seed: 9, layers: 2, heads: 5, lengths: [12, 30, 57], seqLen: 64, padValue: 0.5 });

  it('classifies every head of every example, and fills the histogram', () => {
    const state = createAnalysisState(2, 5);
    const out = analyseBatch(state, batch);
    expect(out.features).toBeNull();
    for (const types of out.types) expect(Array.from(types, (t) => PATTERN_TYPES[t])).toEqual(batch.types);
    const r = analysisResult(state);
    expect(r.patterns.examples).toBe(3);
    for (const layer of r.patterns.perLayer) expect(PATTERN_TYPES.reduce((s, t) => s + layer.shares[t], 0)).toBeCloseTo(1, 12);
    expect(r.patterns.perHead![1].map((h) => h.type)).toEqual(batch.types.slice(5));
    expect(r.drift).toBeNull();
  });

  it('gives the same special-token results as the accumulator alone, padding excluded', () => {
    const state = createAnalysisState(2, 5);
    analyseBatch(state, batch);
    const alone = createSpecialTokenAccumulator(2, 5);
    addBatch(alone, batch.attentions, batch.seqLen, batch.lengths, batch.tokens);
    expect(analysisResult(state).special).toEqual(specialTokenResult(alone));
    const sep = analysisResult(state).special.classes.sep;
    expect(sep.count).toBe(3);
    for (const v of sep.perLayer!) expect(v).toBeGreaterThan(0);
    for (const row of sep.mean!) for (const v of row) expect(v).toBeLessThanOrEqual(1);
  });

  it('returns the features behind each type on request, and takes another classifier', () => {
    const state = createAnalysisState(2, 5);
    const out = analyseBatch(state, batch, { keepFeatures: true, classify: () => 'block' });
    expect(out.types.every((t) => t.every((v) => v === PATTERN_TYPES.indexOf('block')))).toBe(true);
    const b = 1;
    const one = batch.attentions.map((layer) => layer.slice(b * 5 * 64 * 64, (b + 1) * 5 * 64 * 64));
    const expected = headFeatures(headMap(one, 64, { layer: 1, head: 3 }), 64, batch.lengths[b], batch.tokens[b], batch.segments[b]);
    expect(out.features![b][1 * 5 + 3]).toEqual(expected);
  });

  it('computes drift when given the other model’s attentions', () => {
    const state = createAnalysisState(2, 5, { drift: true });
    analyseBatch(state, { ...batch, otherAttentions: batch.attentions });
    const same = analysisResult(state).drift!;
    expect(same.examples).toBe(3);
    for (const row of same.mean!) for (const v of row) expect(v).toBeCloseTo(1, 6);
    const other = syntheticBatch({ seed: 10, layers: 2, heads: 5, lengths: [12, 30, 57], seqLen: 64 });
    const state2 = createAnalysisState(2, 5, { drift: true });
    analyseBatch(state2, { ...batch, otherAttentions: other.attentions });
    for (const row of analysisResult(state2).drift!.mean!) for (const v of row) expect(v >= 0 && v <= 1).toBe(true);
    expect(() => analyseBatch(createAnalysisState(2, 5), { ...batch, otherAttentions: batch.attentions })).toThrow(/without drift/);
  });

  it('runs a BERT-base-shaped batch quickly', () => {
    // 12 × 12 heads, 4 examples at length 128. Twice to let the JIT compile the loops, then the best
    // of three timed runs (this machine is shared with training; the number is printed, the bound loose).
    const big = syntheticBatch({ seed: 1, layers: 12, heads: 12, lengths: [128, 128, 128, 128] });
    const run = () => {
      const start = performance.now();
      analyseBatch(createAnalysisState(12, 12, { drift: true }), { ...big, otherAttentions: big.attentions });
      return (performance.now() - start) / 4;
    };
    run();
    run();
    const perExample = Math.min(run(), run(), run());
    console.log(`analyseBatch, 12 × 12 heads at length 128 with drift: ${perExample.toFixed(1)} ms per example`);
    expect(perExample).toBeLessThan(1000);
  });
});
