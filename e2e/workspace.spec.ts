import { expect, test, type Locator, type Page } from '@playwright/test';
import { ARTIFACTS, cellCentre, DEFAULT_MODEL, gridIsDrawn } from './helpers';

const { layers: L, heads: H } = DEFAULT_MODEL;

async function ready(page: Page) {
  await expect(page.getByTestId('model-info')).toContainText(DEFAULT_MODEL.text);
  await gridIsDrawn(page, L, H);
}

/** The element's box lies wholly inside the viewport (after its pane, not the page, scrolls to it). */
async function inViewport(page: Page, locator: Locator, what: string) {
  await expect(locator, what).toBeVisible();
  await locator.scrollIntoViewIfNeeded();
  const box = (await locator.boundingBox())!;
  const { width, height } = page.viewportSize()!;
  expect(box.x, `${what}: left edge`).toBeGreaterThanOrEqual(0);
  expect(box.y, `${what}: top edge`).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width, `${what}: right edge`).toBeLessThanOrEqual(width + 0.5);
  expect(box.y + box.height, `${what}: bottom edge`).toBeLessThanOrEqual(height + 0.5);
}

/** The page itself does not scroll, in either direction. */
async function noPageScroll(page: Page) {
  const m = await page.evaluate(() => ({ sh: document.scrollingElement!.scrollHeight, sw: document.scrollingElement!.scrollWidth, h: innerHeight, w: innerWidth, y: scrollY }));
  expect(m.sh, 'page height').toBeLessThanOrEqual(m.h);
  expect(m.sw, 'page width').toBeLessThanOrEqual(m.w);
  expect(m.y).toBe(0);
}

for (const [width, height] of [[1280, 720], [1920, 1080], [1024, 768]]) {
  test(`workspace at ${width} × ${height}: grid, head detail and every side panel on one screen; a toggle updates the delta without scrolling`, async ({ page }) => {
    await page.setViewportSize({ width, height });
    await page.goto('/?a=the+movie+was+not+good+,+but+the+actors+were+great+.&n=64');
    await ready(page);
    await noPageScroll(page);

    // Select a head, open the masking panel.
    const c = await cellCentre(page, 1, 2);
    await page.mouse.click(c.x, c.y);
    await expect(page.getByRole('heading', { name: 'Head 2-3' })).toBeVisible();
    await page.locator('button[name="panel-masking"]').click();
    await expect(page.getByTestId('masking-progress')).toContainText('baseline 64/64', { timeout: 120_000 });
    // A small sample by default; all of it one click away, with the time it would take at the speed just measured.
    await expect(page.locator('button[name="sample-size-all"]')).toHaveText(/^Use all 872 \(≈ (\d+ s|\d+ min( \d+ s)?)\)$/);
    const grid = page.getByTestId('attention-grid');
    const detail = page.getByTestId('head-detail');
    const scores = page.getByTestId('task-scores');
    for (const [what, el] of [['grid', grid], ['head detail', detail], ['score table', scores]] as const) await inViewport(page, el, what);
    await noPageScroll(page);

    // Switch head 4-1 off in the grid: the masked score and its delta appear, in view, with no scrolling.
    const off = await cellCentre(page, 3, 0);
    await page.keyboard.down('Shift');
    await page.mouse.click(off.x, off.y);
    await page.keyboard.up('Shift');
    await expect(page.getByTestId('mask-count')).toContainText('1 head and 0 layers off');
    await expect(page.getByTestId('status-mask')).toHaveText('1 head and 0 layers switched off (output zero)');
    await expect(page.getByTestId('masking-progress')).toContainText('masked 64/64', { timeout: 120_000 });
    await expect(page.getByTestId('score-delta')).toHaveText(/^[+-]\d\.\d{3} \[[+-]?\d\.\d{3}, [+-]?\d\.\d{3}\]$/);
    await inViewport(page, page.getByTestId('score-delta'), 'score delta');
    await inViewport(page, page.getByTestId('delta-card'), 'delta card with its legend');
    for (const [what, el] of [['grid', grid], ['head detail', detail], ['score table', scores]] as const) await inViewport(page, el, what);
    await noPageScroll(page);
    await page.screenshot({ path: `${ARTIFACTS}/workspace-${width}x${height}-mask.png` });
    // Switched back on (X on the focused grid's selection moves it to 4-1 first): the delta goes.
    await page.keyboard.down('Shift');
    await page.mouse.click(off.x, off.y);
    await page.keyboard.up('Shift');
    await expect(page.getByTestId('score-delta')).toHaveCount(0);
    await noPageScroll(page);

    // Every other side panel, with its results: in view beside the grid and the head.
    await page.locator('button[name="panel-patterns"]').click();
    await page.locator('button[name="analysis-run"]').click();
    await expect(page.getByTestId('analysis-summary')).toContainText('64 SST-2 dev examples', { timeout: 120_000 });
    const panels: [string, string][] = [['patterns', 'layer-shares'], ['special', 'special-sep'], ['drift', 'drift-table']];
    for (const [panel, content] of panels) {
      await page.locator(`button[name="panel-${panel}"]`).click();
      const el = page.getByTestId(content);
      await el.scrollIntoViewIfNeeded();
      for (const [what, x] of [['grid', grid], ['head detail', detail], [content, el]] as const) await inViewport(page, x, `${panel}: ${what}`);
      await noPageScroll(page);
      await page.screenshot({ path: `${ARTIFACTS}/workspace-${width}x${height}-${panel}.png` });
    }
    await page.locator('button[name="panel-sweep"]').click();
    await page.locator('select[name="sweep-kind"]').selectOption('layers');
    await expect(page.getByTestId('sweep-estimate')).toHaveText(new RegExp(`^${L + 1} runs of 64 examples: ≈ \\d+ (s|min)`));
    await page.locator('button[name="sweep-run"]').click();
    await expect(page.getByTestId('sweep-summary')).toContainText(`${L} runs`, { timeout: 120_000 });
    for (const [what, x] of [['grid', grid], ['head detail', detail], ['sweep map', page.getByTestId('sweep-map')]] as const) await inViewport(page, x, `sweep: ${what}`);
    await noPageScroll(page);
    await page.screenshot({ path: `${ARTIFACTS}/workspace-${width}x${height}-sweep.png` });

    // The side panel collapses, and the head detail takes the room.
    const before = (await detail.boundingBox())!;
    await page.locator('button[name="panel-collapse"]').click();
    await expect.poll(async () => (await page.locator('.pane-detail').boundingBox())!.width).toBeGreaterThan(before.width);
    await page.locator('button[name="panel-expand"]').click();
    await expect(page.getByTestId('sweep-map')).toBeVisible();
  });
}

