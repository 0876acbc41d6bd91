import { expect, test } from '@playwright/test';
import { DEFAULT_MODEL, gridIsDrawn } from './helpers';

// The production build (vite build + preview, which sends the isolation headers) runs ONNX
// Runtime with 2 WASM threads. Guards the Vite/rolldown chunking that can hang ORT's pthreads.
test('the built app runs the model with 2 WASM threads', async ({ page }) => {
  await page.goto('/');
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
  await expect(page.locator('.backend-in-use')).toContainText('running on WASM (2 threads)');
  await expect(page.getByTestId('model-info')).toContainText(`${DEFAULT_MODEL.text} · ${DEFAULT_MODEL.layers} layers × ${DEFAULT_MODEL.heads} heads`);
  await gridIsDrawn(page, DEFAULT_MODEL.layers, DEFAULT_MODEL.heads);
  await expect(page.getByRole('table', { name: 'Prediction' })).toContainText('negative');
});
