#!/usr/bin/env node
// npm run patterns:eval — the default pattern classifier on the project's labelled real maps
// (data/patterns/, see docs/pattern-labelling.md): 5-fold stratified cross-validated accuracy,
// Cohen's κ and the confusion matrix of the shipped recipe (softmax regression on FEATURE_NAMES,
// with the block rule in front), and how the rules and the shipped weights do on the same maps.
//   npm run patterns:eval               report
//   npm run patterns:eval -- --write    also refit on every map and write src/analysis/defaultPatternModel.json
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { createServer } from 'vite';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MODEL_PATH = `${ROOT}src/analysis/defaultPatternModel.json`;
const write = process.argv.includes('--write');

const server = await createServer({ root: ROOT, server: { middlewareMode: true }, appType: 'custom', logLevel: 'warn', optimizeDeps: { noDiscovery: true } });
try {
  const L = await server.ssrLoadModule('/src/analysis/labelledMaps.ts');
  const M = await server.ssrLoadModule('/src/analysis/patternModel.ts');
  const P = await server.ssrLoadModule('/src/analysis/patterns.ts');
  const { DEFAULT_FIT_OPTIONS } = await server.ssrLoadModule('/src/analysis/patternClassifier.ts').catch(() => ({ DEFAULT_FIT_OPTIONS: null }));
  const fitOptions = DEFAULT_FIT_OPTIONS ?? { l2: 1e-3, iterations: 2000 };
  const file = JSON.parse(gunzipSync(readFileSync(`${ROOT}data/patterns/real-maps.json.gz`)).toString('utf8'));
  const first = L.parseLabelPass(readFileSync(`${ROOT}data/patterns/pass1.txt`, 'utf8'), 'pass1.txt');
  const second = L.parseLabelPass(readFileSync(`${ROOT}data/patterns/pass2.txt`, 'utf8'), 'pass2.txt');
  const maps = L.labelledMaps(file, first, second);
  const examples = L.asExamples(maps);
  const T = P.PATTERN_TYPES;
  const count = (list) => Object.fromEntries(T.map((t) => [t, list.filter((x) => x === t).length]));
  const pct = (x) => `${(x * 100).toFixed(1)}%`;

  console.log(`Labelled real maps: ${maps.length} (${new Set(maps.map((m) => m.map.model)).size} models, ${new Set(maps.map((m) => m.map.text.a)).size} examples)`);
  console.log('  by type:', JSON.stringify(count(maps.map((m) => m.type))));
  const flagged = maps.filter((m) => m.second);
  console.log(`  first pass unsure: ${flagged.length}; the second pass kept ${flagged.filter((m) => m.second.type === m.first.type).length} and changed ${flagged.filter((m) => m.second.type !== m.first.type).length}`);

  const table = (confusion) => {
    const short = { vertical: 'vert', diagonal: 'diag', 'vertical+diagonal': 'v+d', block: 'block', heterogeneous: 'het' };
    const lines = [`  ${'label \\ predicted'.padEnd(18)}${T.map((t) => short[t].padStart(7)).join('')}   recall`];
    for (const t of T) {
      const row = T.reduce((n, u) => n + confusion[t][u], 0);
      lines.push(`  ${t.padEnd(18)}${T.map((u) => String(confusion[t][u]).padStart(7)).join('')}   ${row ? pct(confusion[t][t] / row) : '—'}`);
    }
    return lines.join('\n');
  };
  const confusionOf = (predict) => {
    const c = Object.fromEntries(T.map((t) => [t, Object.fromEntries(T.map((u) => [u, 0]))]));
    for (const e of examples) c[e.type][predict(e.features)]++;
    return c;
  };
  const accuracyOf = (c) => T.reduce((n, t) => n + c[t][t], 0) / examples.length;

  const cv = M.crossValidatedAccuracy(examples, 5, 0, fitOptions, M.classifyWithModel);
  console.log(`\nDefault classifier, ${cv.k}-fold stratified cross-validation (seed 0; softmax regression on ${P.FEATURE_NAMES.length} features, l2 ${fitOptions.l2}, block rule in front):`);
  console.log(`  accuracy ${pct(cv.accuracy)}  Cohen's κ ${M.cohensKappa(cv.confusion).toFixed(3)}  (folds: ${cv.foldAccuracies.map(pct).join(', ')})`);
  console.log(table(cv.confusion));

  // Maps of one input share tokens and sentence: folds by input keep them together (no input is in
  // both the training and the test folds), a harder and more honest check than the stratified one.
  const inputs = [...new Set(maps.map((m) => m.map.text.a))];
  const grouped = Object.fromEntries(T.map((t) => [t, Object.fromEntries(T.map((u) => [u, 0]))]));
  for (let f = 0; f < 5; f++) {
    const test = new Set(inputs.filter((_, i) => i % 5 === f));
    const model = M.fitPatternModel(maps.filter((m) => !test.has(m.map.text.a)), fitOptions);
    for (const m of maps) if (test.has(m.map.text.a)) grouped[m.type][M.classifyWithModel(model, m.features)]++;
  }
  console.log(`\nThe same with folds by input (5 folds of the ${inputs.length} inputs; a map is never tested on a model that saw its sentence): accuracy ${pct(accuracyOf(grouped))}  κ ${M.cohensKappa(grouped).toFixed(3)}`);
  console.log(table(grouped));

  const rules = confusionOf((f) => P.classifyByRules(f).type);
  console.log(`\nRules (classifyByRules; thresholds set on these maps, so this is not a held-out score): accuracy ${pct(accuracyOf(rules))}  κ ${M.cohensKappa(rules).toFixed(3)}`);
  console.log(table(rules));

  if (write) {
    const model = M.fitPatternModel(examples, fitOptions);
    writeFileSync(MODEL_PATH, `${JSON.stringify(model, null, 1)}\n`);
    console.log(`\nWrote ${MODEL_PATH} (fitted on all ${examples.length} maps).`);
  }
  if (existsSync(MODEL_PATH)) {
    const shipped = M.parsePatternModel(readFileSync(MODEL_PATH, 'utf8'));
    const fresh = M.fitPatternModel(examples, fitOptions);
    const same = JSON.stringify(fresh) === JSON.stringify(shipped);
    const inSample = confusionOf((f) => M.classifyWithModel(shipped, f));
    console.log(`\nShipped weights (${MODEL_PATH.slice(ROOT.length)}): in-sample accuracy ${pct(accuracyOf(inSample))}, κ ${M.cohensKappa(inSample).toFixed(3)}; ${same ? 'equal to a fresh fit' : 'DIFFERENT from a fresh fit: run npm run patterns:eval -- --write'}`);
    if (!same) process.exitCode = 1;
  }
} finally {
  await server.close();
}
