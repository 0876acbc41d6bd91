#!/usr/bin/env node
// @ts-check
// The labelled set of real attention maps (issue 13): runs the embedded pair (micro-bert and
// micro-bert-sst2) with the app's own engine on GLUE dev sentences and pairs, keeps a seeded sample
// of heads per example, and writes
//   data/patterns/real-maps.json.gz   the maps (weights quantised to 1/65535) with model, layer,
//                                     head, text, tokens and segments, in a shuffled order;
//   <sheets>/sheet-NN.png             contact sheets of 20 maps, each with its index, for labelling
//                                     by eye (not committed: run this script to see them again).
// The order is shuffled so a labeller sees neither the model nor the layer. Deterministic: the
// same seed gives the same file. Usage: node scripts/patterns/render-maps.mjs [--sheets DIR] [--sheets-only]

import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { gzipSync, gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { encode } from 'fast-png';
import { createServer } from 'vite';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUT = `${ROOT}data/patterns/real-maps.json.gz`;
const { values: args } = parseArgs({ options: {
  sheets: { type: 'string', default: '/tmp/head-atlas-pattern-sheets' },
  'sheets-only': { type: 'boolean', default: false },
  // The second labelling pass: only these maps (a file with one id per line; '#' lines and anything after the id ignored), larger.
  only: { type: 'string' },
  tile: { type: 'string', default: '240' },
  columns: { type: 'string', default: '5' },
  rows: { type: 'string', default: '4' },
} });

const SEED = 13;
// Examples per source and length bins (in words, so that short and long inputs are both present).
const PLAN = [
  { task: 'sst2', pair: false, count: 8, minWords: 3, maxWords: 10 },
  { task: 'sst2', pair: false, count: 8, minWords: 18, maxWords: 60 },
  { task: 'mrpc', pair: true, count: 8, minWords: 0, maxWords: 1000 },
  { task: 'rte', pair: true, count: 4, minWords: 0, maxWords: 35 },
  { task: 'rte', pair: true, count: 4, minWords: 36, maxWords: 1000 },
];
const MODELS = ['micro-bert', 'micro-bert-sst2'];
/** Heads kept per example and model (of 16), chosen at random with the seed. */
const HEADS_PER_MODEL = 8;

function shuffle(list, random) {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

async function buildSet() {
  const server = await createServer({ root: ROOT, server: { middlewareMode: true }, appType: 'custom', logLevel: 'warn', optimizeDeps: { noDiscovery: true } });
  try {
    const ort = await import('onnxruntime-web');
    const { EngineHost } = await server.ssrLoadModule('/src/engine/engineHost.ts');
    const { diskSource } = await server.ssrLoadModule('/src/engine/diskSource.ts');
    const { GLUE_TASKS, parseGlueTsv } = await server.ssrLoadModule('/src/analysis/glue.ts');
    const { mulberry32 } = await server.ssrLoadModule('/src/analysis/bootstrap.ts');
    const random = mulberry32(SEED);
    const examples = [];
    for (const bin of PLAN) {
      const dev = parseGlueTsv(readFileSync(`${ROOT}public/data/${bin.task}/dev.tsv`, 'utf8'), GLUE_TASKS[bin.task]);
      const words = (e) => (e.textA + ' ' + (e.textB ?? '')).trim().split(/\s+/).length;
      const fits = shuffle(dev.filter((e) => words(e) >= bin.minWords && words(e) <= bin.maxWords), random);
      for (const e of fits.slice(0, bin.count)) examples.push({ task: bin.task, textA: e.textA, textB: bin.pair ? e.textB : null });
    }
    const backend = { requested: 'wasm', backend: 'wasm', threads: 1, crossOriginIsolated: false, fallbackReason: null };
    const maps = [];
    for (const name of MODELS) {
      const host = new EngineHost({ ort, backend, appBaseUrl: 'http://unused/', cache: null });
      host.sourceOf = () => diskSource(`${ROOT}public/models/${name}`, `bundled:${name}`);
      const model = await host.load({ kind: 'bundled', name }, { format: 'safetensors' });
      const { layers, heads } = model.shape;
      for (const [ei, example] of examples.entries()) {
        const out = await host.run(model.id, { examples: [{ textA: example.textA, textB: example.textB ?? undefined }], outputs: { attentions: true } });
        const enc = out.encodings[0];
        const L = enc.tokens.length;
        const picks = shuffle(Array.from({ length: layers * heads }, (_, i) => i), random).slice(0, HEADS_PER_MODEL);
        for (const index of picks.sort((a, b) => a - b)) {
          const layer = Math.floor(index / heads);
          const head = index % heads;
          const att = out.attentions[layer];
          const seqLen = Math.round(Math.sqrt(att.length / heads));
          const weights = [];
          for (let r = 0; r < L; r++) for (let c = 0; c < L; c++) weights.push(Math.round(att[(head * seqLen + r) * seqLen + c] * 65535));
          maps.push({ model: name, layer: layer + 1, head: head + 1, example: ei, task: example.task, text: { a: example.textA, b: example.textB }, tokens: enc.tokens, segments: enc.tokenTypeIds, length: L, weights });
        }
      }
    }
    shuffle(maps, random);
    maps.forEach((m, i) => { m.id = i; });
    const file = { format: 'head-atlas-real-maps', version: 1, seed: SEED, scale: 65535, note: 'weights[r * length + c] / scale; regenerate with node scripts/patterns/render-maps.mjs', maps };
    mkdirSync(`${ROOT}data/patterns`, { recursive: true });
    writeFileSync(OUT, gzipSync(JSON.stringify(file), { level: 9 }));
    console.log(`${maps.length} maps from ${examples.length} examples → ${OUT}`);
    return file;
  } finally {
    await server.close();
  }
}

// 3×5 digits, for the index on each tile.
const DIGITS = ['111101101101111', '010110010010111', '111001111100111', '111001111001111', '101101111001001', '111100111001111', '111100111101111', '111001001001001', '111101111101111', '111101111001111'];

function renderSheets(file, dir) {
  mkdirSync(dir, { recursive: true });
  const TILE = Number(args.tile);
  const PAD = 26;
  const COLS = Number(args.columns);
  const ROWS = Number(args.rows);
  const maps = args.only
    ? readFileSync(args.only, 'utf8').split('\n').filter((l) => /^\d/.test(l)).map((l) => file.maps[Number(l.split(/\s/)[0])])
    : file.maps;
  const W = COLS * (TILE + PAD) + PAD;
  const H = ROWS * (TILE + PAD) + PAD;
  const perSheet = COLS * ROWS;
  for (let s = 0; s * perSheet < maps.length; s++) {
    const img = new Uint8Array(W * H * 3).fill(255);
    const set = (x, y, r, g, b) => { if (x >= 0 && y >= 0 && x < W && y < H) { const o = (y * W + x) * 3; img[o] = r; img[o + 1] = g; img[o + 2] = b; } };
    const text = (str, x0, y0, scale) => {
      let x = x0;
      for (const ch of str) {
        const glyph = DIGITS[Number(ch)];
        if (glyph) for (let i = 0; i < 15; i++) if (glyph[i] === '1') for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) set(x + (i % 3) * scale + dx, y0 + Math.floor(i / 3) * scale + dy, 200, 0, 0);
        x += 4 * scale;
      }
    };
    maps.slice(s * perSheet, (s + 1) * perSheet).forEach((m, k) => {
      const x0 = PAD + (k % COLS) * (TILE + PAD);
      const y0 = PAD + Math.floor(k / COLS) * (TILE + PAD);
      const L = m.length;
      const cell = TILE / L;
      for (let y = 0; y < TILE; y++) {
        const r = Math.min(L - 1, Math.floor(y / cell));
        for (let x = 0; x < TILE; x++) {
          const c = Math.min(L - 1, Math.floor(x / cell));
          // sqrt scale so a 20% stripe is visible; white = 0, dark blue = 1.
          const v = Math.sqrt(m.weights[r * L + c] / file.scale);
          set(x0 + x, y0 + y, Math.round(255 * (1 - v)), Math.round(255 * (1 - 0.85 * v)), Math.round(255 * (1 - 0.45 * v)));
        }
      }
      // Frame, and an orange tick at the start of sentence B, on both axes.
      for (let i = -1; i <= TILE; i++) { set(x0 + i, y0 - 1, 120, 120, 120); set(x0 + i, y0 + TILE, 120, 120, 120); set(x0 - 1, y0 + i, 120, 120, 120); set(x0 + TILE, y0 + i, 120, 120, 120); }
      const b = m.segments.indexOf(1);
      if (b > 0) for (let t = 2; t < 8; t++) for (let w = 0; w < 2; w++) { set(x0 + Math.round(b * cell) + w, y0 - t, 255, 140, 0); set(x0 - t, y0 + Math.round(b * cell) + w, 255, 140, 0); }
      text(String(m.id), x0, y0 + TILE + 4, 3);
    });
    const path = `${dir}/sheet-${String(s).padStart(2, '0')}.png`;
    writeFileSync(path, encode({ width: W, height: H, data: img, channels: 3, depth: 8 }));
  }
  console.log(`${Math.ceil(maps.length / perSheet)} sheets → ${dir}`);
}

const file = args['sheets-only'] && existsSync(OUT) ? JSON.parse(gunzipSync(readFileSync(OUT)).toString('utf8')) : await buildSet();
renderSheets(file, args.sheets);
