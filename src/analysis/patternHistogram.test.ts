import { describe, expect, it } from 'vitest';
import { addExamplePatterns, createPatternHistogram, patternHistogramResult, patternIndex } from './patternHistogram';
import { PATTERN_TYPES, type PatternType } from './patterns';
import { mulberry32 } from './bootstrap';

describe('pattern histogram', () => {
  it('counts types per layer and overall, with shares that sum to 1 per layer', () => {
    const layers = 3;
    const heads = 4;
    const h = createPatternHistogram(layers, heads);
    const random = mulberry32(5);
    for (let e = 0; e < 64; e++) {
      const types = Uint8Array.from({ length: layers * heads }, () => Math.floor(random() * PATTERN_TYPES.length));
      addExamplePatterns(h, types);
    }
    const r = patternHistogramResult(h);
    expect(r.examples).toBe(64);
    expect(r.overall.total).toBe(64 * layers * heads);
    for (const layer of r.perLayer) {
      expect(layer.total).toBe(64 * heads);
      expect(PATTERN_TYPES.reduce((s, t) => s + layer.shares[t], 0)).toBeCloseTo(1, 12);
    }
    expect(PATTERN_TYPES.reduce((s, t) => s + r.overall.shares[t], 0)).toBeCloseTo(1, 12);
    for (const t of PATTERN_TYPES) expect(r.overall.counts[t]).toBe(r.perLayer.reduce((s, l) => s + l.counts[t], 0));
    // Every head appears under exactly one type.
    expect(PATTERN_TYPES.reduce((s, t) => s + r.headsByType[t].length, 0)).toBe(layers * heads);
  });

  it('finds the type each head shows most often, for highlighting', () => {
    const h = createPatternHistogram(1, 3);
    const add = (types: PatternType[]) => addExamplePatterns(h, types);
    add(['vertical', 'diagonal', 'block']);
    add(['vertical', 'heterogeneous', 'block']);
    add(['diagonal', 'heterogeneous', 'block']);
    add(['vertical', 'diagonal', 'block']);
    const r = patternHistogramResult(h);
    expect(r.perHead![0].map((p) => [p.type, p.share])).toEqual([['vertical', 0.75], ['diagonal', 0.5], ['block', 1]]);
    // Head 2 ties diagonal/heterogeneous at 2 each: the first in PATTERN_TYPES order wins.
    expect(r.headsByType.block).toEqual([{ layer: 0, head: 2, share: 1 }]);
    expect(r.headsByType.vertical).toEqual([{ layer: 0, head: 0, share: 0.75 }]);
    expect(r.headsByType.heterogeneous).toEqual([]);
    expect(r.perLayer[0].counts).toEqual({ vertical: 3, diagonal: 3, 'vertical+diagonal': 0, block: 4, heterogeneous: 2 });
    expect(r.perHead![0][1].shares.heterogeneous).toBe(0.5);
  });

  it('is empty before any example and refuses malformed input', () => {
    const h = createPatternHistogram(2, 2);
    const r = patternHistogramResult(h);
    expect(r.perHead).toBeNull();
    expect(r.perLayer[0].total).toBe(0);
    expect(r.perLayer[0].shares.vertical).toBe(0);
    expect(() => addExamplePatterns(h, [0, 1, 2])).toThrow(/4 heads/);
    expect(() => addExamplePatterns(h, [0, 1, 2, 9])).toThrow(/Head 3/);
    expect(() => addExamplePatterns(h, ['vertical', 'vertical', 'vertical', 'spiral' as PatternType])).toThrow(/Head 3/);
    expect(patternIndex('block')).toBe(3);
  });
});
