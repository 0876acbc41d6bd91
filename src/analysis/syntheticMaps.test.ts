import { describe, expect, it } from 'vitest';
import { PATTERN_TYPES } from './patterns';
import { syntheticBatch, syntheticMap, syntheticMapSet, syntheticTokens } from './syntheticMaps';
import { mulberry32 } from './bootstrap';

describe('synthetic maps', () => {
  const set = syntheticMapSet({ seed: 4, count: 250 });

  it('is reproducible from its seed', () => {
    const again = syntheticMapSet({ seed: 4, count: 250 });
    expect(again.every((m, i) => m.type === set[i].type && m.map.length === set[i].map.length && m.map.every((v, j) => v === set[i].map[j]))).toBe(true);
    expect(syntheticMapSet({ seed: 5, count: 5 })[0].map).not.toEqual(set[0].map);
  });

  it('makes row-stochastic maps of every type, lengths 8–128, block always a pair', () => {
    for (const t of PATTERN_TYPES) expect(set.filter((m) => m.type === t)).toHaveLength(50);
    for (const m of set) {
      expect(m.length).toBeGreaterThanOrEqual(8);
      expect(m.length).toBeLessThanOrEqual(128);
      expect(m.tokens).toHaveLength(m.length);
      expect(m.noise).toBeLessThanOrEqual(0.3);
      if (m.type === 'block') expect(m.pair).toBe(true);
      let worstSum = 0;
      let min = Infinity;
      for (let r = 0; r < m.length; r++) {
        let sum = 0;
        for (let c = 0; c < m.length; c++) {
          min = Math.min(min, m.map[r * m.length + c]);
          sum += m.map[r * m.length + c];
        }
        worstSum = Math.max(worstSum, Math.abs(sum - 1));
      }
      expect(min).toBeGreaterThanOrEqual(0);
      expect(worstSum).toBeLessThan(1e-5);
    }
    expect(set.some((m) => m.pair) && set.some((m) => !m.pair)).toBe(true);
    expect(() => syntheticMap('block', { length: 10, pair: false, noise: 0, random: mulberry32(1) })).toThrow(/pair/);
  });

  it('writes BERT-like tokens with [CLS], [SEP]s and segments', () => {
    const { tokens, segments } = syntheticTokens(12, true, mulberry32(2));
    expect(tokens[0]).toBe('[CLS]');
    expect(tokens[11]).toBe('[SEP]');
    expect(tokens.filter((t) => t === '[SEP]')).toHaveLength(2);
    const firstSep = tokens.indexOf('[SEP]');
    expect(segments.slice(0, firstSep + 1).every((s) => s === 0)).toBe(true);
    expect(segments.slice(firstSep + 1).every((s) => s === 1)).toBe(true);
  });

  it('lays a batch out as the engine does, padding untouched', () => {
    const batch = syntheticBatch({ seed: 3, layers: 2, heads: 3, lengths: [9, 5], padValue: -1 });
    expect(batch.seqLen).toBe(9);
    expect(batch.attentions).toHaveLength(2);
    expect(batch.attentions[0]).toHaveLength(2 * 3 * 81);
    // Example 1 (length 5), head 2: rows 0–4 sum to 1 over columns 0–4; the rest is padding.
    const offset = (1 * 3 + 2) * 81;
    for (let r = 0; r < 9; r++) {
      const row = Array.from(batch.attentions[1].subarray(offset + r * 9, offset + r * 9 + 9));
      if (r < 5) {
        expect(row.slice(0, 5).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        expect(row.slice(5)).toEqual([-1, -1, -1, -1]);
      } else expect(row.every((v) => v === -1)).toBe(true);
    }
    expect(batch.tokens[1].slice(5)).toEqual(['[PAD]', '[PAD]', '[PAD]', '[PAD]']);
    expect(batch.types).toEqual(['vertical', 'diagonal', 'vertical+diagonal', 'block', 'heterogeneous', 'vertical']);
  });
});
