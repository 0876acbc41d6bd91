import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { HUB } from '../playwright.config';
import { ARTIFACTS, DEFAULT_MODEL, openPatternCard } from './helpers';

const { layers: L, heads: H } = DEFAULT_MODEL;

test('pattern types, special tokens and drift on the embedded pair over 64 SST-2 examples; a reload shows them without recomputing', async ({ page }) => {
  await page.goto('/?panel=patterns&n=64&base=bundled:micro-bert');
  await expect(page.getByTestId('model-info')).toContainText(DEFAULT_MODEL.text);
  await page.locator('button[name="analysis-run"]').click();
  await expect(page.getByTestId('analysis-summary')).toContainText('64 SST-2 dev examples, drift against bundled:micro-bert', { timeout: 120_000 });
  await expect(page.locator('button[name="analysis-run"]')).toHaveText('Run again', { timeout: 120_000 });

  // Fig. 2: each layer's shares of the five types sum to 1.
  const sums = await page.getByTestId('layer-shares').locator('tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-sum'))));
  expect(sums).toHaveLength(L);
  for (const s of sums) expect(s).toBeCloseTo(1, 9);
  // Clicking a type highlights its heads in the grid (the overlay changes).
  const overlay = () => page.getByTestId('grid-overlay').evaluate((c: HTMLCanvasElement) => c.toDataURL());
  const before = await overlay();
  const heterogeneous = page.locator('button[name="type-heterogeneous"]');
  await heterogeneous.click();
  await expect(heterogeneous).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(overlay).not.toBe(before);
  await page.screenshot({ path: `${ARTIFACTS}/analyses-patterns.png`, fullPage: true });

  // Fig. 6: attention to [SEP], per layer × head and per layer.
  await page.locator('button[name="panel-special"]').click();
  const sep = page.getByTestId('special-sep');
  await expect(sep.locator('tbody tr')).toHaveCount(L);
  await expect(page.getByTestId('special-curves').locator('g[data-series="[SEP]"] circle')).toHaveCount(L);
  await expect(page.getByTestId('cls-row').locator('tbody tr')).toHaveCount(H);
  await page.screenshot({ path: `${ARTIFACTS}/analyses-special.png`, fullPage: true });

  // Fig. 5: drift cosine per head, in [0, 1].
  await page.locator('button[name="panel-drift"]').click();
  const drift = await page.getByTestId('drift-table').locator('td').evaluateAll((cells) => cells.map((c) => Number(c.getAttribute('data-value'))));
  expect(drift).toHaveLength(L * H);
  for (const v of drift) {
    expect(v).toBeGreaterThanOrEqual(0);
    expect(v).toBeLessThanOrEqual(1);
  }
  await page.screenshot({ path: `${ARTIFACTS}/analyses-drift.png`, fullPage: true });

  // Exports.
  const [json] = await Promise.all([page.waitForEvent('download'), page.locator('button[name="analysis-export-json"]').click()]);
  const exported = JSON.parse(readFileSync(await json.path(), 'utf8'));
  expect(exported.sample).toBe(64);
  expect(exported.drift.mean).toHaveLength(L);

  // A reload: the stored results show, and no analysis runs.
  await page.reload();
  await expect(page.getByTestId('drift-table')).toBeVisible();
  await expect(page.getByTestId('analysis-progress')).toHaveCount(0);
  expect(await page.getByTestId('drift-table').locator('td').evaluateAll((cells) => cells.map((c) => Number(c.getAttribute('data-value'))))).toEqual(drift);
});

test('drift between models of different shapes is refused with the reason', async ({ page }) => {
  await page.goto(`/?panel=drift&n=16&base=head-atlas/tiny-bert&hub=${encodeURIComponent(HUB)}`);
  await expect(page.getByTestId('model-info')).toContainText(DEFAULT_MODEL.text);
  await page.locator('button[name="analysis-run"]').click();
  await expect(page.getByRole('alert').last()).toContainText('cannot be compared head by head');
  await expect(page.getByTestId('model-info')).toContainText(DEFAULT_MODEL.text);
});

