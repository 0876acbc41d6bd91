// Crafted files, links and storage faults (issue 12): each must end in a message, with the app
// still usable and the previous model still working. The inputs are made here, by the tests.
import { expect, test, type Page } from '@playwright/test';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HUB } from '../playwright.config';
import { cellCentre, DEFAULT_MODEL, gridIsDrawn } from './helpers';

const BUNDLED = fileURLToPath(new URL('../public/models/micro-bert-sst2/', import.meta.url));

/** A copy of the bundled SST-2 model's checkpoint folder, with some files changed. */
function craftedFolder(name: string, change: Record<string, string>): string {
  const dir = join(mkdtempSync('/tmp/head-atlas-crafted-'), name);
  mkdirSync(dir);
  for (const file of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt']) {
    if (file in change) writeFileSync(join(dir, file), change[file]);
    else copyFileSync(join(BUNDLED, file), join(dir, file));
  }
  return dir;
}

const bundledConfig = () => JSON.parse(readFileSync(join(BUNDLED, 'config.json'), 'utf8'));

/** The default model is loaded and its grid drawn. */
async function defaultModelWorks(page: Page) {
  await expect(page.getByTestId('model-info')).toContainText(DEFAULT_MODEL.text);
  await gridIsDrawn(page, DEFAULT_MODEL.layers, DEFAULT_MODEL.heads);
}

test('a render error stays in its panel: the message is shown there and the rest of the app keeps working', async ({ page }) => {
  // Every stored result reads back as a damaged record (as another version or a crafted profile could leave).
  await page.addInitScript(() => {
    const get = IDBObjectStore.prototype.get;
    IDBObjectStore.prototype.get = function (this: IDBObjectStore, key: IDBValidKey | IDBKeyRange) {
      const request = get.call(this, key);
      if (this.name === 'results') Object.defineProperty(request, 'result', { get: () => ({ kind: 'heads', layers: 4, heads: 4, runs: 7, complete: false }) });
      return request;
    };
  });
  await page.goto('/?panel=sweep');
  await defaultModelWorks(page);
  const sweep = page.getByRole('region', { name: 'Ablation sweep' }).or(page.getByTestId('panel-error'));
  await expect(page.getByTestId('panel-error')).toContainText('The sweep panel failed to draw');
  await expect(sweep).toHaveCount(1);
  // The atlas still answers: another text runs and draws.
  await page.locator('textarea[name="text-a"]').fill('a fine film .');
  await expect(page.locator('.token-chips li')).toHaveCount(6);
  await gridIsDrawn(page, DEFAULT_MODEL.layers, DEFAULT_MODEL.heads);
  await page.getByRole('tab', { name: 'Special' }).click();
  await expect(page.getByTestId('panel-error')).toHaveCount(0);
});

test('a config claiming 1e8 or 2^32 labels neither crashes nor blanks the app', async ({ page }) => {
  await page.goto('/?panel=masking');
  await defaultModelWorks(page);
  await page.locator('select[name="format"]').selectOption('safetensors');
  for (const [name, count] of [['many-labels', 1e8], ['most-labels', 2 ** 32]] as const) {
    const config = { ...bundledConfig(), num_labels: count };
    delete config.id2label;
    delete config.label2id;
    await page.locator('input[name="folder"]').setInputFiles(craftedFolder(name, { 'config.json': JSON.stringify(config) }));
    // Either the engine refuses the config, or the model loads and the panel says it does not fit the task.
    const loaded = page.getByTestId('model-info').filter({ hasText: name });
    const refused = page.getByRole('alert').filter({ hasText: new RegExp(`${name}.*(label|output)|(label|output).*${count}`, 'i') });
    await expect(loaded.or(refused).first()).toBeVisible();
    if (await loaded.count()) await expect(page.getByRole('region', { name: 'Task scores with heads switched off' })).toContainText(`${count} output(s); SST-2 needs 2`);
    await expect(page.getByTestId('panel-error')).toHaveCount(0);
    await gridIsDrawn(page, DEFAULT_MODEL.layers, DEFAULT_MODEL.heads);
    await expect(page.getByRole('tab', { name: 'Mask' })).toBeVisible();
  }
});

