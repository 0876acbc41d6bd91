import { describe, expect, it } from 'vitest';
import { colourOf, deltaDomain, scalePosition, textOn } from './colorScale';

describe('colour scales', () => {
  it('maps attention 0 and 1 to the ends of viridis, and clamps', () => {
    const s = { kind: 'attention', domain: [0, 1] } as const;
    expect(colourOf(s, 0)).toBe('rgb(68,1,84)');
    expect(colourOf(s, 1)).toBe(colourOf(s, 5));
    expect(scalePosition({ kind: 'attention', domain: [0, 0.2] }, 0.1)).toBeCloseTo(0.5);
  });

  it('puts 0 at the white middle of the delta scale, red below and blue above', () => {
    const s = { kind: 'delta', domain: deltaDomain([-0.012, 0.004]) } as const;
    expect(s.domain[0]).toBe(-s.domain[1]);
    expect(s.domain[1]).toBeGreaterThanOrEqual(0.012);
    expect(colourOf(s, 0)).toBe('rgb(242, 239, 238)');
    const [r1, , b1] = colourOf(s, -0.012).match(/\d+/g)!.map(Number);
    expect(r1).toBeGreaterThan(b1);
    const [r2, , b2] = colourOf(s, 0.012).match(/\d+/g)!.map(Number);
    expect(b2).toBeGreaterThan(r2);
    expect(textOn(s, 0)).toBe('#000');
  });

  it('colours other scalars on the ink ramp, light at the low end', () => {
    const s = { kind: 'ink', domain: [0, 1] } as const;
    expect(textOn(s, 0)).toBe('#000');
    expect(textOn(s, 1)).toBe('#fff');
  });
});
