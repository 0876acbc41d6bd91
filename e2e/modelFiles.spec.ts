import { expect, test } from '@playwright/test';
import { HUB } from '../playwright.config';
import { DEFAULT_MODEL, loadModel } from './helpers';

/** URLs of this Hub repo's files in the app's model cache. */
const cachedFiles = (page: import('@playwright/test').Page, repo: string) =>
  page.evaluate(async (prefix) => (await (await caches.open('head-atlas-models-v1')).keys()).map((r) => r.url).filter((u) => u.startsWith(prefix)), `${HUB}/${repo}/resolve/`);

test('Remove cached files deletes a Hub model\'s downloads, says so, and the next load downloads them again', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('model-info')).toContainText(DEFAULT_MODEL.text);
  // Bundled models are read where they are: no button for them.
  await expect(page.getByRole('button', { name: 'Remove cached files' })).toHaveCount(0);
  await loadModel(page, 'head-atlas/tiny-bert-sst2');
  await expect(page.getByTestId('model-info')).toContainText('head-atlas/tiny-bert-sst2@main');
  await expect.poll(() => cachedFiles(page, 'head-atlas/tiny-bert-sst2')).toEqual(expect.arrayContaining([expect.stringMatching(/model\.safetensors$/), expect.stringMatching(/config\.json$/)]));
  const kept = (await cachedFiles(page, 'head-atlas/tiny-bert-sst2')).length;

  await page.getByRole('button', { name: 'Remove cached files' }).click();
  await expect(page.locator('.messages')).toContainText(`Removed ${kept} cached files of head-atlas/tiny-bert-sst2: its next load downloads them again.`);
  expect(await cachedFiles(page, 'head-atlas/tiny-bert-sst2')).toEqual([]);
  // The loaded model keeps running.
  await expect(page.getByTestId('model-info')).toContainText('head-atlas/tiny-bert-sst2@main');

  const downloads: string[] = [];
  page.on('request', (r) => {
    if (r.url().startsWith(HUB) && r.url().endsWith('model.safetensors')) downloads.push(r.url());
  });
  await loadModel(page, 'head-atlas/tiny-bert-sst2');
  await expect.poll(() => downloads.length).toBe(1);
});

test('a link with model=bundled:. opens the default model and says the link was not understood', async ({ page }) => {
  await page.goto('/?model=bundled%3A.');
  await expect(page.getByTestId('model-info')).toContainText(DEFAULT_MODEL.text);
  await expect(page.locator('.messages')).toContainText('The link\'s "model" value was not understood; using the default.');
});
