import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { DEFAULT_MODEL, ARTIFACTS } from './helpers';

// The embedded SST-2 model's card: what the app's own evaluation must reproduce.
const card = JSON.parse(readFileSync(new URL('../public/models/micro-bert-sst2/metrics.json', import.meta.url), 'utf8'));
const { layers: L, heads: H } = DEFAULT_MODEL;

test('live masking: the baseline equals the model card, and switching off the last layer’s heads moves the score', async ({ page }) => {
  await page.goto('/?panel=masking');
  await expect(page.getByTestId('model-info')).toContainText(DEFAULT_MODEL.text);
  const scores = page.getByTestId('task-scores');
  await expect(page.getByTestId('masking-progress')).toContainText(`baseline ${card.examples}/${card.examples}`, { timeout: 120_000 });
  await expect(scores).toContainText(`${card.examples} of ${card.examples} examples`);
  await expect(page.getByTestId('baseline-score')).toHaveText(card.accuracy.toFixed(3));

  // Every head of the last layer off, through the link's bitset: bits (L-1)·H … L·H-1.
  const bits: number[] = Array.from({ length: L * H }, (_, i) => (i >= (L - 1) * H ? 1 : 0));
  const bytes = Array.from({ length: Math.ceil(bits.length / 8) }, (_, b) => bits.slice(b * 8, b * 8 + 8).reduce((v, bit, k) => v | (bit << k), 0));
  const mask = `${L}x${H}.${Buffer.from(bytes).toString('base64url')}`;
  await page.goto(`/?panel=masking&mask=${mask}`);
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
  await page.goto(`/?panel=masking&mask=${mask}`);
  await expect(page.getByTestId('masking-progress')).toContainText(`masked ${card.examples}/${card.examples}`);
  await expect(page.getByTestId('score-delta')).toHaveText(delta!);
});
