import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { DEFAULT_MODEL } from './helpers';

const { layers: L, heads: H } = DEFAULT_MODEL;

// Resume decides by the same rule as the command line's --out (analysis/sweep.ts, runSweep's
// resume): a kept sweep scored with another label mapping is another sweep, so it is not resumed.
test('Resume refuses a kept sweep scored with another label mapping, saying why, and Run again starts it over', async ({ page }) => {
  await page.goto('/?panel=sweep&n=64');
  await expect(page.getByTestId('model-info')).toContainText(DEFAULT_MODEL.text);
  const run = page.locator('button[name="sweep-run"]');
  const summary = page.getByTestId('sweep-summary');
  await run.click();
  await expect(page.getByTestId('sweep-progress')).toContainText(new RegExp(`^[3-9] of ${L * H + 1} runs`));
  await page.locator('button[name="sweep-pause"]').click();
  await expect(run).toHaveText('Resume sweep');
  await expect(summary).toContainText('(incomplete)');

  // The model's two outputs mapped the other way round.
  await page.locator('details.label-mapping-menu').evaluate((d: HTMLDetailsElement) => (d.open = true));
  await page.locator('select[name="map-0"]').selectOption('1');
  await page.locator('select[name="map-1"]').selectOption('0');
  await run.click();
  await expect(page.getByRole("alert").filter({ hasText: "cannot be resumed" })).toContainText(
    "The kept sweep cannot be resumed: it holds another sweep: its label mapping (model output → task class) is [0, 1], but this sweep's is [1, 0]. Run again starts it over.",
  );
  await expect(run).toHaveText('Run again');
  await expect(summary).toContainText('(incomplete)'); // the kept runs are still shown, not lost

  await run.click();
  await expect(summary).not.toContainText('incomplete', { timeout: 120_000 });
  await expect(run).toHaveText('Run again');
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('button[name="sweep-export"]').click()]);
  const json = JSON.parse(readFileSync(await download.path(), 'utf8'));
  expect(json.labelMapping).toEqual([1, 0]);
  expect(json.runs).toHaveLength(L * H);
  expect(json.complete).toBe(true);
});
