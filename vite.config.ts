/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig, type Plugin } from 'vite';

// Cross-origin isolation lets onnxruntime-web use WASM threads.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// Hosts that cannot send those headers (GitHub Pages, most static hosts) get them from a service
// worker: the npm package coi-serviceworker, copied into the build as it is, beside index.html,
// so its scope is the site's folder (base './'). It registers only when the page is not already
// cross-origin isolated, then reloads once so the page is served through it.
//
// COEP is require-corp, not credentialless: require-corp is what the dev server and `vite
// preview` send, every browser with SharedArrayBuffer supports it, and the worker keeps it when
// the browser restarts it (the package's credentialless flag is only sent by a page, and a
// restarted worker forgets it). It does not block Hub downloads: fetch() to huggingface.co is a
// CORS request, which needs the Hub's Access-Control-Allow-Origin (sent) and no CORP header. The
// worker also marks the responses it relays Cross-Origin-Resource-Policy: cross-origin.
//
// The page's side, `window.coi`, runs before the package's script. It reloads only once the
// worker is active, so the reloaded page is controlled by it, and not again within 30 s in this
// tab: where the worker never takes control (as with DevTools' "bypass for network"), the
// package alone would reload forever; this way the app stays on one thread instead.
// (A time, not a flag cleared once isolated: Chrome keeps separate sessionStorage copies on
// either side of a COOP switch.) Where service workers are unavailable (file://, some private
// modes) nothing registers and nothing reloads: one thread.
const COI_SCRIPT = 'coi-serviceworker.js';
const COI_PAGE_CONFIG = `
window.coi = {
  coepCredentialless: function () { return false; },
  doReload: function () {
    var key = 'head-atlas:coi-reloaded-at';
    try {
      if (Date.now() - Number(sessionStorage.getItem(key)) < 30000) return;
      sessionStorage.setItem(key, String(Date.now()));
    } catch (e) {
      return;
    }
    navigator.serviceWorker.ready.then(function () { window.location.reload(); });
  },
};
`;

// The page's side is a file of its own, not an inline script, so the Content-Security-Policy
// below needs no 'unsafe-inline' or hash.
const COI_CONFIG_SCRIPT = 'coi-config.js';

function crossOriginIsolationShim(): Plugin {
  return {
    name: 'head-atlas:coi-serviceworker',
    apply: 'build',
    generateBundle() {
      // Read from node_modules at each build, so an `npm update` of the package ships as it is.
      const source = readFileSync(createRequire(import.meta.url).resolve(`coi-serviceworker/${COI_SCRIPT}`), 'utf8');
      this.emitFile({ type: 'asset', fileName: COI_SCRIPT, source });
      this.emitFile({ type: 'asset', fileName: COI_CONFIG_SCRIPT, source: COI_PAGE_CONFIG });
    },
    transformIndexHtml: () => [
      { tag: 'script', attrs: { src: `./${COI_CONFIG_SCRIPT}` }, injectTo: 'head' },
      // A classic script: the package registers its own URL, document.currentScript.src.
      { tag: 'script', attrs: { src: `./${COI_SCRIPT}` }, injectTo: 'head' },
    ],
  };
}

// The built site's Content-Security-Policy (README, "Deploying"): scripts, styles, workers and
// fonts only from the site itself, no inline script or eval; WebAssembly compiles
// ('wasm-unsafe-eval', for ONNX Runtime); ORT's threads may start from blob: URLs; models download
// from https: hosts and a Hub mirror on this machine. A link or a model file can inject nothing.
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self' https: http://localhost:* http://127.0.0.1:* blob: data:",
  "img-src 'self' data: blob:",
  "style-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');
/** What only a header can carry (a meta tag ignores it): no page may frame the app. */
const CSP_HEADER = `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`;

/** The policy as a meta tag in the built index.html, for hosts that cannot send headers. */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'head-atlas:content-security-policy',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' }],
  };
}

export default defineConfig({
  base: './',
  plugins: [react(), crossOriginIsolationShim(), contentSecurityPolicy()],
  server: { headers: isolation },
  // The preview serves the build as a host that sends the README's headers would.
  preview: { headers: { ...isolation, 'Content-Security-Policy': CSP_HEADER } },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es' },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
