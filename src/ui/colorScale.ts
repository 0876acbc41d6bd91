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

/** Paints one S×S map (a view into a [H, S, S] block) into RGBA pixels, one pixel per weight. */
export function paintMap(map: Float32Array, size: number, into: ImageData): void {
  const px = into.data;
  for (let i = 0; i < size * size; i++) {
    const v = Math.max(0, Math.min(255, Math.round(map[i] * 255))) * 3;
    px[i * 4] = ATTENTION_LUT[v];
    px[i * 4 + 1] = ATTENTION_LUT[v + 1];
    px[i * 4 + 2] = ATTENTION_LUT[v + 2];
    px[i * 4 + 3] = 255;
  }
}
