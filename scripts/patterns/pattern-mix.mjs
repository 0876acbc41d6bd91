#!/usr/bin/env node
// The pattern mix of a model over a task's dev set, as the app's Patterns panel computes it (the
// engine's analyse, in Node with onnxruntime-web WASM), per classifier: the numbers the README and
// the model cards quote.
//   node scripts/patterns/pattern-mix.mjs [--models micro-bert,micro-bert-sst2] [--task sst2] [--n 0] [--classifier default]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createServer } from 'vite';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'micro-bert,micro-bert-sst2' },
    task: { type: 'string', default: 'sst2' },
    n: { type: 'string', default: '0' },
    classifier: { type: 'string', default: 'default' },
  },
});

const server = await createServer({ root: ROOT, server: { middlewareMode: true }, appType: 'custom', logLevel: 'warn', optimizeDeps: { noDiscovery: true } });
try {
  const ort = await import('onnxruntime-web');
  const { EngineHost } = await server.ssrLoadModule('/src/engine/engineHost.ts');
  const { diskSource } = await server.ssrLoadModule('/src/engine/diskSource.ts');
  const { GLUE_TASKS, parseGlueTsv } = await server.ssrLoadModule('/src/analysis/glue.ts');
  const { PATTERN_TYPES } = await server.ssrLoadModule('/src/analysis/patterns.ts');
  const spec = GLUE_TASKS[args.task];
  const all = parseGlueTsv(readFileSync(`${ROOT}public/data/${args.task}/dev.tsv`, 'utf8'), spec);
  const n = Number(args.n);
  const sample = (n > 0 ? all.slice(0, n) : all).map((e) => ({ textA: e.textA, textB: e.textB ?? null }));
  const pct = (x) => `${Math.round(x * 100)}%`;
  const backend = { requested: 'wasm', backend: 'wasm', threads: 1, crossOriginIsolated: false, fallbackReason: null };
  console.log(`Pattern mix on ${sample.length} ${spec.name} dev examples, ${args.classifier} classifier (node scripts/patterns/pattern-mix.mjs --task ${args.task} --n ${args.n} --classifier ${args.classifier})`);
  console.log(`| model | layer | ${PATTERN_TYPES.join(' | ')} |`);
  console.log(`|---|---|${PATTERN_TYPES.map(() => '---').join('|')}|`);
  for (const name of args.models.split(',')) {
    const host = new EngineHost({ ort, backend, appBaseUrl: 'http://unused/', cache: null });
    host.sourceOf = () => diskSource(`${ROOT}public/models/${name}`, `bundled:${name}`);
    const model = await host.load({ kind: 'bundled', name }, { format: 'safetensors' });
    const result = await host.analyse(model.id, sample, { classifier: args.classifier, batchSize: 16 });
    const row = (label, shares) => console.log(`| ${name} | ${label} | ${PATTERN_TYPES.map((t) => pct(shares.shares[t])).join(' | ')} |`);
    result.patterns.perLayer.forEach((s, l) => row(String(l + 1), s));
    row('all', result.patterns.overall);
    const heads = result.patterns.perHead.map((r) => r.map((h) => `${h.type === 'vertical+diagonal' ? 'v+d' : h.type.slice(0, 4)}`).join(' ')).join(' / ');
    console.log(`|   | most frequent type per head (layer 1 / 2 / …): ${heads} | | | | | |`);
  }
} finally {
  await server.close();
}