test('a 300-byte sweep file of 20000 × 20000 heads, by link or Import, is refused at once; one of another shape is not drawn', async ({ page }) => {
  const sweep = (layers: number, heads: number) =>
    JSON.stringify({ format: 'head-atlas-sweep', version: 1, model: 'm', revision: null, task: 'sst2', metric: 'accuracy', sample: { size: 1, first: true }, mode: 'zero', kind: 'heads', layers, heads, baseline: { score: 0.5 }, runs: [], complete: false, createdWith: 'browser' });
  expect(sweep(20000, 20000).length).toBeLessThan(300);
  await page.route('**/crafted-sweep.json', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: sweep(20000, 20000) }));
  await page.goto('/?panel=sweep&sweep=crafted-sweep.json');
  await expect(page.getByRole('alert').filter({ hasText: 'crafted-sweep.json' })).toContainText('"layers" is 20000, not a whole number from 1 to 128');
  await defaultModelWorks(page);
  const imports = page.locator('input[name="sweep-import"]');
  await imports.setInputFiles({ name: 'big.json', mimeType: 'application/json', buffer: Buffer.from(sweep(12, 2000)) });
  await expect(page.getByRole('alert').filter({ hasText: 'big.json' })).toContainText('"heads" is 2000');
  await imports.setInputFiles({ name: 'base.json', mimeType: 'application/json', buffer: Buffer.from(sweep(12, 12)) });
  await expect(page.getByRole('alert').filter({ hasText: 'base.json' })).toContainText(`it is a sweep of a model with 12 layers × 12 heads; the loaded model has ${DEFAULT_MODEL.layers} × ${DEFAULT_MODEL.heads}`);
  await expect(page.getByTestId('sweep-map')).toHaveCount(0);
  // The page still answers.
  await page.locator('textarea[name="text-a"]').fill('a fine film .');
  await expect(page.locator('.token-chips li')).toHaveCount(6);
});

test('a tokenizer whose regex backtracks for hours: the worker is restarted, and the model before it is loaded again and works', async ({ page }) => {
  const tokenizer = JSON.parse(readFileSync(join(BUNDLED, 'tokenizer.json'), 'utf8'));
  // (a+)+$ on "aaaa…b" backtracks 2^n times: 40 a's would take days.
  tokenizer.pre_tokenizer = { type: 'Split', pattern: { Regex: '(a+)+$' }, behavior: 'Isolated', invert: false };
  const folder = craftedFolder('evil-tokenizer', { 'tokenizer.json': JSON.stringify(tokenizer) });
  await page.goto('/');
  await defaultModelWorks(page);
  await page.locator('select[name="format"]').selectOption('safetensors');
  await page.locator('input[name="folder"]').setInputFiles(folder);
  await expect(page.getByTestId('model-info')).toContainText('evil-tokenizer');
  await gridIsDrawn(page, DEFAULT_MODEL.layers, DEFAULT_MODEL.heads);
  await page.locator('textarea[name="text-a"]').fill(`${'a'.repeat(40)}b`);
  await expect(page.getByRole('alert').filter({ hasText: 'evil-tokenizer' })).toContainText(
    /evil-tokenizer \(a run\) did not answer within \d+ s; the engine was restarted and bundled:micro-bert-sst2 reloaded\./,
    { timeout: 120_000 },
  );
  // The model before it works again, on the very text that hung the other.
  await expect(page.getByTestId('model-info')).toContainText(DEFAULT_MODEL.text);
  await gridIsDrawn(page, DEFAULT_MODEL.layers, DEFAULT_MODEL.heads);
  await expect(page.locator('.token-chips li').first()).toHaveText('[CLS]');
  await page.locator('textarea[name="text-a"]').fill('a fine film .');
  await expect(page.locator('.token-chips li')).toHaveCount(6);
});

test('leaving the masking panel and coming back: a new masked evaluation runs to the end (job ids are never reused)', async ({ page }) => {
  await page.goto('/?panel=masking&n=32');
  await defaultModelWorks(page);
  const progress = page.getByTestId('masking-progress');
  await expect(progress).toContainText('baseline 32/32');
  const switchOff = async (layer: number, head: number) => {
    const at = await cellCentre(page, layer, head);
    await page.keyboard.down('Shift');
    await page.mouse.click(at.x, at.y);
    await page.keyboard.up('Shift');
  };
  await switchOff(3, 0);
  await expect(progress).toContainText('masked 32/32');
  // Away and back, with another mask: the panel's new jobs must not inherit the old ones' cancels.
  await page.getByRole('tab', { name: 'Types' }).click();
  await expect(progress).toHaveCount(0);
  await switchOff(2, 1);
  await expect(page.getByTestId('mask-count')).toContainText('2 heads and 0 layers off');
  await page.getByRole('tab', { name: 'Mask' }).click();
  await expect(progress).toContainText('masked 32/32');
  await expect(page.getByTestId('masked-score')).toBeVisible();
});

