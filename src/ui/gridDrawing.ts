// Canvas drawing of the layers × heads grid, apart from React so the benchmark can time it alone.
import { ATTENTION_LUT } from './colorScale';
import { cellOrigin, type GridLayout } from './gridLayout';

/** The viridis table as packed RGBA words (little-endian, as ImageData's bytes read through a Uint32Array). */
const LUT32 = (() => {
  const out = new Uint32Array(256);
  for (let i = 0; i < 256; i++) out[i] = (255 << 24) | (ATTENTION_LUT[i * 3 + 2] << 16) | (ATTENTION_LUT[i * 3 + 1] << 8) | ATTENTION_LUT[i * 3];
  return out;
})();

// One frame buffer per canvas, reused while its size stays: fresh memory is slow to touch.
const frames = new WeakMap<object, ImageData>();

/**
 * Draws every head's map and its "layer-head" label. All maps are sampled (nearest weight, no
 * smoothing) straight into one frame buffer that is put on the canvas once: one upload, not one
 * per head.
 */
export function drawGrid(ctx: CanvasRenderingContext2D, g: GridLayout, attentions: Float32Array[], seqLen: number, length = seqLen): void {
  const { width, height } = ctx.canvas;
  let frame = frames.get(ctx.canvas);
  if (!frame || frame.width !== width || frame.height !== height) {
    frame = ctx.createImageData(width, height);
    frames.set(ctx.canvas, frame);
  }
  const pixels = new Uint32Array(frame.data.buffer, frame.data.byteOffset, width * height);
  pixels.fill(0);
  // Which weight each pixel column / row of a cell shows.
  const source = new Int32Array(g.cell);
  for (let i = 0; i < g.cell; i++) source[i] = Math.min(length - 1, Math.floor((i * length) / g.cell));
  const size = seqLen * seqLen;
  for (let l = 0; l < g.layers; l++) {
    for (let h = 0; h < g.heads; h++) {
      const map = attentions[l];
      const base = h * size;
      const o = cellOrigin(g, l, h);
      for (let y = 0; y < g.cell; y++) {
        const row = base + source[y] * seqLen;
        let out = (o.y + y) * width + o.x;
        for (let x = 0; x < g.cell; x++) {
          const w = map[row + source[x]];
          pixels[out++] = LUT32[w <= 0 ? 0 : w >= 1 ? 255 : (w * 255 + 0.5) | 0];
        }
      }
    }
  }
  ctx.putImageData(frame, 0, 0);
  ctx.font = `${g.label - 3}px system-ui, sans-serif`;
  ctx.fillStyle = getComputedStyleColor(ctx.canvas);
  ctx.textBaseline = 'alphabetic';
  for (let l = 0; l < g.layers; l++) {
    for (let h = 0; h < g.heads; h++) {
      const o = cellOrigin(g, l, h);
      ctx.fillText(`${l + 1}-${h + 1}`, o.x, o.y - 3);
    }
  }
}

function getComputedStyleColor(canvas: HTMLCanvasElement | OffscreenCanvas): string {
  return typeof getComputedStyle === 'function' && canvas instanceof HTMLCanvasElement ? getComputedStyle(canvas).color || '#444' : '#444';
}

/** The overlay: disabled heads crossed out, highlighted heads ringed, the hovered and the selected head outlined. */
export function drawGridOverlay(
  ctx: CanvasRenderingContext2D,
  g: GridLayout,
  marks: { selected: { layer: number; head: number } | null; hovered: { layer: number; head: number } | null; disabled: (layer: number, head: number) => boolean; highlighted: (layer: number, head: number) => boolean },
): void {
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  for (let l = 0; l < g.layers; l++) {
    for (let h = 0; h < g.heads; h++) {
      const o = cellOrigin(g, l, h);
      if (marks.disabled(l, h)) {
        ctx.fillStyle = 'rgba(255,255,255,0.55)';
        ctx.fillRect(o.x, o.y, g.cell, g.cell);
        ctx.strokeStyle = '#c0392b';
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.moveTo(o.x + 3, o.y + 3);
        ctx.lineTo(o.x + g.cell - 3, o.y + g.cell - 3);
        ctx.moveTo(o.x + g.cell - 3, o.y + 3);
        ctx.lineTo(o.x + 3, o.y + g.cell - 3);
        ctx.stroke();
      }
      if (marks.highlighted(l, h)) {
        ctx.strokeStyle = '#ff7f0e';
        ctx.lineWidth = 3;
        ctx.strokeRect(o.x + 1.5, o.y + 1.5, g.cell - 3, g.cell - 3);
      }
    }
  }
  const outline = (ref: { layer: number; head: number } | null, colour: string, width: number) => {
    if (!ref) return;
    const o = cellOrigin(g, ref.layer, ref.head);
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    ctx.strokeRect(o.x - width / 2, o.y - width / 2, g.cell + width, g.cell + width);
  };
  outline(marks.hovered, '#888', 2);
  outline(marks.selected, '#e4572e', 3);
}
