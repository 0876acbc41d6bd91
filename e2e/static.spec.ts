import { expect, test, type Page } from '@playwright/test';
import { HUB, STATIC_SITE } from '../playwright.config';

// The production build on a plain static host (scripts/static-server.mjs): served from a
// subfolder, /head-atlas/, with no COOP/COEP headers, as on GitHub Pages. The service-worker shim
// (coi-serviceworker, wired in vite.config.ts) must make the page cross-origin isolated after one
// reload, so ONNX Runtime gets its WASM threads; without service workers the app runs on 1 thread.

/** The page's document loads (main-frame navigation requests; same-document URL updates make none). */
function countLoads(page: Page) {
  const loads: string[] = [];
  page.on('request', (r) => {
    if (r.isNavigationRequest() && r.frame() === page.mainFrame()) loads.push(r.url());
  });
  return loads;
}

/** Every request to the static host, and the ones that failed: all must stay in the subfolder. */
function watchSite(page: Page) {
  const outside: string[] = [];
  const failed: string[] = [];
  const origin = new URL(STATIC_SITE).origin;
  page.context().on('request', (r) => {
    if (r.url().startsWith(origin) && !r.url().startsWith(STATIC_SITE)) outside.push(r.url());
  });
  page.context().on('response', (r) => {
    if (r.url().startsWith(origin) && r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
  });
  return { outside, failed };
}

const isolated = (page: Page) => page.evaluate(() => self.crossOriginIsolated).catch(() => null); // null: mid-reload

async function appRuns(page: Page, threads: string) {
  await expect(page.locator('.backend-in-use')).toContainText(`running on WASM (${threads})`);
  await expect(page.getByTestId('model-info')).toBeVisible();
  // The layer count is the default model's; any positive count will do.
  await expect(page.getByTestId('attention-grid')).toHaveAttribute('data-layers', /^[1-9]\d*$/);
}

test('on a host without isolation headers, the shim isolates the page with one reload, and WASM runs on 2 threads', async ({ page }) => {
  const loads = countLoads(page);
  const site = watchSite(page);

  // 'commit': the shim reloads the page before the first document would finish loading.
  const first = await page.goto('./', { waitUntil: 'commit' });
  expect(first?.headers()['cross-origin-embedder-policy']).toBeUndefined();
  expect(first?.headers()['cross-origin-opener-policy']).toBeUndefined();
  await expect.poll(() => isolated(page)).toBe(true);
  expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${STATIC_SITE}coi-serviceworker.js`);
  await appRuns(page, '2 threads');
  expect(loads.length).toBe(2); // the first visit, and the shim's one reload

  // A second visit is isolated from its first document on: no reload, and none later.
  await page.goto('./');
  expect(await isolated(page)).toBe(true);
  await appRuns(page, '2 threads');
  expect(loads.length).toBe(3);

  expect(site.outside).toEqual([]);
  expect(site.failed).toEqual([]);
});

test('under the shim, models still download from a cross-origin Hub host (CORS)', async ({ page }) => {
  const hubRequests: string[] = [];
  page.context().on('requestfinished', (r) => {
    if (r.url().startsWith(`${HUB}/head-atlas/tiny-bert/`)) hubRequests.push(r.url());
  });
  await page.goto(`./?model=head-atlas%2Ftiny-bert&hub=${encodeURIComponent(HUB)}`, { waitUntil: 'commit' });
  await expect.poll(() => isolated(page)).toBe(true);
  await expect(page.getByTestId('model-info')).toContainText('head-atlas/tiny-bert@main');
  await appRuns(page, '2 threads');
  expect(hubRequests.some((url) => url.endsWith('/config.json'))).toBe(true);
});

test('where the worker never takes control, the shim reloads once, then stays on 1 thread (no loop)', async ({ page }) => {
  // DevTools' "bypass for network": the worker registers and activates but never controls a
  // page, so every load finds it active and uncontrolled, and the package alone reloads forever.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setBypassServiceWorker', { bypass: true });
  const loads = countLoads(page);
  await page.goto('./', { waitUntil: 'commit' });
  await expect.poll(() => loads.length).toBe(2); // the visit, and the shim's one reload
  await appRuns(page, '1 thread');
  expect(await isolated(page)).toBe(false);
  expect(loads.length).toBe(2); // and no more
});

test.describe('where service workers are unavailable', () => {
  test.use({ serviceWorkers: 'block' });

  test('the app still runs, on 1 thread, and never reloads', async ({ page }) => {
    const loads = countLoads(page);
    await page.goto('./');
    await appRuns(page, '1 thread');
    expect(await isolated(page)).toBe(false);
    expect(loads.length).toBe(1);
  });
});
