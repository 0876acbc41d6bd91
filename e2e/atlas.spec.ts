import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { ARTIFACTS, cellCentre, DEFAULT_MODEL, gridIsDrawn, openMenuOf } from './helpers';

const { layers: L, heads: H } = DEFAULT_MODEL;

async function ready(page: Page) {
  await expect(page.getByTestId('model-info')).toContainText(DEFAULT_MODEL.text);
  await gridIsDrawn(page, L, H);
}

const param = (page: Page, key: string) => new URL(page.url()).searchParams.get(key);

test('type a sentence pair, pick heads by click and arrow keys, and the link restores the view', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('/');
  await ready(page);
  await page.locator('textarea[name="text-a"]').fill('the dog chased the ball .');
  await page.locator('textarea[name="text-b"]').fill('a pet ran after a toy .');
  await expect(page.locator('.token-chips li.segment-1').first()).toHaveText('a');
  await gridIsDrawn(page, L, H);

  // Click opens a head; arrow keys move the selection; the URL follows.
  const c = await cellCentre(page, 1, 1);
  await page.mouse.click(c.x, c.y);
  await expect(page.getByRole('heading', { name: 'Head 2-2' })).toBeVisible();
  expect(param(page, 'head')).toBe('2-2');
  await page.locator('.grid-canvases').focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  await expect(page.getByRole('heading', { name: 'Head 3-3' })).toBeVisible();
  expect(param(page, 'head')).toBe('3-3');
  // X disables the selected head; the grid crosses it out and the link carries a short bitset.
  await page.keyboard.press('x');
  await expect(page.getByTestId('mask-count')).toContainText('1 head and 0 layers off');
  expect(param(page, 'mask')).toMatch(new RegExp(`^${L}x${H}\\.[A-Za-z0-9_-]+$`));
  await page.locator('select[name="view"]').selectOption('lines');
  await page.locator('input[name="hide-cls"]').check();
  await page.screenshot({ path: `${ARTIFACTS}/atlas-detail-lines.png`, fullPage: true });

  const link = page.url();
  await page.getByRole('button', { name: 'Copy link' }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);

  const check = async (p: Page) => {
    await expect(p.getByRole('heading', { name: 'Head 3-3' })).toBeVisible();
    await expect(p.locator('textarea[name="text-a"]')).toHaveValue('the dog chased the ball .');
    await expect(p.locator('textarea[name="text-b"]')).toHaveValue('a pet ran after a toy .');
    await expect(p.getByTestId('mask-count')).toContainText('1 head and 0 layers off');
    await expect(p.locator('select[name="view"]')).toHaveValue('lines');
    await expect(p.locator('input[name="hide-cls"]')).toBeChecked();
    await expect(p.getByTestId('head-detail')).toHaveAttribute('data-view', 'lines');
  };
  await page.reload();
  await check(page);
  const fresh = await context.newPage();
  await fresh.goto(link);
  await check(fresh);
  expect(fresh.url()).toBe(link);
});

test('head detail: labels, hover weights, hidden special tokens, lines view, aggregations', async ({ page }) => {
  await page.goto('/?a=the+cat+sat+on+the+mat+.&head=1-1');
  await ready(page);
  const detail = page.getByTestId('head-detail');
  await expect(detail).toHaveAttribute('data-tokens', '9');
  // Hovering a cell shows its weight, the from and to tokens.
  await page.getByTestId('detail-overlay').scrollIntoViewIfNeeded();
  const box = (await page.getByTestId('detail-overlay').boundingBox())!;
  await page.mouse.move(box.x + box.width - 5, box.y + box.height - 5);
  await expect(page.getByTestId('cell-tooltip')).toContainText(/\[SEP\] → itself: \d\.\d{4}/);
  await page.screenshot({ path: `${ARTIFACTS}/atlas-detail.png`, fullPage: true });

  await page.locator('input[name="hide-cls"]').check();
  await page.locator('input[name="hide-sep"]').check();
  await expect(detail).toHaveAttribute('data-tokens', '7');
  await expect(page.getByTestId('row-sums')).toContainText('not renormalised');
  await page.locator('input[name="renormalise"]').check();
  await expect(page.getByTestId('row-sums')).toContainText('renormalised to sum to 1');
  expect(param(page, 'hide')).toBe('cls,sep');
  expect(param(page, 'renorm')).toBe('1');

  await page.locator('select[name="aggregation"]').selectOption('layer');
  await expect(page.getByRole('heading', { name: 'Layer 1, mean of its heads' })).toBeVisible();
  await page.locator('select[name="aggregation"]').selectOption('all');
  await expect(page.getByRole('heading', { name: 'Mean of all heads' })).toBeVisible();
  await page.locator('select[name="view"]').selectOption('lines');
  await expect(detail).toHaveAttribute('data-view', 'lines');
});

