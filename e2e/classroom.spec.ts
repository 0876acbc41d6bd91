import { expect, test, type Page } from '@playwright/test';
import { ARTIFACTS, DEFAULT_MODEL } from './helpers';

// 40 words, each one token: 42 tokens with [CLS] and [SEP].
const FORTY = 'when the old bridge finally closed after the long winter , the people of the small town had to drive almost an hour around the frozen lake to reach the market every week , and many of them stopped going';

async function labelsOnScreen(page: Page) {
  const map = page.getByTestId('head-detail');
  await expect(map).toHaveAttribute('data-tokens', '42');
  await expect(map).toHaveAttribute('data-view', 'map');
  // The font the labels are drawn with, and that every token gets one (no thinning).
  const font = Number(await map.getAttribute('data-label-font'));
  expect(font).toBeGreaterThanOrEqual(18);
  await expect(map).toHaveAttribute('data-label-step', '1');
  // The canvas holds the map and its labels (the gutters): all of it on screen, and the page does not scroll.
  const box = (await map.boundingBox())!;
  const { width, height } = page.viewportSize()!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.y).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(width);
  expect(box.y + box.height).toBeLessThanOrEqual(height);
  expect(await page.evaluate(() => document.scrollingElement!.scrollHeight <= innerHeight)).toBe(true);
  // The drawn labels really are that size: a label's glyphs are taller than a smaller font's would be.
  const measured = await map.evaluate((c: HTMLCanvasElement) => {
    const ctx = c.getContext('2d')!;
    return Number(/(\d+(\.\d+)?)px/.exec(ctx.font)?.[1] ?? 0);
  });
  expect(measured).toBeGreaterThanOrEqual(18);
  return { font, box };
}

for (const [width, height] of [[1280, 720], [1920, 1080]]) {
  test(`classroom at ${width} × ${height}: the head map fills the height, with 18 px labels or more for a 40-token sentence`, async ({ page }) => {
    await page.setViewportSize({ width, height });
    await page.goto(`/?a=${encodeURIComponent(FORTY)}&classroom=1&head=2-2`);
    await expect(page.getByRole('heading', { name: 'Head 2-2' })).toBeVisible();
    const { box } = await labelsOnScreen(page);
    // The map uses the height it has: at least 80% of the screen below the title bar.
    expect(box.height).toBeGreaterThanOrEqual(0.8 * (height - 60));
    await page.screenshot({ path: `${ARTIFACTS}/classroom-${width}x${height}.png` });
    // Keyboard only: the next head, lines and back, the map stays on screen.
    await page.keyboard.press('ArrowDown');
    await expect(page.getByRole('heading', { name: 'Head 3-2' })).toBeVisible();
    await page.keyboard.press(']');
    await expect(page.getByRole('heading', { name: 'Head 3-3' })).toBeVisible();
    await page.keyboard.press('[');
    await expect(page.getByRole('heading', { name: 'Head 3-2' })).toBeVisible();
    await page.keyboard.press('l');
    await expect(page.getByTestId('head-detail')).toHaveAttribute('data-view', 'lines');
    await page.keyboard.press('l');
    await labelsOnScreen(page);
  });
}

test('classroom mode starts without old notices, and shows a loading state while the model loads', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto('/');
  await expect(page.getByTestId('model-info')).toContainText(DEFAULT_MODEL.text);
  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Link copied' })).toBeVisible();
  await page.getByRole('button', { name: 'Classroom mode' }).click();
  await expect(page.locator('.app.classroom')).toBeVisible();
  await expect(page.getByText('Link copied')).toHaveCount(0);

  // A fresh page whose model weights are held back: the classroom says it is loading, then shows the map.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  await context.route(/models\/micro-bert-sst2\/.*(onnx|safetensors)/, async (route) => {
    await held;
    await route.continue();
  });
  const fresh = await context.newPage();
  await fresh.setViewportSize({ width: 1280, height: 720 });
  await fresh.goto('/?classroom=1');
  await expect(fresh.getByTestId('classroom-loading')).toBeVisible();
  await expect(fresh.getByTestId('classroom-loading')).toContainText('Loading');
  await fresh.screenshot({ path: `${ARTIFACTS}/classroom-loading-1280x720.png` });
  release();
  await expect(fresh.getByTestId('head-detail')).toBeVisible();
  await expect(fresh.getByTestId('classroom-loading')).toHaveCount(0);
});

test('the workspace shows the grid’s shape and the download while a model loads, and keeps the page usable', async ({ page, context }) => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  await context.route(/models\/micro-bert-sst2\/.*(onnx|safetensors)/, async (route) => {
    await held;
    await route.continue();
  });
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto('/');
  await expect(page.getByTestId('grid-placeholder')).toBeVisible();
  await expect(page.getByTestId('grid-placeholder-status')).toContainText('Loading');
  await expect(page.getByTestId('panel-placeholder')).toBeVisible();
  await page.screenshot({ path: `${ARTIFACTS}/workspace-loading-1280x720.png` });
  // The sentence can be edited meanwhile.
  await page.locator('textarea[name="text-a"]').fill('typed while loading .');
  release();
  await expect(page.getByTestId('attention-grid')).toBeVisible();
  await expect(page.getByTestId('grid-placeholder')).toHaveCount(0);
  await expect(page.locator('.token-chips li').nth(1)).toHaveText('typed');
});
