#!/usr/bin/env node
// @ts-check
// Masking sweeps from the command line (Kovaleva et al. 2019, Figs. 8 and 9): the same runs, scores
// and result file as the app, on a server or a cluster. It runs the app's own engine (src/engine,
// loaded through Vite, as scripts/bench.mjs does) on onnxruntime-node's native CPU backend, and
// falls back to onnxruntime-web's WASM backend in Node, saying so, where the native one cannot start.
// Usage: node scripts/sweep.mjs --help  (and scripts/sweep.md)

import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism, homedir } from 'node:os';
import { dirname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const HELP = `Head Atlas masking sweep: score a BERT model on a GLUE task with each head (or layer) disabled in turn.

Run a sweep (or one shard of it):
  node scripts/sweep.mjs --model <folder | owner/name[@revision]> --task <task> --out result.json [options]
Merge shards:
  node scripts/sweep.mjs --merge a.json b.json ... --out merged.json

Sweep options:
  --model M          a model folder (config.json, tokenizer, weights) or a Hub id, e.g. textattack/bert-base-uncased-SST-2@main
  --hub-host URL     where Hub ids are downloaded from (default https://huggingface.co); any server with the Hub layout
  --task T           sst2, mrpc, stsb, qqp, mnli, qnli, rte, cola or wnli
  --data FILE        the task's dev set as a GLUE TSV (default: the file shipped in public/data/; QQP needs --data)
  --n N              score the first N examples (default: all of them)
  --kind K           heads (one run per head, Fig. 8; default) or layers (one run per layer, Fig. 9)
  --mode M           zero (the head's output is 0; default), uniform (it attends uniformly, as in the paper),
                     or skip (layer sweeps only: the layer passes its input through)
  --shard i/n        run shard i of n (i from 0); every shard also runs the baseline
  --out FILE         where the result JSON goes (rewritten after every run, so a killed job leaves a valid partial file).
                     If FILE holds part of this same sweep (same model, revision, task, sample, mode, kind, label
                     mapping and shard), only the runs it lacks are run; a file of another sweep is refused, saying why
  --restart          start over, overwriting --out, instead of going on from it
  --label-map MAP    model output → task class, one per output: "2,0,1" or "contradiction,entailment,neutral"
                     (default: from the config's label names, a catalogue of known models, or output i = class i)
  --name NAME        the model name written to the file (default: the Hub id, or the folder as given);
                     also looked up in the catalogue, e.g. --name textattack/bert-base-uncased-MNLI for a local copy
  --weights W        auto (default), safetensors, pytorch or onnx
  --batch-size B     examples per forward pass (default 32)
  --threads T        CPU threads for onnxruntime-node (default $SLURM_CPUS_PER_TASK, else all cores)
  --backend B        node (native onnxruntime-node; default) or wasm (onnxruntime-web in Node, as the tests use)
  --cache-dir DIR    keep Hub downloads here (default $XDG_CACHE_HOME/head-atlas or ~/.cache/head-atlas)
  --no-cache         do not keep downloads
  --no-predictions   leave the baseline's per-example predictions out of the file
  --no-reuse         recompute every layer in every run (by default a run starts at the first layer its
                     mask changes, from the lower layers' outputs kept in memory: checkpoint weights only)
  --max-kept-mib M   memory for those kept outputs (default 512); a sample needing more recomputes every layer

Merge options:
  --merge            merge the sweep files given as arguments into --out
  --tolerance X      largest baseline (and overlapping run) score difference to accept (default 0: identical)
`;

/** @param {string} message */
function log(message) {
  process.stderr.write(`${message}\n`);
}

/** @param {number} seconds */
function duration(seconds) {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 90) return `${seconds.toFixed(1)} s`;
  if (seconds < 5400) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Writes through a temporary file, so a reader (or a job killed mid-write) never sees half a file. */
async function writeAtomically(/** @type {string} */ path, /** @type {string | Uint8Array} */ data) {
  await mkdir(dirname(resolve(path)), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, path);
}

/**
 * Hub downloads kept on disk, one file per URL, so the shards of a job array download once.
 * @param {string} dir
 * @returns {import('../src/engine/modelSource').ByteCache}
 */
function diskCache(dir) {
  const fileOf = (/** @type {string} */ url) => join(dir, createHash('sha256').update(url).digest('hex'));
  return {
    async get(url) {
      try {
        return new Uint8Array(await readFile(fileOf(url)));
      } catch (e) {
        if (/** @type {NodeJS.ErrnoException} */ (e).code === 'ENOENT') return null;
        throw e;
      }
    },
    async put(url, bytes) {
      await writeAtomically(fileOf(url), bytes);
    },
  };
}

/**
 * ONNX Runtime for the engine: onnxruntime-node where its native binding loads, with the engine's
 * 'wasm' execution provider swapped for 'cpu' (the engine asks for the backend it was given);
 * onnxruntime-web's WASM backend otherwise.
 * @param {'node' | 'wasm'} backend
 * @param {number} threads
 * @returns {Promise<{ ort: any, runtime: string, fallback: string | null }>}
 */
async function loadOrt(backend, threads) {
  let fallback = null;
  if (backend === 'node') {
    try {
      const require = createRequire(import.meta.url);
      // onnxruntime-node comes with @huggingface/transformers, not as a dependency of its own.
      const ortNode = require(require.resolve('onnxruntime-node', { paths: [require.resolve('@huggingface/transformers')] }));
      ortNode.env.logLevel = 'error';
      const ort = {
        ...ortNode,
        InferenceSession: {
          /** @param {Uint8Array} model @param {Record<string, unknown>} [options] */
          create: (model, options = {}) => ortNode.InferenceSession.create(model, { ...options, executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1 }),
        },
      };
      const version = require(require.resolve('onnxruntime-node/package.json', { paths: [require.resolve('@huggingface/transformers')] })).version;
      return { ort, runtime: `onnxruntime-node ${version}, native CPU, ${threads} thread${threads === 1 ? '' : 's'}`, fallback: null };
    } catch (e) {
      fallback = `onnxruntime-node could not start here (${/** @type {Error} */ (e).message.split('\n')[0]}), so this runs on onnxruntime-web's WASM backend in Node, which is slower.`;
    }
  }
  const ort = await import('onnxruntime-web');
  // One thread: WASM threads in Node need worker files the tests do not set up either.
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  return { ort, runtime: `onnxruntime-web ${ort.env.versions?.web ?? ''} WASM in Node, 1 thread`, fallback };
}

/** @param {string | undefined} text @param {string} flag @param {number} fallback */
function positiveInt(text, flag, fallback) {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} takes a whole number of at least 1, not "${text}".`);
  return n;
}

/**
 * The engine and analysis modules, loaded from src/ through Vite (no build step, no copy).
 * @param {import('vite').ViteDevServer} server
 */
async function loadModules(server) {
  const load = (/** @type {string} */ path) => server.ssrLoadModule(path);
  return {
    /** @type {typeof import('../src/engine/engineHost')} */ engineHost: /** @type {any} */ (await load('/src/engine/engineHost.ts')),
    /** @type {typeof import('../src/engine/diskSource')} */ diskSource: /** @type {any} */ (await load('/src/engine/diskSource.ts')),
    /** @type {typeof import('../src/engine/modelSource')} */ modelSource: /** @type {any} */ (await load('/src/engine/modelSource.ts')),
    /** @type {typeof import('../src/analysis/glue')} */ glue: /** @type {any} */ (await load('/src/analysis/glue.ts')),
    /** @type {typeof import('../src/analysis/labelMapping')} */ labelMapping: /** @type {any} */ (await load('/src/analysis/labelMapping.ts')),
    /** @type {typeof import('../src/analysis/sweep')} */ sweep: /** @type {any} */ (await load('/src/analysis/sweep.ts')),
  };
}

/**
 * @param {Awaited<ReturnType<typeof loadModules>>} m
 * @param {string[]} files
 * @param {Record<string, any>} values
 */
async function merge(m, files, values) {
  if (files.length === 0) throw new Error('--merge needs the sweep files to merge, e.g. --merge shard-*.json --out merged.json.');
  if (!values.out) throw new Error('--merge needs --out, the file to write the merged sweep to.');
  const tolerance = values.tolerance === undefined ? 0 : Number(values.tolerance);
  if (!(tolerance >= 0)) throw new Error(`--tolerance takes a number of at least 0, not "${values.tolerance}".`);
  const shards = await Promise.all(files.map(async (file) => m.sweep.parseSweepFile(await readFile(file, 'utf8'), file)));
  const { result, missing, notes } = m.sweep.mergeSweeps(shards, { names: files, tolerance });
  for (const note of notes) log(`note: ${note}`);
  await writeAtomically(values.out, m.sweep.stringifySweep(result));
  const count = result.runs.length;
  log(`merged ${files.length} file${files.length === 1 ? '' : 's'} into ${values.out}: ${count} run${count === 1 ? '' : 's'}, baseline ${result.metric} ${result.baseline.score.toFixed(4)}.`);
  if (missing.length > 0) {
    const shown = missing.length <= 20 ? missing.join(', ') : `${missing.slice(0, 20).join(', ')}, … ${missing.length - 20} more`;
    log(`warning: the merge is incomplete: ${missing.length} run${missing.length === 1 ? ' is' : 's are'} missing (${shown}). Rerun the shards that hold them and merge again.`);
  }
}

/**
 * @param {Awaited<ReturnType<typeof loadModules>>} m
 * @param {Record<string, any>} values
 */
async function sweep(m, values) {
  for (const flag of ['model', 'task', 'out']) if (!values[flag]) throw new Error(`--${flag} is needed. See --help.`);
  const { GLUE_TASKS, isGlueTaskKey, parseGlueTsv } = m.glue;
  if (!isGlueTaskKey(values.task)) throw new Error(`--task "${values.task}" is not a GLUE task: ${Object.keys(GLUE_TASKS).join(', ')}.`);
  const task = GLUE_TASKS[values.task];
  const kind = values.kind ?? 'heads';
  const mode = values.mode ?? 'zero';
  const threads = positiveInt(values.threads, '--threads', Number(process.env.SLURM_CPUS_PER_TASK) || availableParallelism());
  const batchSize = positiveInt(values['batch-size'], '--batch-size', 32);
  const backend = values.backend ?? 'node';
  if (backend !== 'node' && backend !== 'wasm') throw new Error(`--backend is node or wasm, not "${backend}".`);
  const shard = values.shard === undefined ? null : m.sweep.parseShardSpec(values.shard);
  m.sweep.planSweep({ layers: 1, heads: 1 }, kind, mode); // a bad --kind or --mode fails now, not after the download

  // The examples first: a bad data file should fail before a model downloads.
  const dataFile = values.data ?? (task.dataPath ? join(ROOT, 'public', task.dataPath) : null);
  if (!dataFile) throw new Error(`No ${task.name} dev set is shipped with Head Atlas: give one with --data path/to/dev.tsv.`);
  const all = parseGlueTsv(await readFile(dataFile, 'utf8'), task, { fileName: dataFile });
  const n = Math.min(positiveInt(values.n, '--n', all.length), all.length);
  const examples = all.slice(0, n);

  // A file already at --out is where this sweep goes on from (or, with --restart, is overwritten).
  /** @type {import('../src/analysis/sweep').SweepResult | null} */
  let previous = null;
  if (!values.restart && existsSync(values.out)) {
    try {
      previous = m.sweep.parseSweepFile(await readFile(values.out, 'utf8'), values.out);
    } catch (e) {
      throw new Error(`${/** @type {Error} */ (e).message} It cannot be resumed: give another --out, or --restart to overwrite it.`);
    }
  }

  let { ort, runtime, fallback } = await loadOrt(backend, threads);
  const isFolder = existsSync(values.model) && statSync(values.model).isDirectory();
  /** @type {import('../src/engine/engineHost').ModelSpec} */
  let spec;
  let modelName;
  /** @type {string | null} */
  let revision = null;
  if (isFolder) {
    modelName = values.name ?? normalize(values.model).replace(/[\\/]+$/, '');
    spec = { kind: 'bundled', name: 'unused' }; // sourceOf is replaced below
  } else {
    const hub = m.modelSource.parseHubId(values.model);
    spec = { kind: 'hub', repo: hub.repo, revision: hub.revision, host: values['hub-host'] };
    modelName = values.name ?? hub.repo;
    revision = hub.revision;
  }
  const cache = values['no-cache'] ? null : diskCache(values['cache-dir'] ?? join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'head-atlas'));
  const makeHost = (/** @type {any} */ ortApi) => {
    const host = new m.engineHost.EngineHost({
      ort: ortApi,
      backend: { requested: 'wasm', backend: 'wasm', threads, crossOriginIsolated: false, fallbackReason: null },
      appBaseUrl: 'http://localhost/',
      cache,
    });
    // A folder on disk: EngineHost has no such spec (the browser cannot name one), so its source is swapped.
    if (isFolder) host.sourceOf = () => m.diskSource.diskSource(values.model, modelName);
    return host;
  };
  /** @type {Record<string, number>} */
  const reported = {};
  const onLoad = (/** @type {import('../src/engine/engineHost').LoadProgress} */ p) => {
    if (p.stage !== 'download' || p.cached || !p.total) return;
    const tenth = Math.floor((10 * p.loaded) / p.total);
    if (tenth !== reported[p.file]) log(`downloading ${p.file}: ${(p.loaded / 2 ** 20).toFixed(0)} of ${(p.total / 2 ** 20).toFixed(0)} MiB`);
    reported[p.file] = tenth;
  };
  const format = values.weights && values.weights !== 'auto' ? values.weights : undefined;
  let host = makeHost(ort);
  let info;
  try {
    info = await host.load(spec, { format }, onLoad);
  } catch (e) {
    // The binding loaded but cannot make a session (e.g. a CPU it was not built for): WASM still can.
    if (backend !== 'node' || fallback || /** @type {{ code?: string }} */ (e).code !== 'backend') throw e;
    ({ ort, runtime } = await loadOrt('wasm', 1));
    fallback = `onnxruntime-node could not run this model (${/** @type {Error} */ (e).message}), so this runs on onnxruntime-web's WASM backend in Node, which is slower.`;
    host = makeHost(ort);
    info = await host.load(spec, { format }, onLoad);
  }
  if (fallback) log(`note: ${fallback}`);
  const { shape } = info;

  const { defaultLabelMapping, parseMappingSpec, validateMapping, chanceHint } = m.labelMapping;
  const chosen = values['label-map']
    ? { mapping: parseMappingSpec(values['label-map'], task), source: 'command line', note: 'Given with --label-map.' }
    : defaultLabelMapping(shape.labels, modelName, task, shape.numLabels);
  const problem = validateMapping(chosen.mapping, shape.numLabels, task.regression ? 0 : task.classNames.length);
  if (problem) throw new Error(`${problem} ${chosen.note} Give the mapping with --label-map (one ${task.name} class per model output).`);

  const fullPlan = m.sweep.planSweep(shape, kind, mode);
  const plan = shard ? m.sweep.shardOf(fullPlan, shard.index, shard.count) : fullPlan;
  log(`model: ${info.label} (${shape.layers} layers × ${shape.heads} heads, ${info.format} weights) on ${runtime}`);
  log(`labels (${chosen.source}): ${chosen.note}`);
  log(`task: ${task.name}, ${examples.length} of ${all.length} examples from ${dataFile}; metric ${task.headline}`);
  log(`sweep: ${kind}, mode ${mode}: ${plan.length} runs${shard ? ` (shard ${shard.index}/${shard.count} of ${fullPlan.length})` : ''}, baseline first`);

  /** @type {import('../src/analysis/sweep').SweepSetup} */
  const setup = {
    model: modelName,
    revision,
    modelIdentity: info.identity,
    task,
    examples,
    first: examples.length < all.length,
    kind,
    mode,
    shape,
    mapping: chosen.mapping,
    createdWith: 'cli',
    ...(shard ? { shard } : {}),
    keepPredictions: !values['no-predictions'],
  };
  const cannotResume = (/** @type {string} */ why) => new Error(`Cannot resume ${values.out}: ${why}. Give another --out, or --restart to start over (it overwrites the file).`);
  if (previous) {
    const why = m.sweep.resumeMismatch(previous, setup);
    if (why) throw cannotResume(why);
    const planIds = new Set(plan.map((run) => run.id));
    const have = previous.runs.filter((run) => planIds.has(run.id)).length;
    if (have === plan.length - 1) {
      log(`${values.out} already holds all ${have} runs of this sweep${shard ? ' shard' : ''}: nothing to run (--restart runs it again).`);
      await host.unload(info.id);
      return;
    }
    log(`resuming ${values.out}: ${have} of ${plan.length - 1} runs done; running the baseline again, then the other ${plan.length - 1 - have}.`);
  }

  const maxKeptBytes = positiveInt(values['max-kept-mib'], '--max-kept-mib', m.engineHost.MAX_KEPT_BYTES / 2 ** 20) * 2 ** 20;
  const layerWork = { computed: 0, whole: 0, unavailable: /** @type {string | null} */ (null) };
  const started = performance.now();
  const result = await m.sweep.runSweep(
    setup,
    plan,
    async (masks) => {
      const out = await host.evaluate(info.id, examples, { masks, batchSize, reuse: !values['no-reuse'], maxKeptBytes });
      if (out.reuse) {
        layerWork.computed += out.reuse.computed;
        layerWork.whole += out.reuse.whole;
        if (out.reuse.unavailable && !layerWork.unavailable) log(`note: every layer is recomputed: ${out.reuse.unavailable}.`);
        layerWork.unavailable = out.reuse.unavailable;
      }
      return out;
    },
    (p) => {
      const elapsed = (performance.now() - started) / 1000;
      const eta = (elapsed / (p.done - p.kept)) * (p.total - p.done);
      const delta = p.delta === null ? '' : `  Δ ${p.delta >= 0 ? '+' : ''}${p.delta.toFixed(4)}`;
      const width = String(p.total).length;
      log(`[${String(p.done).padStart(width)}/${p.total}] ${p.run.id.padEnd(9)} ${task.headline} ${p.score.toFixed(4)}${delta}   elapsed ${duration(elapsed)}, ETA ${duration(eta)}`);
      if (p.delta === null) {
        const hint = chanceHint(p.score, task, examples.map((e) => e.label));
        if (hint) log(`warning: ${hint}`);
      }
      // A checkpoint after every run; merge reads a partial file and lists what it lacks.
      const snapshot = m.sweep.stringifySweep(p.result);
      pending = pending.then(() => writeAtomically(values.out, snapshot));
    },
    { resume: previous },
  ).catch((/** @type {Error} */ e) => {
    throw e instanceof m.sweep.SweepResumeError ? cannotResume(e.message) : e;
  });
  await pending;
  await writeAtomically(values.out, m.sweep.stringifySweep(result));
  log(`wrote ${values.out}: ${result.runs.length} runs${result.complete ? ', complete' : ''}, baseline ${task.headline} ${result.baseline.score.toFixed(4)}, in ${duration((performance.now() - started) / 1000)}.`);
  if (layerWork.whole > 0 && !layerWork.unavailable) log(`reused unchanged lower layers: computed ${layerWork.computed} of the ${layerWork.whole} layer passes a full recompute takes (${((100 * layerWork.computed) / layerWork.whole).toFixed(0)}%).`);
  await host.unload(info.id);
}

