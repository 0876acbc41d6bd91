import { expect, test } from '@playwright/test';

// The production build (vite build + preview, which sends the isolation headers) runs ONNX
// Runtime with 2 WASM threads. Guards the Vite/rolldown chunking that can hang ORT's pthreads.
test('the built app runs the model with 2 WASM threads', async ({ page }) => {
  await page.goto('/');
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
  await expect(page.locator('.backend-in-use')).toContainText('running on WASM (2 threads)');
  await expect(page.getByTestId('model-info')).toContainText('3 layers × 4 heads');
  await expect(page.getByTestId('attention-grid')).toHaveAttribute('data-layers', '3');
  await expect(page.getByRole('table', { name: 'Prediction' })).toContainText('negative');
});
