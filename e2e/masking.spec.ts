import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { DEFAULT_MODEL, ARTIFACTS } from './helpers';

// The embedded SST-2 model's card: what the app's own evaluation must reproduce.
const card = JSON.parse(readFileSync(new URL('../public/models/micro-bert-sst2/metrics.json', import.meta.url), 'utf8'));
const { layers: L, heads: H } = DEFAULT_MODEL;

/** The run a sweep in progress is on ("n of N runs"), or 0 when none is shown. */
const runsShown = async (page: Page) => Number(/^(\d+) of/.exec((await page.getByTestId('sweep-progress').textContent({ timeout: 1000 }).catch(() => null)) ?? '')?.[1] ?? 0);

test('live masking: the baseline equals the model card, and switching off the last layer’s heads moves the score', async ({ page }) => {
  await page.goto('/?panel=masking&n=0');
  await expect(page.getByTestId('model-info')).toContainText(DEFAULT_MODEL.text);
  const scores = page.getByTestId('task-scores');
  await expect(page.getByTestId('masking-progress')).toContainText(`baseline ${card.examples}/${card.examples}`, { timeout: 120_000 });
  await expect(scores).toContainText(`${card.examples} of ${card.examples} examples`);
  await expect(page.getByTestId('baseline-score')).toHaveText(card.accuracy.toFixed(3));

  // Every head of the last layer attending uniformly, through the link's bitset: bits (L-1)·H … L·H-1.
  // (Zeroed, the embedded model flips 42 predictions each way evenly, so its accuracy stays put.)
  const bits: number[] = Array.from({ length: L * H }, (_, i) => (i >= (L - 1) * H ? 1 : 0));
  const bytes = Array.from({ length: Math.ceil(bits.length / 8) }, (_, b) => bits.slice(b * 8, b * 8 + 8).reduce((v, bit, k) => v | (bit << k), 0));
  const mask = `${L}x${H}.${Buffer.from(bytes).toString('base64url')}`;
  await page.goto(`/?panel=masking&n=0&mode=uniform&mask=${mask}`);
  await expect(page.getByTestId('mask-count')).toContainText(`${H} heads and 0 layers off`);
  await expect(page.getByTestId('masking-progress')).toContainText(`masked ${card.examples}/${card.examples}`, { timeout: 120_000 });
  const delta = await page.getByTestId('score-delta').textContent();
  expect(delta).toMatch(/^[+-]\d\.\d{3} \[[+-]?\d\.\d{3}, [+-]?\d\.\d{3}\]$/);
  expect(await page.getByTestId('masked-score').textContent()).not.toBe(card.accuracy.toFixed(3));
  await expect(page.getByTestId('flipped-count')).toContainText(/\d+ predictions? flipped/);
  await page.screenshot({ path: `${ARTIFACTS}/masking-panel.png`, fullPage: true });

  // A flipped example opens in the atlas.
  await page.getByTestId('flipped-count').click();
  const first = page.locator('.flipped li button').first();
  const text = (await first.textContent())!.replace(/^#\d+: /, '');
  await first.click();
  await expect(page.locator('textarea[name="text-a"]')).toHaveValue(text.split(' / ')[0]);

  // A reload shows the stored scores at once (IndexedDB), without evaluating again.
  await page.goto(`/?panel=masking&n=0&mode=uniform&mask=${mask}`);
  await expect(page.getByTestId('masking-progress')).toContainText(`masked ${card.examples}/${card.examples}`);
  await expect(page.getByTestId('score-delta')).toHaveText(delta!);
});

test('a head sweep pauses, survives a reload, resumes, completes with layers × heads cells, and its exported JSON imports to the same map', async ({ page }) => {
  test.slow();
  // 200 examples: slow enough to reload in the middle of, fast enough on a busy machine.
  await page.goto('/?panel=sweep&n=200');
  await expect(page.getByTestId('model-info')).toContainText(DEFAULT_MODEL.text);
  await page.locator('button[name="sweep-run"]').click();
  // Waits on the sweep's state, however slow the machine: at least two head runs done, not all.
  // (The first run also builds the stage sessions, which can take a minute on a busy machine.)
  await expect.poll(() => runsShown(page), { timeout: 180_000 }).toBeGreaterThanOrEqual(3);
  // A reload in the middle: the runs so far are kept, and Resume goes on from there.
  await page.reload();
  const map = page.getByTestId('sweep-map');
  await expect(map).toBeVisible();
  const doneBefore = await map.locator('td:not([data-value=""])').count();
  expect(doneBefore).toBeGreaterThan(0);
  expect(doneBefore).toBeLessThan(L * H);
  await expect(page.locator('button[name="sweep-run"]')).toHaveText('Resume sweep');
  // Every progress the resumed sweep shows is recorded, so a restart from run 1 cannot slip by.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { sweepProgress: string[] }).sweepProgress = seen;
    new MutationObserver(() => {
      const text = document.querySelector('[data-testid="sweep-progress"]')?.textContent;
      if (text && seen.at(-1) !== text) seen.push(text);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await page.locator('button[name="sweep-run"]').click();
  await expect(page.getByTestId('sweep-summary')).not.toContainText('incomplete', { timeout: 180_000 });
  const progress = await page.evaluate(() => (window as unknown as { sweepProgress: string[] }).sweepProgress);
  const counts = progress.map((t) => Number(/^(\d+) of/.exec(t)?.[1]));
  expect(counts.length).toBeGreaterThan(0);
  expect(counts[0]).toBe(doneBefore + 1);
  expect(Math.min(...counts)).toBe(doneBefore + 1);
  await expect(map.locator('td[data-value]:not([data-value=""])')).toHaveCount(L * H);
  // Runs started at the first layer their head is in, from the kept lower layers.
  await expect(page.getByTestId('sweep-reuse')).toContainText(/Reusing unchanged lower layers: [1-9]\d%/);
  const values = await map.locator('td').evaluateAll((cells) => cells.map((c) => c.getAttribute('data-value')));
  await page.screenshot({ path: `${ARTIFACTS}/sweep-map.png`, fullPage: true });

  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('button[name="sweep-export"]').click()]);
  const file = await download.path();
  const json = JSON.parse(readFileSync(file, 'utf8'));
  expect(json.format).toBe('head-atlas-sweep');
  expect(json.runs).toHaveLength(L * H);
  // Imported into a fresh page (another task's view), the file draws the same map.
  await page.goto('/?panel=sweep&n=200&task=mrpc');
  await page.locator('input[name="sweep-import"]').setInputFiles(file);
  await expect(page.getByTestId('sweep-summary')).toContainText('Imported from');
  expect(await page.getByTestId('sweep-map').locator('td').evaluateAll((cells) => cells.map((c) => c.getAttribute('data-value')))).toEqual(values);
});

test('the command-line sweep and the browser sweep give identical scores', async ({ page }) => {
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync } = await import('node:fs');
  const dir = mkdtempSync('/tmp/head-atlas-sweep-');
  const cli = (backend: string, ...extra: string[]) => {
    const out = `${dir}/${backend}${extra.join('')}.json`;
    execFileSync('node', ['scripts/sweep.mjs', '--model', 'public/models/micro-bert-sst2', '--task', 'sst2', '--n', '64', '--kind', 'layers', '--mode', 'uniform', '--backend', backend, '--threads', '1', '--out', out, ...extra], { stdio: 'pipe' });
    return JSON.parse(readFileSync(out, 'utf8'));
  };
  await page.goto('/?panel=sweep&n=64&mode=uniform');
  await expect(page.getByTestId('model-info')).toContainText(DEFAULT_MODEL.text);
  await page.locator('select[name="sweep-kind"]').selectOption('layers');
  await page.locator('button[name="sweep-run"]').click();
  await expect(page.getByTestId('sweep-summary')).toContainText(`${L} runs`, { timeout: 120_000 });
  await expect(page.getByTestId('sweep-summary')).not.toContainText('incomplete');
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('button[name="sweep-export"]').click()]);
  const browser = JSON.parse(readFileSync(await download.path(), 'utf8'));
  const scores = (r: { baseline: { score: number }; runs: { id: string; score: number }[] }) => [r.baseline.score, ...r.runs.map((x) => `${x.id}:${x.score}`)];
  // The browser and the CLI reuse unchanged layers by default; --no-reuse recomputes them all.
  for (const args of [['wasm'], ['node'], ['node', '--no-reuse']]) {
    const fromCli = cli(args[0], ...args.slice(1));
    expect(fromCli.createdWith).toBe('cli');
    expect(scores(fromCli)).toEqual(scores(browser));
    expect(fromCli.baseline.predictions).toEqual(browser.baseline.predictions);
  }
});