/** @type {Promise<void>} */
let pending = Promise.resolve();

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      'hub-host': { type: 'string' },
      task: { type: 'string' },
      data: { type: 'string' },
      n: { type: 'string' },
      kind: { type: 'string' },
      mode: { type: 'string' },
      shard: { type: 'string' },
      out: { type: 'string' },
      'label-map': { type: 'string' },
      name: { type: 'string' },
      weights: { type: 'string' },
      'batch-size': { type: 'string' },
      threads: { type: 'string' },
      backend: { type: 'string' },
      'cache-dir': { type: 'string' },
      'no-cache': { type: 'boolean' },
      'no-predictions': { type: 'boolean' },
      'no-reuse': { type: 'boolean' },
      'max-kept-mib': { type: 'string' },
      restart: { type: 'boolean' },
      merge: { type: 'boolean' },
      tolerance: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  if (!values.merge && positionals.length > 0) throw new Error(`Unexpected argument "${positionals[0]}": files are given only with --merge. See --help.`);
  const { createServer } = await import('vite');
  // Vite only to load src/*.ts: no config file, no HTTP server, no dependency scan.
  const server = await createServer({
    root: ROOT,
    configFile: false,
    logLevel: 'error',
    appType: 'custom',
    server: { middlewareMode: true, hmr: false, ws: false },
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  try {
    const modules = await loadModules(server);
    if (values.merge) await merge(modules, positionals, values);
    else await sweep(modules, values);
  } finally {
    await server.close();
  }
}

try {
  await main();
  process.exit(0);
} catch (e) {
  log(`sweep: ${/** @type {Error} */ (e).message}`);
  process.exit(1);
}
