import { expect, test, type Page } from '@playwright/test';
import { gridIsDrawn, loadModel } from './helpers';

/**
 * How long the page takes to paint a frame. On a hung main thread the evaluate itself never
 * returns, so it is raced against a bound well past the 1 s the test asks for.
 */
async function frameRoundTrip(page: Page): Promise<number> {
  const measured = page.evaluate(() => new Promise<number>((resolve) => {
    const t0 = performance.now();
    requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0), 0));
  }));
  const hung = new Promise<number>((resolve) => setTimeout(() => resolve(Infinity), 15_000));
  return Promise.race([measured, hung]);
}

const MODELS = {
  mlm: { text: 'bundled:micro-bert', head: 'masked-lm', layers: 4, heads: 4 },
  sst2: { text: 'bundled:micro-bert-sst2', head: 'sequence-classification', layers: 4, heads: 4 },
  tiny: { text: 'head-atlas/tiny-bert-sst2', head: 'sequence-classification', layers: 3, heads: 4 },
} as const;

async function switchTo(page: Page, m: (typeof MODELS)[keyof typeof MODELS]) {
  await loadModel(page, m.text);
  await expect(page.getByTestId('model-info')).toContainText(`${m.text}`);
  await expect(page.getByTestId('model-info')).toContainText(`${m.layers} layers × ${m.heads} heads · `);
  await expect(page.getByTestId('model-info')).toContainText(m.head);
  expect(await frameRoundTrip(page)).toBeLessThan(1000);
  await gridIsDrawn(page, m.layers, m.heads);
  expect(await frameRoundTrip(page)).toBeLessThan(1000);
  if (m.head === 'masked-lm') {
    // The masked-LM's guesses, and no class table built from its vocabulary-sized logits.
    await expect(page.getByRole('list', { name: 'Mask fills' })).toContainText('[MASK] at');
    await expect(page.getByRole('table', { name: 'Prediction' })).toHaveCount(0);
  } else {
    // One row per label the classifier declares.
    const prediction = page.getByRole('table', { name: 'Prediction' });
    await expect(prediction.locator('tr')).toHaveCount(2);
    await expect(prediction).toContainText('negative');
    await expect(prediction).toContainText('positive');
    await expect(page.getByRole('list', { name: 'Mask fills' })).toHaveCount(0);
  }
}

test('switching between the pre-trained and the fine-tuned model keeps the page responsive, and shows only the loaded model’s results', async ({ page }) => {
  await page.goto('/?a=the+film+was+a+%5BMASK%5D+of+time+.');
  await expect(page.getByTestId('model-info')).toContainText(MODELS.sst2.text);
  for (let round = 0; round < 5; round++) {
    await switchTo(page, MODELS.mlm);
    await switchTo(page, MODELS.sst2);
  }
  // Other shapes too: 4 × 4 ↔ 3 × 4, masked-LM ↔ classifier.
  await switchTo(page, MODELS.tiny);
  await switchTo(page, MODELS.mlm);
  await switchTo(page, MODELS.tiny);
});