test('exports: PNG, SVG, CSV and JSON of the head, PNG and SVG of the grid', async ({ page }) => {
  await page.goto('/?a=the+cat+sat+on+the+mat+.&head=2-1');
  await ready(page);
  const save = async (name: string) => {
    await openMenuOf(page, name);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`button[name="${name}"]`).click()]);
    const path = await download.path();
    return { file: download.suggestedFilename(), bytes: readFileSync(path) };
  };
  const png = await save('export-head-png');
  expect(png.file).toMatch(/_L2-H1_attention\.png$/);
  expect(png.bytes.subarray(1, 4).toString()).toBe('PNG');
  const svg = await save('export-head-svg');
  expect(svg.bytes.toString()).toMatch(/^<svg|^<\?xml/);
  expect((svg.bytes.toString().match(/<rect /g) ?? []).length).toBeGreaterThanOrEqual(9 * 9);
  const csv = (await save('export-head-csv')).bytes.toString().trim().split(/\r?\n/);
  expect(csv).toHaveLength(10);
  expect(csv[1].split(',')).toHaveLength(10);
  const json = JSON.parse((await save('export-head-json')).bytes.toString());
  expect(json.tokens).toEqual(['[CLS]', 'the', 'cat', 'sat', 'on', 'the', 'mat', '.', '[SEP]']);
  expect(json.layer).toBe(2);
  expect(json.head).toBe(1);
  expect(json.matrix).toHaveLength(9);
  for (const row of json.matrix) expect(row.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 4);
  const gridPng = await save('export-grid-png');
  expect(gridPng.bytes.subarray(1, 4).toString()).toBe('PNG');
  const gridSvg = (await save('export-grid-svg')).bytes.toString();
  expect((gridSvg.match(/<image /g) ?? []).length).toBe(L * H);
});

test('classroom mode: large layout, keyboard only, kept in the link and across a reload', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto('/?a=the+teacher+explained+the+lesson+to+the+class+.');
  await ready(page);
  await page.getByRole('button', { name: 'Classroom mode' }).click();
  await expect(page.locator('.app.classroom')).toBeVisible();
  await expect(page.locator('textarea[name="text-a"]')).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Head 1-1' })).toBeVisible();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('heading', { name: 'Head 2-2' })).toBeVisible();
  await page.keyboard.press('l');
  await expect(page.getByTestId('head-detail')).toHaveAttribute('data-view', 'lines');
  await page.keyboard.press('l');
  expect(param(page, 'classroom')).toBe('1');
  await page.reload();
  await expect(page.locator('.app.classroom')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Head 2-2' })).toBeVisible();
  // The head is readable on a 1280 × 720 projector: the map and its labels are on screen (see classroom.spec.ts for sizes).
  const detail = (await page.getByTestId('head-detail').boundingBox())!;
  expect(detail.x + detail.width).toBeLessThanOrEqual(1280);
  expect(detail.y + detail.height).toBeLessThanOrEqual(720);
  await page.screenshot({ path: `${ARTIFACTS}/atlas-classroom.png` });
  await page.keyboard.press('Escape');
  await expect(page.locator('.app.classroom')).toHaveCount(0);
  expect(param(page, 'classroom')).toBeNull();
});

test('malformed and hostile permalinks are reported, replaced by defaults, and never run markup', async ({ page }) => {
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs++;
    void d.dismiss();
  });
  const links = [
    '?head=99-99&mask=12x12.AQ&layers-off=40',
    '?head=%3Cscript%3Ealert(1)%3C%2Fscript%3E&view=%3Cimg%20src%3Dx%20onerror%3Dalert(2)%3E&agg=1e999&n=-5&classroom=yes',
    `?mask=${L}x${H}.%2F%2F%2F&hide=cls,%3Cb%3E&renorm=2&panel=__proto__&task=constructor`,
    `?mask=${L}x${H}&a=${encodeURIComponent('<img src=x onerror=alert(3)>')}&b=${encodeURIComponent('"><svg onload=alert(4)>')}`,
    '?n=99999999999999999999&head=0-0&layers-off=,,,&mode=off',
  ];
  for (const link of links) {
    await page.goto(`/${link}`);
    await ready(page);
    await expect(page.getByRole('status').first()).toBeVisible();
    expect(await page.locator('img[src="x"], svg[onload]').count()).toBe(0);
  }
  // Values that only the loaded model can check (a head or mask of another shape) are reported once it loads.
  await page.goto('/?head=99-99&mask=12x12.AQ');
  await ready(page);
  await expect(page.getByRole('status').filter({ hasText: 'selects head 99-99' })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'head mask is for 12 × 12' })).toBeVisible();
  expect(param(page, 'head')).toBeNull();
  expect(param(page, 'mask')).toBeNull();
  expect(dialogs).toBe(0);
});

test('a grid cell hover shows the head summary, and disabled heads change the run', async ({ page }) => {
  await page.goto('/?a=the+cat+sat+on+the+mat+.');
  await ready(page);
  const c = await cellCentre(page, 0, 0);
  await page.mouse.move(c.x, c.y);
  // The head's type on this sentence with its evidence in words, then its numbers.
  await expect(page.getByRole('tooltip')).toContainText(/^1-1 · (vertical|diagonal|vertical\+diagonal|block|heterogeneous)\b[^·]* · max [01]\.\d\d · entropy \d\.\d\d · to \[CLS\]/);
  const before = await page.getByTestId('attention-grid').evaluate((c: HTMLCanvasElement) => c.toDataURL());
  await page.keyboard.down('Shift');
  await page.mouse.click(c.x, c.y);
  await page.keyboard.up('Shift');
  await expect(page.getByTestId('mask-count')).toContainText('1 head and 0 layers off');
  // Head 1-1 is zeroed, so its cell (and what later layers see) changes.
  await expect.poll(() => page.getByTestId('attention-grid').evaluate((c: HTMLCanvasElement) => c.toDataURL())).not.toBe(before);
  await page.getByRole('button', { name: 'Turn all back on' }).click();
  await expect(page.getByTestId('mask-count')).toContainText('0 heads and 0 layers off');
});
