import { expect, test } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { HUB } from '../playwright.config';
import { ARTIFACTS, DEFAULT_MODEL, gridIsDrawn, loadModel } from './helpers';


test('opens on the bundled model with no network, and shows tokens, prediction and the grid', async ({ page }) => {
  const external: string[] = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (/^(https?|wss?):$/.test(url.protocol) && !['localhost', '127.0.0.1'].includes(url.hostname)) external.push(r.url());
  });
  await page.goto('/');
  await expect(page.getByTestId('model-info')).toContainText(`${DEFAULT_MODEL.layers} layers × ${DEFAULT_MODEL.heads} heads`);
  await expect(page.locator('.backend-in-use')).toContainText('running on WASM (2 threads)');
  await gridIsDrawn(page, DEFAULT_MODEL.layers, DEFAULT_MODEL.heads);
  await expect(page.locator('.token-chips li').first()).toHaveText('[CLS]');
  await expect(page.getByRole('table', { name: 'Prediction' })).toContainText('positive');
  await page.screenshot({ path: `${ARTIFACTS}/app-default.png`, fullPage: true });
  expect(external).toEqual([]);
});

test('switching backend restarts the engine; WebGPU without an adapter falls back to WASM and says so', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('model-info')).toBeVisible();
  await page.locator('select[name="backend"]').selectOption('webgpu');
  await expect(page.locator('.fallback')).toContainText('WebGPU is not available here');
  await expect(page.locator('.backend-in-use')).toContainText('running on WASM');
  await gridIsDrawn(page, DEFAULT_MODEL.layers, DEFAULT_MODEL.heads);
  expect(page.url()).toContain('backend=webgpu');
  await page.reload();
  await expect(page.locator('select[name="backend"]')).toHaveValue('webgpu');
  await page.locator('select[name="backend"]').selectOption('wasm');
  await expect(page.locator('.fallback')).toHaveCount(0);
  await gridIsDrawn(page, DEFAULT_MODEL.layers, DEFAULT_MODEL.heads);
});

test('loads from a Hub host, fills [MASK], and a reload reads the weights from the cache', async ({ page }) => {
  await page.goto('/?a=the+cat+sat+on+the+%5BMASK%5D+.');
  await expect(page.getByTestId('model-info')).toBeVisible();
  await loadModel(page, 'head-atlas/tiny-bert-mlm');
  await expect(page.getByTestId('model-info')).toContainText('head-atlas/tiny-bert-mlm@main');
  await expect(page.getByTestId('model-info')).toContainText('masked-lm');
  await expect(page.getByRole('list', { name: 'Mask fills' })).toContainText('[MASK] at 6');
  await expect(page.getByRole('list', { name: 'Mask fills' }).locator('.fill')).toHaveCount(5);
  expect(page.url()).toContain('model=head-atlas%2Ftiny-bert-mlm');

  const weightRequests: string[] = [];
  page.on('request', (r) => {
    if (r.url().startsWith(HUB) && /model\.safetensors|config\.json/.test(r.url())) weightRequests.push(r.url());
  });
  await page.reload();
  await expect(page.getByTestId('model-info')).toContainText('head-atlas/tiny-bert-mlm@main');
  expect(weightRequests).toEqual([]);
});

test('bad models get a clear message and leave the app as it was', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('model-info')).toContainText(DEFAULT_MODEL.text);
  const cases: [string, string, RegExp][] = [
    ['head-atlas/no-such-model', 'auto', /no-such-model@main has no config\.json/],
    ['head-atlas/not-bert', 'auto', /model_type "gpt2"/],
    ['head-atlas/tiny-bert-fused', 'onnx', /fused kernel \(com\.microsoft Attention\)/],
    ['head-atlas/tiny-bert-missing', 'auto', /lacks 2 tensor\(s\).*encoder\.layer\.1\.attention\.self\.key/],
    ['head-atlas/tiny-bert-truncated', 'auto', /model\.safetensors is not a valid safetensors file.*truncated/],
    ['head-atlas/tiny-bert-truncated', 'onnx', /model\.onnx is not a readable ONNX model/],
    ['not a model id!', 'auto', /is not a Hub model id/],
  ];
  for (const [model, format, message] of cases) {
    await loadModel(page, model, format);
    const alert = page.getByRole('alert').last();
    await expect(alert).toContainText(message);
    // The model that was loaded is still loaded and still runs.
    await expect(page.getByTestId('model-info')).toContainText(DEFAULT_MODEL.text);
    await page.locator('textarea[name="text-a"]').fill(`still good after ${model}`);
    await expect(page.locator('.token-chips li').nth(2)).toHaveText('good');
    await alert.getByRole('button', { name: 'Dismiss' }).click();
  }
  await expect(page.getByRole('alert')).toHaveCount(0);
  // The link still names the model that works.
  expect(new URL(page.url()).searchParams.get('model')).toBeNull();
  await page.screenshot({ path: `${ARTIFACTS}/app-after-errors.png`, fullPage: true });
});

