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
  // One row of head numbers on top and one column of layer numbers on the left.
  ctx.font = `${g.font}px system-ui, sans-serif`;
  ctx.fillStyle = getComputedStyleColor(ctx.canvas);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'alphabetic';
  for (let h = 0; h < g.heads; h++) ctx.fillText(String(h + 1), cellOrigin(g, 0, h).x + g.cell / 2, g.top - 3);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (let l = 0; l < g.layers; l++) ctx.fillText(`L${l + 1}`, g.left - 4, cellOrigin(g, l, 0).y + g.cell / 2);
  ctx.textAlign = 'start';
}

function getComputedStyleColor(canvas: HTMLCanvasElement | OffscreenCanvas): string {
  return typeof getComputedStyle === 'function' && canvas instanceof HTMLCanvasElement ? getComputedStyle(canvas).color || '#444' : '#444';
}

/** A grey 45° hatch: a switched-off head (it reads on any colour, unlike a cross in red). */
function hatch(ctx: CanvasRenderingContext2D, x: number, y: number, size: number): void {
  ctx.save();
  ctx.beginPath();
  ctx.rect(x, y, size, size);
  ctx.clip();
  ctx.fillStyle = 'rgba(233,236,239,0.88)';
  ctx.fillRect(x, y, size, size);
  ctx.strokeStyle = '#9aa1ab';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  for (let d = -size; d < size; d += 6) {
    ctx.moveTo(x + d, y + size);
    ctx.lineTo(x + d + size, y);
  }
  ctx.stroke();
  ctx.restore();
}

/** The overlay: switched-off heads hatched, highlighted heads ringed, the hovered head dashed, the selected head double-ringed. */
export function drawGridOverlay(
  ctx: CanvasRenderingContext2D,
  g: GridLayout,
  marks: { selected: { layer: number; head: number } | null; hovered: { layer: number; head: number } | null; disabled: (layer: number, head: number) => boolean; highlighted: (layer: number, head: number) => boolean; dimmed?: (layer: number, head: number) => boolean },
): void {
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  for (let l = 0; l < g.layers; l++) {
    for (let h = 0; h < g.heads; h++) {
      const o = cellOrigin(g, l, h);
      if (marks.disabled(l, h)) hatch(ctx, o.x, o.y, g.cell);
      if (marks.highlighted(l, h)) {
        ctx.strokeStyle = '#E69F00';
        ctx.lineWidth = 3;
        ctx.strokeRect(o.x + 1.5, o.y + 1.5, g.cell - 3, g.cell - 3);
      } else if (marks.dimmed?.(l, h)) {
        ctx.fillStyle = 'rgba(255,255,255,0.72)';
        ctx.fillRect(o.x, o.y, g.cell, g.cell);
      }
    }
  }
  if (marks.hovered) {
    const o = cellOrigin(g, marks.hovered.layer, marks.hovered.head);
    ctx.strokeStyle = '#1c2026';
    ctx.lineWidth = 1;
    ctx.setLineDash([3, 2]);
    ctx.strokeRect(o.x - 1.5, o.y - 1.5, g.cell + 3, g.cell + 3);
    ctx.setLineDash([]);
  }
  if (marks.selected) {
    const o = cellOrigin(g, marks.selected.layer, marks.selected.head);
    ctx.lineWidth = 2;
    ctx.strokeStyle = '#111';
    ctx.strokeRect(o.x - 1, o.y - 1, g.cell + 2, g.cell + 2);
    ctx.lineWidth = 1;
    ctx.strokeStyle = '#fff';
    ctx.strokeRect(o.x + 0.5, o.y + 0.5, g.cell - 1, g.cell - 1);
  }
}
