import { describe, expect, it } from 'vitest';
import { cellOrigin, fitGrid, headAt, layerLabelAt, moveSelection } from './gridLayout';

describe('grid layout', () => {
  it('fits any shape from 2 × 2 to 24 × 16 into the width, within the cell limits', () => {
    for (const [layers, heads] of [[2, 2], [4, 4], [12, 12], [24, 16]]) {
      const g = fitGrid(layers, heads, 1200);
      expect(g.cell).toBeGreaterThanOrEqual(14);
      expect(g.cell).toBeLessThanOrEqual(96);
      if (heads >= 12) expect(g.width).toBeLessThanOrEqual(1200);
      expect(g.height).toBe(g.top + layers * (g.cell + g.gap));
    }
  });

  it('fits the pane in both directions: 12 × 12 and 24 × 16 in a 397 × 480 pane, 4 × 4 capped at 96 px', () => {
    for (const [layers, heads] of [[12, 12], [24, 16]]) {
      const g = fitGrid(layers, heads, 397, 480);
      expect(g.width).toBeLessThanOrEqual(397);
      expect(g.height).toBeLessThanOrEqual(480);
      expect(g.cell).toBeGreaterThanOrEqual(14);
    }
    // Height is what limits a tall model in a wide pane.
    const tall = fitGrid(24, 16, 1000, 480);
    expect(tall.height).toBeLessThanOrEqual(480);
    expect(tall.width).toBeLessThan(1000);
    expect(fitGrid(4, 4, 2000, 2000).cell).toBe(96);
  });

  it('hit-tests cells and the layer numbers, not the gaps or the header', () => {
    const g = fitGrid(12, 12, 1200);
    for (const [layer, head] of [[0, 0], [6, 5], [11, 11]]) {
      const o = cellOrigin(g, layer, head);
      expect(headAt(g, o.x + 1, o.y + 1)).toEqual({ layer, head });
      expect(headAt(g, o.x + g.cell - 1, o.y + g.cell - 1)).toEqual({ layer, head });
      expect(headAt(g, o.x + g.cell + 1, o.y + 1)).toBeNull();
      expect(layerLabelAt(g, 3, o.y + 1)).toBe(layer);
    }
    expect(headAt(g, g.left + 2, g.top - 2)).toBeNull();
    expect(headAt(g, -1, 5)).toBeNull();
    expect(headAt(g, 5, g.height + 1)).toBeNull();
  });

  it('moves the selection with arrow keys and stops at the edges', () => {
    const g = { layers: 4, heads: 4 };
    expect(moveSelection(g, { layer: 0, head: 0 }, 'ArrowDown')).toEqual({ layer: 1, head: 0 });
    expect(moveSelection(g, { layer: 0, head: 0 }, 'ArrowUp')).toEqual({ layer: 0, head: 0 });
    expect(moveSelection(g, { layer: 3, head: 3 }, 'ArrowRight')).toEqual({ layer: 3, head: 3 });
    expect(moveSelection(g, { layer: 2, head: 2 }, 'ArrowLeft')).toEqual({ layer: 2, head: 1 });
    expect(moveSelection(g, { layer: 2, head: 2 }, 'Enter')).toBeNull();
  });
});
