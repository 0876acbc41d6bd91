// Canvas drawing of one head's map in detail: the heatmap with token labels on both axes, and the
// bipartite "lines" view as bertviz draws it. Layout and hit-testing are plain arithmetic.
import { ATTENTION_LUT } from './colorScale';

export interface DetailData {
  /** K×K, row = the attending token ("from"), column = the token attended to ("to"). */
  map: Float32Array;
  tokens: string[];
  segments: number[];
}

export const SEGMENT_COLOURS = ['#2f6fb0', '#c8651b'];

export interface HeatmapLayout {
  k: number;
  cell: number;
  /** Width of each label gutter; the map starts at (margin, margin). */
  margin: number;
  font: number;
  /** Draw every n-th label when even staggered labels do not fit. */
  labelStep: number;
  /** Labels alternate sides (rows left/right, columns top/bottom), so each side has twice the room. */
  stagger: boolean;
  /** Width and height of the canvas. */
  size: number;
}

export interface LabelFonts {
  /** Labels are never smaller than this (10 px in the workspace, 18 px in classroom mode). */
  minFont: number;
  maxFont: number;
  /** Characters of the longest token, for the gutter. */
  longest: number;
  /** The widest gutter, in px (longer tokens are squeezed). */
  maxMargin: number;
}

const WORKSPACE_FONTS: LabelFonts = { minFont: 10, maxFont: 13, longest: 8, maxMargin: 96 };

/**
 * The largest map that fits a `side` × `side` square with labels of at least `minFont` px: labels
 * beside each row and column if the pitch allows, else staggered on both sides, else thinned
 * (every n-th token; the rest show on hover).
 */
export function heatmapLayout(k: number, side: number, fonts: Partial<LabelFonts> = {}): HeatmapLayout {
  const f = { ...WORKSPACE_FONTS, ...fonts };
  const n = Math.max(1, k);
  const gutter = (font: number) => Math.min(f.maxMargin, Math.ceil(font * 0.62 * Math.max(3, f.longest)) + 10);
  const make = (font: number, stagger: boolean, labelStep = 1): HeatmapLayout => {
    const margin = gutter(font);
    const cell = Math.max(3, Math.min(40, Math.floor((side - (stagger ? 2 : 1) * margin) / n)));
    return { k, cell, margin, font, labelStep, stagger, size: (stagger ? 2 : 1) * margin + k * cell };
  };
  for (let font = f.maxFont; font >= f.minFont; font--) {
    const L = make(font, false);
    if (L.cell >= font + 2) return L;
  }
  for (let font = f.maxFont; font >= f.minFont; font--) {
    const L = make(font, true);
    if (2 * L.cell >= font + 2) return L;
  }
  const L = make(f.minFont, true);
  return { ...L, labelStep: Math.ceil((f.minFont + 2) / (2 * L.cell)) };
}

/** Which tokens get a label, and on which side (0: left/top, 1: right/bottom). */
export function labelPlaces(L: HeatmapLayout): { token: number; side: 0 | 1 }[] {
  const out: { token: number; side: 0 | 1 }[] = [];
  for (let i = 0, n = 0; i < L.k; i += L.labelStep, n++) out.push({ token: i, side: L.stagger ? ((n % 2) as 0 | 1) : 0 });
  return out;
}

/** The first kept token of sentence B, or -1 for a single sentence. */
export function segmentBoundary(segments: number[]): number {
  return segments.findIndex((s, i) => i > 0 && s !== segments[i - 1]);
}

export function drawHeatmap(ctx: CanvasRenderingContext2D, L: HeatmapLayout, d: DetailData): void {
  const { k, cell, margin } = L;
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  // Cells through an image (one pixel per weight, scaled): fast at 128 × 128.
  const img = new ImageData(Math.max(1, k), Math.max(1, k));
  for (let i = 0; i < k * k; i++) {
    const v = Math.max(0, Math.min(255, Math.round(d.map[i] * 255))) * 3;
    img.data.set([ATTENTION_LUT[v], ATTENTION_LUT[v + 1], ATTENTION_LUT[v + 2], 255], i * 4);
  }
  const tile = new OffscreenCanvas(Math.max(1, k), Math.max(1, k));
  tile.getContext('2d')!.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tile, margin, margin, k * cell, k * cell);
  // Token labels, coloured by segment: rows ("from") left, columns ("to") on top; staggered
  // labels alternate with the right and bottom sides, each with a short leader tick.
  ctx.font = `${L.font}px ui-monospace, monospace`;
  const end = margin + k * cell;
  ctx.lineWidth = 1;
  for (const { token: i, side } of labelPlaces(L)) {
    const colour = SEGMENT_COLOURS[d.segments[i] ?? 0];
    const mid = margin + (i + 0.5) * cell;
    ctx.fillStyle = colour;
    ctx.strokeStyle = colour;
    ctx.textBaseline = 'middle';
    ctx.textAlign = side ? 'left' : 'right';
    ctx.fillText(d.tokens[i], side ? end + 6 : margin - 6, mid, margin - 8);
    ctx.save();
    ctx.translate(mid, side ? end + 6 : margin - 6);
    ctx.rotate(side ? Math.PI / 2 : -Math.PI / 2);
    ctx.textAlign = 'left';
    ctx.fillText(d.tokens[i], 0, 0, margin - 8);
    ctx.restore();
    if (L.stagger) {
      ctx.beginPath();
      ctx.moveTo(side ? end : margin, mid);
      ctx.lineTo(side ? end + 3 : margin - 3, mid);
      ctx.moveTo(mid, side ? end : margin);
      ctx.lineTo(mid, side ? end + 3 : margin - 3);
      ctx.stroke();
    }
  }
  const b = segmentBoundary(d.segments);
  if (b > 0) {
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 2;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(margin + b * cell, margin);
    ctx.lineTo(margin + b * cell, margin + k * cell);
    ctx.moveTo(margin, margin + b * cell);
    ctx.lineTo(margin + k * cell, margin + b * cell);
    ctx.stroke();
    ctx.setLineDash([]);
  }
}