test('Run again on a complete sweep keeps the old one until the new one completes: paused, it shows again, after a reload too', async ({ page }) => {
  await page.goto('/?panel=sweep&n=64');
  await expect(page.getByTestId('model-info')).toContainText(DEFAULT_MODEL.text);
  const run = page.locator('button[name="sweep-run"]');
  const summary = page.getByTestId('sweep-summary');
  const map = page.getByTestId('sweep-map');
  await expect(run).toHaveText('Run sweep');
  await run.click();
  await expect(run).toHaveText('Run again', { timeout: 120_000 });
  await expect(summary).not.toContainText('incomplete');
  const cells = () => map.locator('td').evaluateAll((tds) => tds.map((c) => c.getAttribute('data-value')));
  const before = await cells();
  expect(before.filter((v) => v !== '')).toHaveLength(L * H);

  await run.click();
  await expect(page.getByTestId('sweep-progress')).toContainText(new RegExp(`^[3-9] of ${L * H + 1} runs`));
  await expect(summary).toContainText('(incomplete)');
  await page.locator('button[name="sweep-pause"]').click();
  await expect(run).toHaveText('Run again');
  await expect(summary).not.toContainText('incomplete');
  expect(await cells()).toEqual(before);
  await page.reload();
  await expect(run).toHaveText('Run again');
  await expect(summary).not.toContainText('incomplete');
  expect(await cells()).toEqual(before);
});
