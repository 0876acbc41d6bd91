// Canvas drawing of the layers × heads grid, apart from React so the benchmark can time it alone.
import { paintMap } from './colorScale';
import { cellOrigin, type GridLayout } from './gridLayout';

/** Draws every head's map (one pixel per weight, scaled up without smoothing) and its "layer-head" label. */
export function drawGrid(ctx: CanvasRenderingContext2D, g: GridLayout, attentions: Float32Array[], seqLen: number, length = seqLen): void {
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  const tile = new OffscreenCanvas(length, length);
  const tileCtx = tile.getContext('2d')!;
  const image = tileCtx.createImageData(length, length);
  const unpadded = length === seqLen ? null : new Float32Array(length * length);
  ctx.imageSmoothingEnabled = false;
  ctx.font = `${g.label - 3}px system-ui, sans-serif`;
  ctx.fillStyle = getComputedStyleColor(ctx.canvas);
  ctx.textBaseline = 'alphabetic';
  for (let l = 0; l < g.layers; l++) {
    for (let h = 0; h < g.heads; h++) {
      let map = attentions[l].subarray(h * seqLen * seqLen, (h + 1) * seqLen * seqLen);
      if (unpadded) {
        for (let r = 0; r < length; r++) unpadded.set(map.subarray(r * seqLen, r * seqLen + length), r * length);
        map = unpadded;
      }
      paintMap(map, length, image);
      tileCtx.putImageData(image, 0, 0);
      const o = cellOrigin(g, l, h);
      ctx.fillText(`${l + 1}-${h + 1}`, o.x, o.y - 3);
      ctx.drawImage(tile, o.x, o.y, g.cell, g.cell);
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