test('a text longer than the model takes is truncated with a notice', async ({ page }) => {
  await page.goto('/');
  await page.locator('textarea[name="text-a"]').fill('the movie was good . '.repeat(60));
  await expect(page.locator('.truncation')).toContainText(`this model takes at most ${DEFAULT_MODEL.maxLength}, so it was cut to ${DEFAULT_MODEL.maxLength}`);
  await expect(page.locator('.token-chips li')).toHaveCount(DEFAULT_MODEL.maxLength);
  await gridIsDrawn(page, DEFAULT_MODEL.layers, DEFAULT_MODEL.heads);
});

test('opens a model folder from disk', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('model-info')).toBeVisible();
  await page.locator('select[name="format"]').selectOption('onnx');
  await page.locator('input[name="folder"]').setInputFiles(fileURLToPath(new URL('../fixtures/hub/head-atlas/tiny-bert-mlm', import.meta.url)));
  await expect(page.getByTestId('model-info')).toContainText('tiny-bert-mlm · 3 layers × 4 heads · onnx · masked-lm');
});

test('a malformed or hostile link is reported, replaced by defaults, and never runs markup', async ({ page }) => {
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs++;
    void d.dismiss();
  });
  await page.goto('/?model=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&backend=cuda&hub=javascript:alert(1)&a=%3Cscript%3Ealert(2)%3C%2Fscript%3E%3Cimg%20src%3Dx%20onerror%3Dalert(3)%3E');
  await expect(page.getByRole('status').filter({ hasText: '"model" value was not understood' })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: '"backend" value was not understood' })).toBeVisible();
  await expect(page.getByTestId('model-info')).toContainText(DEFAULT_MODEL.text);
  await expect(page.locator('.token-chips')).toContainText('script');
  expect(await page.locator('img[src="x"]').count()).toBe(0);
  expect(dialogs).toBe(0);
});

test('a download shows its progress in bytes and can be cancelled, leaving the loaded model', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('model-info')).toBeVisible();
  await loadModel(page, 'head-atlas/tiny-bert-slow');
  const progress = page.getByTestId('load-progress');
  // Sizes in decimal units, as the Hub shows them: 173 480 bytes are 173.5 kB.
  await expect(progress).toContainText(/model\.safetensors \d+(\.\d)? kB of 173\.5 kB/);
  await progress.getByRole('button', { name: 'Cancel' }).click();
  await expect(progress).toHaveCount(0);
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect(page.getByTestId('model-info')).toContainText('bundled:');
});

test('model files dropped onto the model bar load', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('model-info')).toBeVisible();
  await page.locator('select[name="format"]').selectOption('onnx');
  // Dropped files arrive without their folders: onnx/model.onnx comes as model.onnx.
  const drop = await page.evaluateHandle(async (hub) => {
    const transfer = new DataTransfer();
    for (const path of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt', 'onnx/model.onnx']) {
      const bytes = await (await fetch(`${hub}/head-atlas/tiny-bert/resolve/main/${path}`)).arrayBuffer();
      transfer.items.add(new File([bytes], path.split('/').pop()!));
    }
    return transfer;
  }, HUB);
  await page.locator('form.model-panel').dispatchEvent('drop', { dataTransfer: drop });
  await expect(page.getByTestId('model-info')).toContainText('local files · 3 layers × 4 heads · onnx · base');
});

test('the Weights menu picks one ONNX file (int8 or float16), and the link keeps the choice', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('model-info')).toBeVisible();
  for (const choice of ['onnx-quantized', 'onnx-fp16']) {
    const files: string[] = [];
    const listen = (r: { url(): string }) => void (r.url().includes('/onnx/') && files.push(r.url().split('/resolve/main/')[1]));
    page.on('request', listen);
    await loadModel(page, 'head-atlas/tiny-bert', choice);
    await expect(page.getByTestId('model-info')).toContainText('head-atlas/tiny-bert@main · 3 layers × 4 heads · onnx · base');
    await gridIsDrawn(page, 3, 4);
    expect(files).toEqual([choice === 'onnx-fp16' ? 'onnx/model_fp16.onnx' : 'onnx/model_quantized.onnx']);
    expect(new URL(page.url()).searchParams.get('format')).toBe(choice);
    page.off('request', listen);
  }
});