test('where the browser cannot store results, the scores and sweep stay on the page, and the user is told once', async ({ page }) => {
  await page.addInitScript(() => {
    IDBFactory.prototype.open = () => {
      throw new DOMException('IndexedDB is blocked here', 'SecurityError');
    };
  });
  await page.goto('/?panel=masking&n=32');
  await defaultModelWorks(page);
  await expect(page.getByTestId('masking-progress')).toContainText('baseline 32/32');
  const unsaved = page.getByRole('alert').filter({ hasText: 'Results could not be saved in this browser' });
  await expect(unsaved).toHaveCount(1);
  await expect(unsaved).toContainText('IndexedDB is blocked here');
  await page.getByRole('tab', { name: 'Sweep' }).click();
  await page.locator('button[name="sweep-run"]').click();
  await expect(page.getByTestId('sweep-progress')).toContainText(/^[4-9] of 17 runs/);
  await page.locator('button[name="sweep-pause"]').click();
  await expect(page.getByTestId('sweep-map').locator('td:not([data-value=""])')).not.toHaveCount(0);
  await expect(unsaved).toHaveCount(1);
});

test('two tabs running one sweep keep both tabs’ runs (each save merges with the stored copy in one transaction)', async ({ context }) => {
  const first = await context.newPage();
  const second = await context.newPage();
  for (const p of [first, second]) {
    // 200 examples a run: the first tab is still running when the test pauses it.
    await p.goto('/?panel=sweep&n=200');
    await expect(p.getByTestId('model-info')).toContainText(DEFAULT_MODEL.text);
    await expect(p.locator('button[name="sweep-run"]')).toHaveText('Run sweep');
  }
  const done = (p: Page) => p.getByTestId('sweep-map').locator('td:not([data-value=""])');
  // The first tab gets well ahead, then pauses.
  await first.locator('button[name="sweep-run"]').click();
  await expect(first.getByTestId('sweep-progress')).toContainText(/^(9|1[0-4]) of 17 runs/, { timeout: 120_000 });
  await first.locator('button[name="sweep-pause"]').click();
  await expect(first.locator('button[name="sweep-run"]')).toBeVisible();
  const firstRuns = await done(first).count();
  expect(firstRuns).toBeGreaterThanOrEqual(8);
  // The second tab read the store before any of that, so it starts the sweep afresh.
  await second.locator('button[name="sweep-run"]').click();
  await expect(second.getByTestId('sweep-progress')).toContainText(/^[3-9] of 17 runs/);
  await second.locator('button[name="sweep-pause"]').click();
  await expect(second.locator('button[name="sweep-run"]')).toBeVisible();
  // Nothing the first tab ran is lost.
  await second.reload();
  await expect(second.locator('button[name="sweep-run"]')).toHaveText(/Resume sweep|Run again/);
  expect(await done(second).count()).toBeGreaterThanOrEqual(firstRuns);
});

test('a link whose model cannot be loaded (unreachable host, bad id) opens the bundled default instead, and says so', async ({ page }) => {
  for (const link of ['/?model=head-atlas/tiny-bert&hub=http://127.0.0.1:9', '/?model=bundled:.', `/?model=head-atlas/no-such-model&hub=${HUB}`]) {
    await page.goto(link);
    // A name that cannot be a model at all (bundled:.) is refused as the link is read; the others fail to load.
    await expect(page.getByRole('status').filter({ hasText: /could not be loaded; showing bundled:micro-bert-sst2 instead|The link's "model" value was not understood/ })).toBeVisible();
    await defaultModelWorks(page);
    await expect(page).toHaveURL(/^(?!.*model=)/);
  }
});

test('a long text stays in the link, compressed, and opens again; one too long to keep is left out, and Copy link warns', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const dev = readFileSync(fileURLToPath(new URL('../public/data/sst2/dev.tsv', import.meta.url)), 'utf8');
  const long = dev.split('\n').slice(1).map((l) => l.split('\t')[0]).join(' ').slice(0, 4500);
  await page.goto('/');
  await defaultModelWorks(page);
  await page.locator('textarea[name="text-a"]').fill(long);
  await expect(page).toHaveURL(/az=/);
  expect(page.url().length).toBeLessThan(8000);
  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Link copied' }).last()).toContainText('Link copied: it opens this exact view.');
  const link = await page.evaluate(() => navigator.clipboard.readText());
  await page.goto(link);
  await expect(page.locator('textarea[name="text-a"]')).toHaveValue(long);
  await expect(page.locator('.truncation')).toBeVisible();

  // 4000 random CJK characters do not compress: the link leaves them out and says so.
  let seed = 7;
  const cjk = Array.from({ length: 4000 }, () => String.fromCharCode(0x4e00 + ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 20000))).join('');
  await page.locator('textarea[name="text-a"]').fill(cjk);
  await expect(page).toHaveURL(/cut=a/);
  expect(page.url().length).toBeLessThan(8000);
  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Link copied' }).last()).toContainText('Link copied, but without sentence A: too long to keep in a link even compressed');
  await page.goto(await page.evaluate(() => navigator.clipboard.readText()));
  await expect(page.getByRole('status').filter({ hasText: 'The sentence A of this view was too long to keep in its link' })).toBeVisible();
});
