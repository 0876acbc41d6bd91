import { expect, test } from '@playwright/test';
import { DEFAULT_MODEL, gridIsDrawn, loadModel } from './helpers';

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

// The built site ships a strict Content-Security-Policy: as a meta tag, and as the header the
// README gives for hosts (which the preview sends). The app works under it with no violation.
test('the built app works under its Content-Security-Policy, which blocks inline script', async ({ page }) => {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
  const response = await page.goto('/');
  const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(meta).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(meta).not.toContain('unsafe-inline');
  expect(response!.headers()['content-security-policy']).toBe(`${meta}; frame-ancestors 'none'`);
  await gridIsDrawn(page, DEFAULT_MODEL.layers, DEFAULT_MODEL.heads);
  await expect(page.getByRole('table', { name: 'Prediction' })).toContainText('negative');
  // A model from a Hub host downloads, builds and runs under it too; so do the masking scores.
  await loadModel(page, 'head-atlas/tiny-bert-sst2');
  await expect(page.getByTestId('model-info')).toContainText('head-atlas/tiny-bert-sst2');
  await gridIsDrawn(page, 3, 4);
  await page.getByRole('tab', { name: 'Mask', exact: true }).click();
  await expect(page.getByTestId('masking-progress')).toContainText(/baseline (\d+)\/\1/);
  expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
  // The policy is enforced: markup that got in could run no script.
  const ran = await page.evaluate(async () => {
    const script = document.createElement('script');
    script.textContent = 'window.injected = true';
    document.head.append(script);
    await new Promise((r) => setTimeout(r, 100));
    return (window as unknown as { injected?: boolean }).injected === true;
  });
  expect(ran).toBe(false);
  // Reported once by each policy: the meta tag's and the header's.
  await expect.poll(() => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual(['script-src-elem inline', 'script-src-elem inline']);
});
