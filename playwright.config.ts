import { defineConfig } from '@playwright/test';

// Debian's Chromium (Playwright cannot download browsers here). The flags keep it off the network.
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const args = ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const HUB = 'http://127.0.0.1:8765';
// The built site on a static host with no isolation headers, from a subfolder (see e2e/static.spec.ts).
export const STATIC_SITE = 'http://127.0.0.1:4174/head-atlas/';

export default defineConfig({
  testDir: 'e2e',
  timeout: 180_000,
  expect: { timeout: 30_000 },
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results',
  use: { baseURL: 'http://localhost:5173', launchOptions: { executablePath, args }, viewport: { width: 1280, height: 900 } },
  projects: [
    { name: 'wasm', testIgnore: /(build|static)\.spec/ },
    // Headless Chromium exposes a software (SwiftShader) WebGPU adapter with this flag.
    { name: 'webgpu', testMatch: /engine\.spec/, use: { launchOptions: { executablePath, args: [...args, '--enable-unsafe-webgpu'] } } },
    { name: 'build', testMatch: /build\.spec/, use: { baseURL: 'http://localhost:4173' } },
    { name: 'static', testMatch: /static\.spec/, use: { baseURL: STATIC_SITE } },
  ],
  webServer: [
    { command: 'node scripts/fixture-hub.mjs 8765', url: `${HUB}/head-atlas/tiny-bert/resolve/main/config.json`, reuseExistingServer: !process.env.CI },
    { command: 'npx vite --port 5173 --strictPort', url: 'http://localhost:5173/', reuseExistingServer: !process.env.CI },
    { command: 'npx vite build --logLevel warn && npx vite preview --port 4173 --strictPort', url: 'http://localhost:4173/', reuseExistingServer: !process.env.CI, timeout: 300_000 },
    // Serves the dist/ that the entry above built, with no isolation headers, under /head-atlas/.
    // It builds nothing itself: Playwright starts web servers one after the other, each once the
    // one before answers, so it starts after that build is written (and reads files per request).
    { command: 'node scripts/static-server.mjs 4174 /head-atlas/ dist', url: `${STATIC_SITE}index.html`, reuseExistingServer: !process.env.CI },
  ],
});
