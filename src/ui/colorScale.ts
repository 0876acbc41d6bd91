import { interpolateViridis, rgb } from 'd3';

/** Attention weight in [0, 1] → RGB, as a 256-entry table (viridis: perceptually uniform). */
export const ATTENTION_LUT: Uint8ClampedArray = (() => {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const c = rgb(interpolateViridis(i / 255));
    lut.set([c.r, c.g, c.b], i * 3);
  }
  return lut;
})();
