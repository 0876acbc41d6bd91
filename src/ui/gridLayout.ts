// Where each head's cell sits in the grid canvas: layers as rows, heads as columns, a label
// strip above each cell. Pure arithmetic, shared by drawing and hit-testing.

export interface GridLayout {
  layers: number;
  heads: number;
  cell: number;
  gap: number;
  label: number;
  width: number;
  height: number;
}

/** A layout that fits `width` pixels: cells between `min` and `max` pixels, whatever the model's shape. */
export function fitGrid(layers: number, heads: number, width: number, min = 24, max = 96): GridLayout {
  const gap = 4;
  const cell = Math.max(min, Math.min(max, Math.floor(width / heads) - gap));
  const label = cell >= 40 ? 14 : 11;
  return { layers, heads, cell, gap, label, width: heads * (cell + gap), height: layers * (cell + gap + label) };
}

export function cellOrigin(g: GridLayout, layer: number, head: number): { x: number; y: number } {
  return { x: head * (g.cell + g.gap), y: layer * (g.cell + g.gap + g.label) + g.label };
}

/** The head under a point of the canvas, or null between cells. */
export function headAt(g: GridLayout, x: number, y: number): { layer: number; head: number } | null {
  const head = Math.floor(x / (g.cell + g.gap));
  const layer = Math.floor(y / (g.cell + g.gap + g.label));
  if (head < 0 || head >= g.heads || layer < 0 || layer >= g.layers) return null;
  const o = cellOrigin(g, layer, head);
  if (x > o.x + g.cell || y < o.y - g.label || y > o.y + g.cell) return null;
  return { layer, head };
}

/** The selection after an arrow key, clamped to the grid. */
export function moveSelection(g: Pick<GridLayout, 'layers' | 'heads'>, from: { layer: number; head: number }, key: string): { layer: number; head: number } | null {
  const step: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  const d = step[key];
  if (!d) return null;
  return { layer: Math.max(0, Math.min(g.layers - 1, from.layer + d[0])), head: Math.max(0, Math.min(g.heads - 1, from.head + d[1])) };
}
