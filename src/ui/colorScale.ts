// The one colour language of every map and table: each kind of quantity has one scale, and every
// view that colours a value takes its colour from here (and its legend from ColorLegend).
import { interpolateRdBu, interpolateRgb, interpolateViridis, rgb } from 'd3';

/** Attention weight in [0, 1] → RGB, as a 256-entry table (viridis: perceptually uniform). */
export const ATTENTION_LUT: Uint8ClampedArray = (() => {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const c = rgb(interpolateViridis(i / 255));
    lut.set([c.r, c.g, c.b], i * 3);
  }
  return lut;
})();

/**
 * The kinds of quantity a map shows, each with its own scale:
 * - `attention`: attention weight or mass, viridis over [0, max];
 * - `delta`: a score change, diverging red (hurts) → white (0) → blue (helps), symmetric around 0;
 * - `ink`: any other per-head scalar (e.g. drift cosine), a light-to-ink ramp, so it never looks like attention.
 */
export type ScaleKind = 'attention' | 'delta' | 'ink';

export interface ColourScale {
  kind: ScaleKind;
  /** [low, high] of the values; for `delta`, [−m, +m]. */
  domain: readonly [number, number];
}

const inkRamp = interpolateRgb('#f4f6f8', '#16324f');

/** Where v sits on the scale, 0…1 (clamped). */
export function scalePosition(s: ColourScale, v: number): number {
  const [lo, hi] = s.domain;
  const t = hi > lo ? (v - lo) / (hi - lo) : 0;
  return Math.max(0, Math.min(1, t));
}

/** The colour of a value on a scale, as CSS. */
export function colourOf(s: ColourScale, v: number): string {
  const t = scalePosition(s, v);
  if (s.kind === 'attention') {
    const i = Math.round(t * 255) * 3;
    return `rgb(${ATTENTION_LUT[i]},${ATTENTION_LUT[i + 1]},${ATTENTION_LUT[i + 2]})`;
  }
  if (s.kind === 'delta') return interpolateRdBu(t);
  return inkRamp(t);
}

/** Black or white text, whichever reads on the value's colour. */
export function textOn(s: ColourScale, v: number): string {
  const c = rgb(colourOf(s, v));
  const luminance = (0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b) / 255;
  return luminance > 0.5 ? '#000' : '#fff';
}

/** A symmetric domain for score deltas: ±(the largest |Δ|, rounded up to a readable step). */
export function deltaDomain(values: (number | null)[]): [number, number] {
  const m = Math.max(0, ...values.map((v) => Math.abs(v ?? 0)));
  const step = m <= 0.01 ? 0.002 : m <= 0.05 ? 0.005 : m <= 0.2 ? 0.02 : 0.1;
  const top = Math.max(step, Math.ceil(m / step - 1e-9) * step);
  return [-top, top];
}
