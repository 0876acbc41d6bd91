import { expect, type Page } from '@playwright/test';
import { HUB } from '../playwright.config';

export const ARTIFACTS = 'e2e-artifacts';

/** The model the app opens on, as the e2e tests expect it. */
export const DEFAULT_MODEL = { text: 'bundled:micro-bert-sst2', layers: 4, heads: 4, maxLength: 128 };

/** Every cell of the grid canvas has pixels of more than two colours (a blank or flat cell would not). */
export async function gridIsDrawn(page: Page, layers: number, heads: number) {
  const grid = page.getByTestId('attention-grid');
  await expect(grid).toHaveAttribute('data-layers', String(layers));
  await expect(grid).toHaveAttribute('data-heads', String(heads));
  await expect.poll(() => flatCells(page)).toBe(0);
}

export async function flatCells(page: Page): Promise<number> {
  return page.getByTestId('attention-grid').evaluate((canvas: HTMLCanvasElement) => {
    const ctx = canvas.getContext('2d')!;
    const { layers, heads, cell, gap, left, top } = canvas.dataset;
    const [rows, cols, c, g, x0, y0] = [layers, heads, cell, gap, left, top].map(Number);
    let flat = 0;
    for (let l = 0; l < rows; l++) for (let h = 0; h < cols; h++) {
      const data = ctx.getImageData(x0 + h * (c + g) + 1, y0 + l * (c + g) + 1, c - 2, c - 2).data;
      const colours = new Set<number>();
      for (let i = 0; i < data.length; i += 4) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      if (colours.size < 3) flat++;
    }
    return flat;
  });
}

/** The centre of a head's cell in page coordinates (0-indexed layer and head). */
export async function cellCentre(page: Page, layer: number, head: number): Promise<{ x: number; y: number }> {
  const grid = page.getByTestId('attention-grid');
  const box = (await grid.boundingBox())!;
  const [c, g, x0, y0] = await grid.evaluate((canvas: HTMLCanvasElement) => [canvas.dataset.cell, canvas.dataset.gap, canvas.dataset.left, canvas.dataset.top].map(Number));
  return { x: box.x + x0 + head * (c + g) + c / 2, y: box.y + y0 + layer * (c + g) + c / 2 };
}

export async function loadModel(page: Page, model: string, format = 'auto') {
  await page.locator('details.hub-host').evaluate((d: HTMLDetailsElement) => (d.open = true));
  await page.locator('input[name="hub-host"]').fill(HUB);
  await page.locator('input[name="model"]').fill(model);
  await page.locator('select[name="format"]').selectOption(format);
  await page.getByRole('button', { name: 'Load' }).click();
}

/** Opens the selected head's pattern card (features and the user's label), if it is closed. */
export async function openPatternCard(page: Page) {
  const card = page.getByTestId('pattern-card');
  if (!(await card.evaluate((d: HTMLDetailsElement) => d.open))) await card.locator('summary').click();
}

/** Opens the menu that holds a button (e.g. an Export menu), if it is closed. */
export async function openMenuOf(page: Page, button: string) {
  const menu = page.locator(`details.menu:has(button[name="${button}"])`);
  if (!(await menu.evaluate((d: HTMLDetailsElement) => d.open))) await menu.locator('summary').click();
}
