import { createHash } from 'node:crypto';
import { defineConfig } from '@playwright/test';

// Debian's Chromium (Playwright cannot download browsers here). The flags keep it off the network.
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const args = ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
// Ports are derived from this checkout's path (or HA_PORT_BASE), so two checkouts on one machine
// never share a server, and a server is reused only by the checkout that started it.
const portBase = Number(process.env.HA_PORT_BASE) || 20000 + (createHash('sha256').update(process.cwd()).digest().readUInt16BE(0) % 4000) * 10;
const PORTS = { hub: portBase, dev: portBase + 1, preview: portBase + 2, static: portBase + 3 };
export const HUB = `http://127.0.0.1:${PORTS.hub}`;
const DEV = `http://localhost:${PORTS.dev}`;
const PREVIEW = `http://localhost:${PORTS.preview}`;
// The built site on a static host with no isolation headers, from a subfolder (see e2e/static.spec.ts).
export const STATIC_SITE = `http://127.0.0.1:${PORTS.static}/head-atlas/`;

export default defineConfig({
  testDir: 'e2e',
  timeout: 180_000,
  expect: { timeout: 30_000 },
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results',
  use: { baseURL: DEV, launchOptions: { executablePath, args }, viewport: { width: 1280, height: 900 } },
  projects: [
    { name: 'wasm', testIgnore: /(build|static)\.spec/ },
    // Headless Chromium exposes a software (SwiftShader) WebGPU adapter with this flag.
    { name: 'webgpu', testMatch: /engine\.spec/, use: { launchOptions: { executablePath, args: [...args, '--enable-unsafe-webgpu'] } } },
    { name: 'build', testMatch: /build\.spec/, use: { baseURL: PREVIEW } },
    { name: 'static', testMatch: /static\.spec/, use: { baseURL: STATIC_SITE } },
  ],
  webServer: [
    { command: `node scripts/fixture-hub.mjs ${PORTS.hub}`, url: `${HUB}/head-atlas/tiny-bert/resolve/main/config.json`, reuseExistingServer: !process.env.CI },
    { command: `npx vite --port ${PORTS.dev} --strictPort`, url: `${DEV}/`, reuseExistingServer: !process.env.CI },
    { command: `npx vite build --logLevel warn && npx vite preview --port ${PORTS.preview} --strictPort`, url: `${PREVIEW}/`, reuseExistingServer: !process.env.CI, timeout: 300_000 },
    // Serves the dist/ that the entry above built, with no isolation headers, under /head-atlas/.
    // It builds nothing itself: Playwright starts web servers one after the other, each once the
    // one before answers, so it starts after that build is written (and reads files per request).
    { command: `node scripts/static-server.mjs ${PORTS.static} /head-atlas/ dist`, url: `${STATIC_SITE}index.html`, reuseExistingServer: !process.env.CI },
  ],
});
