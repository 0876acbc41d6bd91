// Where each head's cell sits in the grid canvas: layers as rows, heads as columns, one header
// row of head numbers and one column of layer numbers. Pure arithmetic, shared by drawing and
// hit-testing.

export interface GridLayout {
  layers: number;
  heads: number;
  cell: number;
  gap: number;
  /** Width of the layer-number column on the left. */
  left: number;
  /** Height of the head-number row on top. */
  top: number;
  /** Font size of the numbers. */
  font: number;
  width: number;
  height: number;
}

const LEFT = 26;
const TOP = 15;

/**
 * The largest layout that fits `width` × `height` pixels (height: Infinity fits the width only),
 * with cells between `min` and `max` pixels, whatever the model's shape.
 */
export function fitGrid(layers: number, heads: number, width: number, height = Infinity, min = 14, max = 96): GridLayout {
  const gapFor = (pitch: number) => (pitch > 40 ? 3 : 2);
  const pitch = Math.min((width - LEFT) / heads, (height - TOP) / layers);
  const gap = gapFor(pitch);
  const cell = Math.max(min, Math.min(max, Math.floor(pitch) - gap));
  const font = cell >= 40 ? 12 : 11;
  return { layers, heads, cell, gap, left: LEFT, top: TOP, font, width: LEFT + heads * (cell + gap), height: TOP + layers * (cell + gap) };
}

export function cellOrigin(g: GridLayout, layer: number, head: number): { x: number; y: number } {
  return { x: g.left + head * (g.cell + g.gap), y: g.top + layer * (g.cell + g.gap) };
}

/** The head under a point of the canvas, or null between cells and over the numbers. */
export function headAt(g: GridLayout, x: number, y: number): { layer: number; head: number } | null {
  const head = Math.floor((x - g.left) / (g.cell + g.gap));
  const layer = Math.floor((y - g.top) / (g.cell + g.gap));
  if (x < g.left || y < g.top || head >= g.heads || layer >= g.layers) return null;
  const o = cellOrigin(g, layer, head);
  if (x > o.x + g.cell || y > o.y + g.cell) return null;
  return { layer, head };
}

/** The layer whose number is under a point of the left column, or null. */
export function layerLabelAt(g: GridLayout, x: number, y: number): number | null {
  if (x < 0 || x >= g.left || y < g.top) return null;
  const layer = Math.floor((y - g.top) / (g.cell + g.gap));
  return layer < g.layers ? layer : null;
}

/** The selection after an arrow key, clamped to the grid. */
export function moveSelection(g: Pick<GridLayout, 'layers' | 'heads'>, from: { layer: number; head: number }, key: string): { layer: number; head: number } | null {
  const step: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  const d = step[key];
  if (!d) return null;
  return { layer: Math.max(0, Math.min(g.layers - 1, from.layer + d[0])), head: Math.max(0, Math.min(g.heads - 1, from.head + d[1])) };
}