/** What is under a point of the heatmap: a cell, a row label, a column label, or nothing. */
export function heatmapHit(L: HeatmapLayout, x: number, y: number): { row: number; col: number } | { token: number } | null {
  const col = Math.floor((x - L.margin) / L.cell);
  const row = Math.floor((y - L.margin) / L.cell);
  const end = L.margin + L.k * L.cell;
  const inCols = x >= L.margin && col < L.k;
  const inRows = y >= L.margin && row < L.k;
  if (inCols && inRows) return { row, col };
  if (inRows && x >= 0 && (x < L.margin || (L.stagger && x >= end && x < L.size))) return { token: row };
  if (inCols && y >= 0 && (y < L.margin || (L.stagger && y >= end && y < L.size))) return { token: col };
  return null;
}

/** Row and column bands over the heatmap for a hovered cell or token. */
export function drawHeatmapHighlight(ctx: CanvasRenderingContext2D, L: HeatmapLayout, row: number | null, col: number | null): void {
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.strokeStyle = '#e4572e';
  ctx.lineWidth = 2;
  if (row !== null) ctx.strokeRect(L.margin - 1, L.margin + row * L.cell - 1, L.k * L.cell + 2, L.cell + 2);
  if (col !== null) ctx.strokeRect(L.margin + col * L.cell - 1, L.margin - 1, L.cell + 2, L.k * L.cell + 2);
  ctx.fillStyle = 'rgba(228,87,46,0.18)';
  const end = L.margin + L.k * L.cell;
  if (row !== null) {
    ctx.fillRect(0, L.margin + row * L.cell, L.margin, L.cell);
    if (L.stagger) ctx.fillRect(end, L.margin + row * L.cell, L.margin, L.cell);
  }
  if (col !== null) {
    ctx.fillRect(L.margin + col * L.cell, 0, L.cell, L.margin);
    if (L.stagger) ctx.fillRect(L.margin + col * L.cell, end, L.cell, L.margin);
  }
}

export interface LinesLayout {
  k: number;
  row: number;
  font: number;
  labelWidth: number;
  gapBetween: number;
  boundary: number;
  width: number;
  height: number;
}

export function linesLayout(d: DetailData, labelWidth: number, font = 12): LinesLayout {
  const row = Math.max(18, font + 6);
  const boundary = segmentBoundary(d.segments);
  const gap = boundary > 0 ? 10 : 0;
  return { k: d.tokens.length, row, font, labelWidth, gapBetween: 220, boundary, width: labelWidth * 2 + 220, height: d.tokens.length * row + gap + 8 };
}

function lineY(L: LinesLayout, i: number): number {
  return 4 + (i + 0.5) * L.row + (L.boundary > 0 && i >= L.boundary ? 10 : 0);
}

/** bertviz's view: tokens twice, a line from each attending token (left) to each attended token (right), opacity = weight. */
export function drawLines(ctx: CanvasRenderingContext2D, L: LinesLayout, d: DetailData, focus: { side: 'from' | 'to'; token: number } | null): void {
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  const x0 = L.labelWidth;
  const x1 = L.labelWidth + L.gapBetween;
  ctx.font = `${L.font}px ui-monospace, monospace`;
  ctx.textBaseline = 'middle';
  for (let i = 0; i < L.k; i++) {
    const dim = focus && !((focus.side === 'from' && focus.token === i) || focus.side === 'to');
    const dimTo = focus && !((focus.side === 'to' && focus.token === i) || focus.side === 'from');
    ctx.fillStyle = SEGMENT_COLOURS[d.segments[i] ?? 0];
    ctx.globalAlpha = dim ? 0.35 : 1;
    ctx.textAlign = 'right';
    ctx.fillText(d.tokens[i], x0 - 6, lineY(L, i), L.labelWidth - 8);
    ctx.globalAlpha = dimTo ? 0.35 : 1;
    ctx.textAlign = 'left';
    ctx.fillText(d.tokens[i], x1 + 6, lineY(L, i), L.labelWidth - 8);
  }
  ctx.lineWidth = 2;
  ctx.strokeStyle = '#2a6fdb';
  for (let i = 0; i < L.k; i++) {
    if (focus?.side === 'from' && focus.token !== i) continue;
    for (let j = 0; j < L.k; j++) {
      if (focus?.side === 'to' && focus.token !== j) continue;
      const w = d.map[i * L.k + j];
      if (w < 0.01) continue;
      ctx.globalAlpha = Math.min(1, w);
      ctx.beginPath();
      ctx.moveTo(x0, lineY(L, i));
      ctx.lineTo(x1, lineY(L, j));
      ctx.stroke();
    }
  }
  ctx.globalAlpha = 1;
}

/** The token under a point of the lines view, and its side. */
export function linesHit(L: LinesLayout, x: number, y: number): { side: 'from' | 'to'; token: number } | null {
  for (let i = 0; i < L.k; i++) {
    if (Math.abs(y - lineY(L, i)) <= L.row / 2) {
      if (x < L.labelWidth + 10) return { side: 'from', token: i };
      if (x > L.labelWidth + L.gapBetween - 10) return { side: 'to', token: i };
      return null;
    }
  }
  return null;
}

