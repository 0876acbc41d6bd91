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

function crossOriginIsolationShim(): Plugin {
  return {
    name: 'head-atlas:coi-serviceworker',
    apply: 'build',
    generateBundle() {
      // Read from node_modules at each build, so an `npm update` of the package ships as it is.
      const source = readFileSync(createRequire(import.meta.url).resolve(`coi-serviceworker/${COI_SCRIPT}`), 'utf8');
      this.emitFile({ type: 'asset', fileName: COI_SCRIPT, source });
    },
    transformIndexHtml: () => [
      { tag: 'script', children: COI_PAGE_CONFIG, injectTo: 'head' },
      // A classic script: the package registers its own URL, document.currentScript.src.
      { tag: 'script', attrs: { src: `./${COI_SCRIPT}` }, injectTo: 'head' },
    ],
  };
}

export default defineConfig({
  base: './',
  plugins: [react(), crossOriginIsolationShim()],
  server: { headers: isolation },
  preview: { headers: isolation },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es' },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
