import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MODEL, loadModel, openMenuOf } from './helpers';

const N = 48;
const TINY = 'head-atlas/tiny-bert-sst2';
const tinyFolder = fileURLToPath(new URL(`../fixtures/hub/${TINY}`, import.meta.url));

async function baseline(page: Page): Promise<string> {
  await expect(page.getByTestId('masking-progress')).toContainText(`baseline ${N}/${N}`, { timeout: 120_000 });
  return (await page.getByTestId('baseline-score').textContent())!;
}

async function exportedHead(page: Page): Promise<Record<string, unknown>> {
  await openMenuOf(page, 'export-head-json');
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('button[name="export-head-json"]').click()]);
  return JSON.parse(readFileSync(await download.path(), 'utf8'));
}

test('stored scores and exports belong to the files that were loaded, not to the Model field’s text', async ({ page }) => {
  await page.goto(`/?panel=masking&n=${N}&head=1-1`);
  await expect(page.getByTestId('model-info')).toContainText(DEFAULT_MODEL.text);
  const bundled = await baseline(page);

  await loadModel(page, TINY);
  await expect(page.getByTestId('model-info')).toContainText(`${TINY}@main`);
  const tiny = await baseline(page);
  expect(tiny).not.toBe(bundled);
  const fromHub = await exportedHead(page);
  expect(fromHub).toMatchObject({ model: TINY, revision: 'main', identity: expect.stringMatching(/^sha256:[0-9a-f]{32}$/) });

  // Back to the bundled model: its own stored score.
  await loadModel(page, DEFAULT_MODEL.text);
  await expect(page.getByTestId('model-info')).toContainText(DEFAULT_MODEL.text);
  await expect(page.getByTestId('baseline-score')).toHaveText(bundled);

  // The same files opened from disk leave the Model field as it was, but are the Hub model, not the bundled one.
  await page.locator('input[name="folder"]').setInputFiles(tinyFolder);
  await expect(page.getByTestId('model-info')).toContainText('3 layers × 4 heads');
  expect(await baseline(page)).toBe(tiny);
  const fromDisk = await exportedHead(page);
  expect(fromDisk.model).toBe('tiny-bert-sst2');
  expect(fromDisk.revision).toBeNull();
  expect(fromDisk.identity).toBe(fromHub.identity);
});
