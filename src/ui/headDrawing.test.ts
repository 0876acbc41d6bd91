import { describe, expect, it } from 'vitest';
import { heatmapHit, heatmapLayout, labelPlaces } from './headDrawing';

describe('head map layout', () => {
  it('keeps classroom labels at 18 px or more for a 40-token sentence (42 with [CLS] and [SEP]) at 1280 × 720 and 1920 × 1080', () => {
    for (const side of [650, 980]) {
      const L = heatmapLayout(42, side, { minFont: 18, maxFont: 22, longest: 9, maxMargin: 160 });
      expect(L.font).toBeGreaterThanOrEqual(18);
      expect(L.size).toBeLessThanOrEqual(side);
      expect(L.labelStep).toBe(1);
      // Labels on one side never overlap: their spacing is at least the font size.
      const perSide = (L.stagger ? 2 : 1) * L.cell * L.labelStep;
      expect(perSide).toBeGreaterThanOrEqual(L.font);
    }
    // At 1280 × 720 the pitch is too small for 18 px labels on one side: they alternate sides.
    expect(heatmapLayout(42, 650, { minFont: 18, maxFont: 22, longest: 9, maxMargin: 160 }).stagger).toBe(true);
  });

  it('puts labels beside every row when there is room, and thins them only when even staggering does not fit', () => {
    const roomy = heatmapLayout(9, 500);
    expect(roomy.stagger).toBe(false);
    expect(roomy.font).toBe(13);
    const crowded = heatmapLayout(128, 400);
    expect(crowded.labelStep).toBeGreaterThan(1);
    expect(crowded.font).toBe(10);
    const places = labelPlaces(crowded);
    expect(places[1].token).toBe(crowded.labelStep);
    expect(new Set(places.map((p) => p.side))).toEqual(new Set([0, 1]));
  });

  it('hit-tests cells and the labels on both sides of a staggered map', () => {
    const L = heatmapLayout(42, 600, { minFont: 18, maxFont: 22, longest: 9, maxMargin: 160 });
    const end = L.margin + L.k * L.cell;
    expect(heatmapHit(L, L.margin + 1, L.margin + 1)).toEqual({ row: 0, col: 0 });
    expect(heatmapHit(L, 2, L.margin + L.cell * 3 + 1)).toEqual({ token: 3 });
    expect(heatmapHit(L, end + 5, L.margin + L.cell * 5 + 1)).toEqual({ token: 5 });
    expect(heatmapHit(L, L.margin + L.cell * 7 + 1, end + 5)).toEqual({ token: 7 });
  });
});
