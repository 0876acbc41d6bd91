// The atlas's drawing costs on real attention maps, measured in the same page as the forward pass
// so that their ratio compares like with like.
import { aggregatedMap } from '../src/analysis/attentionView';
import { drawGrid, drawGridOverlay } from '../src/ui/gridDrawing';
import { fitGrid } from '../src/ui/gridLayout';
import { drawHeatmap, heatmapLayout } from '../src/ui/headDrawing';
import { median } from './randomBert';

/** Forces the canvas to finish its pending work (Chromium rasterises lazily). */
function flush(ctx: CanvasRenderingContext2D) {
  ctx.getImageData(0, 0, 1, 1);
}

export function timeGridDrawing(attentions: Float32Array[], heads: number, seqLen: number, repeats: number) {
  const layers = attentions.length;
  const layout = fitGrid(layers, heads, 1200);
  const canvas = (w: number, h: number) => Object.assign(document.body.appendChild(document.createElement('canvas')), { width: w, height: h }).getContext('2d', { willReadFrequently: false })!;
  const gridCtx = canvas(layout.width, layout.height);
  const overlayCtx = canvas(layout.width, layout.height);
  const tokens = Array.from({ length: seqLen }, (_, i) => (i === 0 ? '[CLS]' : i === seqLen - 1 ? '[SEP]' : `tok${i}`));
  const detail = heatmapLayout(seqLen, 640, 60);
  const detailCtx = canvas(detail.size, detail.size);
  const gridTimes: number[] = [];
  const switchTimes: number[] = [];
  drawGrid(gridCtx, layout, attentions, seqLen);
  flush(gridCtx);
  for (let i = 0; i < repeats; i++) {
    let t0 = performance.now();
    drawGrid(gridCtx, layout, attentions, seqLen);
    flush(gridCtx);
    gridTimes.push(performance.now() - t0);
    // A selection change: the overlay, and the newly selected head's detail map.
    const selected = { layer: i % layers, head: (i * 5) % heads };
    t0 = performance.now();
    drawGridOverlay(overlayCtx, layout, { selected, hovered: null, disabled: () => false, highlighted: () => false });
    const map = aggregatedMap(attentions, heads, seqLen, selected, 'head');
    drawHeatmap(detailCtx, detail, { map, tokens, segments: new Array(seqLen).fill(0) });
    flush(overlayCtx);
    flush(detailCtx);
    switchTimes.push(performance.now() - t0);
  }
  return { gridDrawMs: median(gridTimes), headSwitchMs: median(switchTimes), cell: layout.cell };
}
