import { describe, expect, it } from 'vitest';
import { aggregatedMap, dropTokens, headMap, headSummary, meanMap } from './attentionView';

// Two layers × two heads over 3 tokens, every map distinct.
const S = 3;
const layer = (seed: number) => Float32Array.from({ length: 2 * S * S }, (_, i) => ((i * 7 + seed) % 10) / 10);
const attentions = [layer(1), layer(4)];

describe('attention views', () => {
  it('picks one head as a view into its layer', () => {
    const m = headMap(attentions, S, { layer: 1, head: 1 });
    expect(Array.from(m)).toEqual(Array.from(attentions[1].slice(9, 18)));
    expect(m.buffer).toBe(attentions[1].buffer);
  });

  it('averages a layer and all heads', () => {
    const layerMean = aggregatedMap(attentions, 2, S, { layer: 0, head: 1 }, 'layer');
    for (let i = 0; i < 9; i++) expect(layerMean[i]).toBeCloseTo((attentions[0][i] + attentions[0][9 + i]) / 2, 6);
    const all = aggregatedMap(attentions, 2, S, { layer: 0, head: 0 }, 'all');
    for (let i = 0; i < 9; i++) expect(all[i]).toBeCloseTo((attentions[0][i] + attentions[0][9 + i] + attentions[1][i] + attentions[1][9 + i]) / 4, 6);
    expect(Array.from(meanMap([], 2))).toEqual([0, 0, 0, 0]);
  });

  it('drops tokens, with and without renormalising the rows', () => {
    // [CLS] a [SEP]: rows sum to 1.
    const map = Float32Array.from([0.5, 0.25, 0.25, 0.6, 0.2, 0.2, 0.1, 0.1, 0.8]);
    const plain = dropTokens(map, 3, (i) => i !== 1, false);
    expect(plain.keep).toEqual([1]);
    expect(Array.from(plain.map)).toEqual([Math.fround(0.2)]);
    const renorm = dropTokens(map, 3, (i) => i === 0, true);
    expect(renorm.keep).toEqual([1, 2]);
    expect(renorm.map[0]).toBeCloseTo(0.5, 6);
    expect(renorm.map[2]).toBeCloseTo(0.1 / 0.9, 6);
    expect(renorm.map[2] + renorm.map[3]).toBeCloseTo(1, 6);
    // A row with no mass left stays zero rather than dividing by zero.
    const zero = dropTokens(Float32Array.from([1, 0, 1, 0]), 2, (i) => i === 0, true);
    expect(Array.from(zero.map)).toEqual([0]);
  });

  it('summarises a head over the unpadded tokens only', () => {
    // 3 real tokens padded to 4; every real row attends fully to [CLS].
    const map = new Float32Array(16);
    for (let r = 0; r < 3; r++) map[r * 4] = 1;
    map[3 * 4 + 3] = 1; // padding row: must be ignored
    const s = headSummary(map, 4, 3, ['[CLS]', 'hi', '[SEP]', '[PAD]']);
    expect(s.toCls).toBe(1);
    expect(s.toSep).toBe(0);
    expect(s.entropy).toBe(0);
    expect(s.max).toBe(1);
    expect(s.toNeighbours).toBeCloseTo(1 / 3, 12); // only row 1 → token 0 is a neighbour
  });

  it('takes the larger of two [SEP] columns, as the paper does', () => {
    // [CLS] a [SEP] b [SEP]: rows put 0.5 on the first [SEP] and 0.25 on the second.
    const map = new Float32Array(25);
    for (let r = 0; r < 5; r++) {
      map[r * 5 + 2] = 0.5;
      map[r * 5 + 4] = 0.25;
      map[r * 5 + 0] = 0.25;
    }
    const s = headSummary(map, 5, 5, ['[CLS]', 'a', '[SEP]', 'b', '[SEP]']);
    expect(s.toSep).toBeCloseTo(0.5, 7);
    expect(s.toCls).toBeCloseTo(0.25, 7);
  });
});