test('the sentence box grows with its text (up to five lines, then it scrolls inside), and the page still does not scroll', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto('/');
  await ready(page);
  const box = page.locator('textarea[name="text-a"]');
  const oneLine = (await box.boundingBox())!.height;
  await box.fill('the movie was not good , but the actors were great . '.repeat(3));
  await expect.poll(async () => (await box.boundingBox())!.height).toBeGreaterThan(oneLine * 1.8);
  // All of a three-line text shows: nothing is cut off.
  expect(await box.evaluate((t: HTMLTextAreaElement) => t.scrollHeight - t.clientHeight)).toBeLessThanOrEqual(1);
  await box.fill('the movie was not good , but the actors were great . '.repeat(30));
  const tall = (await box.boundingBox())!.height;
  expect(tall).toBeLessThan(oneLine * 6);
  await noPageScroll(page);
  await gridIsDrawn(page, L, H);
});

test('with room under the grid, the hover card docks there instead of covering the maps', async ({ page }) => {
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.goto('/?head=2-2');
  await ready(page);
  const card = page.getByTestId('docked-card');
  await expect(card).toContainText(/selected2-2 · [^·]+ · max/);
  const c = await cellCentre(page, 0, 0);
  await page.mouse.move(c.x, c.y);
  await expect(page.getByRole('tooltip')).toContainText(/^1-1 · [^·]+ · max [01]\.\d\d · entropy \d\.\d\d/);
  await expect(card).toContainText('hovered');
  await expect(page.locator('.hover-card')).toHaveCount(0);
  const pane = (await page.locator('.pane-grid .pane-body').boundingBox())!;
  const box = (await card.boundingBox())!;
  expect(box.y + box.height).toBeLessThanOrEqual(pane.y + pane.height);
  const grid = (await page.getByTestId('attention-grid').boundingBox())!;
  expect(box.y).toBeGreaterThanOrEqual(grid.y + grid.height);
  await page.screenshot({ path: `${ARTIFACTS}/workspace-1920x1080-docked-card.png` });
});
