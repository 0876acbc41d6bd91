import { describe, expect, it } from 'vitest';
import { decodeHeadMask, emptyMask, encodeHeadMask, keepValues } from './headMask';

describe('head mask links', () => {
  it('round-trips every shape and stays short', () => {
    for (const [layers, heads] of [[2, 2], [4, 4], [12, 12], [24, 16]]) {
      const mask = emptyMask(layers, heads);
      for (let i = 0; i < mask.disabled.length; i++) mask.disabled[i] = (i * 7919) % 3 === 0;
      const text = encodeHeadMask(mask);
      expect(decodeHeadMask(text)).toEqual(mask);
      if (layers === 12) expect(text.length).toBeLessThanOrEqual(30);
    }
    const all = emptyMask(12, 12);
    all.disabled.fill(true);
    expect(encodeHeadMask(all)).toBe('12x12.________________________');
  });

  it('writes nothing for no mask and drops trailing zero bytes', () => {
    expect(encodeHeadMask(emptyMask(12, 12))).toBe('');
    const first = emptyMask(12, 12);
    first.disabled[0] = true;
    expect(encodeHeadMask(first)).toBe('12x12.AQ');
  });

  it('refuses malformed text', () => {
    for (const bad of ['12x12', '12x12.', 'x.AQ', '0x4.AQ', '4x4.A*', '2x2.__', '4x4.' + 'A'.repeat(65), '<b>4x4.AQ</b>', '4x4.AQAAAA']) {
      expect(decodeHeadMask(bad)).toBeNull();
    }
  });

  it('gives the engine a keep-mask only for the matching shape', () => {
    const mask = decodeHeadMask('2x2.Cg')!; // bits 1 and 3
    expect(keepValues(mask, 2, 2)).toEqual([1, 0, 1, 0]);
    expect(keepValues(mask, 4, 4)).toBeNull();
  });
});