test('a head’s pattern type with its features; the user’s labels persist, export, import, and fit a classifier', async ({ page, browser }) => {
  await page.goto('/?a=the+cat+sat+on+the+mat+.&head=1-1');
  await expect(page.getByTestId('model-info')).toContainText(DEFAULT_MODEL.text);
  await expect(page.getByTestId('pattern-type')).toHaveText(/^(vertical|diagonal|vertical\+diagonal|block|heterogeneous)$/);
  await expect(page.getByTestId('pattern-card')).toContainText('default classifier');
  await expect(page.getByTestId('pattern-card')).toContainText('explained by columns');
  // The evidence in words, for the type shown: "diagonal: 71% of attention on the token 2 back".
  const shownType = await page.getByTestId('pattern-type').textContent();
  await expect(page.getByTestId('pattern-evidence')).toHaveText(new RegExp(`^${shownType!.replace('+', '\\+')}: .*\\d+%`));
  await expect(page.getByTestId('pattern-rules')).toContainText('The rules say');
  const labelAs = async (head: string, type: string) => {
    await page.goto(`/?a=the+cat+sat+on+the+mat+.&head=${head}`);
    await openPatternCard(page);
    await page.locator('select[name="pattern-label"]').selectOption(type);
    // Stored before the next navigation.
    await expect(page.getByTestId('label-count')).toHaveAttribute('aria-busy', 'false');
  };
  await labelAs('1-1', 'vertical');
  await labelAs('1-2', 'diagonal');
  await labelAs('2-1', 'vertical');
  await labelAs('2-2', 'diagonal');
  await page.reload();
  await openPatternCard(page);
  await expect(page.getByTestId('label-count')).toHaveText('4 labels');
  await expect(page.locator('select[name="pattern-label"]')).toHaveValue('diagonal');
  await page.locator('button[name="fit-classifier"]').click();
  await expect(page.getByTestId('cv-accuracy')).toContainText(/Fitted on 4 labels; \d-fold cross-validated accuracy \d+\.\d%/);
  await expect(page.getByTestId('pattern-card')).toContainText('your fitted classifier');
  await expect(page).toHaveURL(/classifier=user/);
  const [classifierFile] = await Promise.all([page.waitForEvent('download'), page.locator('button[name="classifier-export"]').click()]);
  const classifierPath = await classifierFile.path();
  expect(JSON.parse(readFileSync(classifierPath, 'utf8')).format).toBe('head-atlas-pattern-model');

  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('button[name="labels-export"]').click()]);
  const file = await download.path();
  expect(JSON.parse(readFileSync(file, 'utf8')).labels).toHaveLength(4);
  // Another browser profile (empty IndexedDB) imports them.
  const other = await browser.newContext();
  const fresh = await other.newPage();
  await fresh.goto('/?head=1-1');
  await openPatternCard(fresh);
  await expect(fresh.getByTestId('label-count')).toHaveText('0 labels');
  await fresh.locator('input[name="labels-import"]').setInputFiles(file);
  await expect(fresh.getByTestId('label-count')).toHaveText('4 labels');
  // A corrupt labels file is refused with a message, and the labels stay.
  await fresh.locator('input[name="labels-import"]').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"format":"head-atlas-pattern-labels","version":1,"labels":[{"type":"diagonl"}]}') });
  await expect(fresh.getByRole('alert').last()).toContainText('bad.json');
  await expect(fresh.getByTestId('label-count')).toHaveText('4 labels');
  // The exported classifier loads in the other profile; a link asking for it there said so before.
  await fresh.goto('/?head=1-1&classifier=user');
  await expect(fresh.getByTestId('pattern-card')).toContainText('which this browser does not have');
  await fresh.locator('input[name="classifier-import"]').setInputFiles(classifierPath);
  await expect(fresh.getByTestId('pattern-card')).toContainText('your fitted classifier');
  await expect(fresh.getByTestId('pattern-card')).not.toContainText('which this browser does not have');
  await other.close();
});

test('labels made in two tabs are both kept: each change is made to the stored list, not to a tab’s copy', async ({ context }) => {
  const first = await context.newPage();
  const second = await context.newPage();
  await first.goto('/?a=the+cat+sat+on+the+mat+.&head=1-1');
  await second.goto('/?a=the+cat+sat+on+the+mat+.&head=1-2');
  for (const tab of [first, second]) {
    await openPatternCard(tab);
    await expect(tab.getByTestId('label-count')).toHaveText('0 labels');
  }
  await first.locator('select[name="pattern-label"]').selectOption('vertical');
  await expect(first.getByTestId('label-count')).toHaveText('1 label');
  // The second tab read an empty list; its change must not drop the first tab's label.
  await second.locator('select[name="pattern-label"]').selectOption('diagonal');
  await expect(second.getByTestId('label-count')).toHaveText('2 labels');
  await expect(second.getByTestId('label-count')).toHaveAttribute('aria-busy', 'false');
  await first.reload();
  await openPatternCard(first);
  await expect(first.getByTestId('label-count')).toHaveText('2 labels');
  await expect(first.locator('select[name="pattern-label"]')).toHaveValue('vertical');
});

test('where the browser cannot store labels, a label still counts on the page, and the user is told once', async ({ page }) => {
  await page.addInitScript(() => {
    IDBFactory.prototype.open = () => {
      throw new DOMException('IndexedDB is blocked here', 'SecurityError');
    };
  });
  await page.goto('/?a=the+cat+sat+on+the+mat+.&head=1-1');
  await openPatternCard(page);
  await expect(page.getByTestId('label-count')).toHaveText('0 labels');
  await page.locator('select[name="pattern-label"]').selectOption('vertical');
  await expect(page.getByRole('alert').last()).toContainText('could not be saved in this browser');
  await expect(page.getByTestId('label-count')).toHaveText('1 label');
  await expect(page.getByTestId('label-count')).toHaveAttribute('aria-busy', 'false');
  await page.locator('select[name="pattern-label"]').selectOption('diagonal');
  await expect(page.locator('select[name="pattern-label"]')).toHaveValue('diagonal');
  await expect(page.getByTestId('label-count')).toHaveAttribute('aria-busy', 'false');
  await expect(page.getByRole('alert').filter({ hasText: 'could not be saved' })).toHaveCount(1);
  // Nothing was stored, as the message said.
  await page.goto('/?a=the+cat+sat+on+the+mat+.&head=1-2');
  await openPatternCard(page);
  await expect(page.getByTestId('label-count')).toHaveText('0 labels');
  await expect(page.getByTestId('model-info')).toContainText(DEFAULT_MODEL.text);
});
