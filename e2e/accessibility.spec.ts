import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { ARTIFACTS, DEFAULT_MODEL, gridIsDrawn } from './helpers';

/** axe-core's serious and critical violations on the page as it is now (labels, names, contrast, ARIA…). */
async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(' | ')}`);
}

async function ready(page: Page) {
  await expect(page.getByTestId('model-info')).toContainText(DEFAULT_MODEL.text);
  await gridIsDrawn(page, DEFAULT_MODEL.layers, DEFAULT_MODEL.heads);
}

test('axe-core: no serious or critical violations in the workspace with each side panel, with a head open', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto('/?head=2-1&n=16');
  await ready(page);
  for (const panel of ['patterns', 'special', 'drift', 'masking', 'sweep']) {
    await page.locator(`button[name="panel-${panel}"]`).click();
    if (panel === 'patterns') {
      await page.locator('button[name="analysis-run"]').click();
      await expect(page.getByTestId('analysis-summary')).toBeVisible({ timeout: 120_000 });
    }
    if (panel === 'masking') await expect(page.getByTestId('task-scores')).toBeVisible({ timeout: 120_000 });
    expect(await seriousViolations(page), `panel ${panel}`).toEqual([]);
  }
  // The lines view, open menus and the pattern card are checked too.
  await page.locator('select[name="view"]').selectOption('lines');
  expect(await seriousViolations(page), 'lines view').toEqual([]);
  await page.getByTestId('pattern-card').locator('summary').click();
  await page.locator('details.hub-host > summary').click();
  expect(await seriousViolations(page), 'menus open').toEqual([]);
});

test('axe-core: no serious or critical violations in classroom mode and while loading', async ({ page, context }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto('/?classroom=1&head=1-2');
  await expect(page.getByTestId('head-detail')).toBeVisible();
  expect(await seriousViolations(page), 'classroom').toEqual([]);

  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  await context.route(/models\/micro-bert-sst2\/.*(onnx|safetensors)/, async (route) => {
    await held;
    await route.continue();
  });
  const loading = await context.newPage();
  await loading.goto('/');
  await expect(loading.getByTestId('grid-placeholder')).toBeVisible();
  expect(await seriousViolations(loading), 'workspace while loading').toEqual([]);
  release();
});

test('every control is named, and keyboard focus is always visible', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto('/?head=1-1&panel=masking&n=16');
  await ready(page);
  // Names: every button, select, field and tab has an accessible name (axe checks the same; this lists them).
  const unnamed = await page.locator('button, select, input:not([type=hidden]), textarea, [role=tab], [tabindex="0"]').evaluateAll((els) =>
    els
      .filter((el) => (el as HTMLElement).offsetParent !== null)
      .filter((el) => {
        const e = el as HTMLInputElement;
        const labelled = e.labels?.length || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || (e.textContent ?? '').trim() || e.getAttribute('title');
        return !labelled;
      })
      .map((el) => el.outerHTML.slice(0, 80)),
  );
  expect(unnamed).toEqual([]);
  // Tab through the page: each focused element shows an outline (or is a text field with its own focus ring).
  await page.locator('body').click({ position: { x: 1, y: 1 } });
  const missing: string[] = [];
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      const cs = getComputedStyle(el);
      return { tag: `${el.tagName.toLowerCase()}${el.getAttribute('name') ? `[name=${el.getAttribute('name')}]` : ''}`, outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2, visible: el.getBoundingClientRect().width > 0 };
    });
    if (f && (!f.outline || !f.visible)) missing.push(f.tag);
  }
  expect(missing).toEqual([]);
  await page.screenshot({ path: `${ARTIFACTS}/focus-1280x720.png` });
});
