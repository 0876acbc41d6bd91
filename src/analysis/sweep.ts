// Masking sweeps (Kovaleva et al. 2019, Figs. 8 and 9): score a model on a task with nothing
// disabled (the baseline), then with each head, or each layer, disabled on its own.
//
// This file is the pure part, shared by the browser and the command line (scripts/sweep.mjs):
// the plan of runs, shards of it, running a plan against any `evaluate` function, the result file
// format, its strict reader, merging shards, and the matrices the figures draw.
//
// Layers and heads count from 1 in ids and in the file (`L7-H6` is layer 7, head 6), as on screen,
// in the paper and in the app's other exports. The matrices returned for drawing are 0-based arrays.

import type { BertShape } from '../engine/bertConfig';
import type { DisableMode, Masks } from '../engine/bertRunner';
import { GLUE_TASKS, isGlueTaskKey, type GlueMetric, type GlueTaskKey, type GlueTaskSpec, type TaskExample } from './glue';
import { validateMapping } from './labelMapping';
import { taskPredictions } from './maskingScores';
import { taskScores, type TaskScores } from './metrics';

export const SWEEP_FORMAT = 'head-atlas-sweep';
export const SWEEP_VERSION = 1;

/** What one run disables: a single head, or a single layer. */
export type SweepKind = 'heads' | 'layers';

/**
 * How a head or layer is disabled. `zero` and `uniform` switch heads off (the head's output is 0,
 * or it attends uniformly); a layer sweep in these modes switches off all the layer's heads, as
 * the paper's Fig. 9 does ("all 12 attention heads in this layer"). `skip` (layer sweeps only)
 * makes the whole layer, feed-forward included, pass its input through: the engine's layer mask.
 */
export type SweepMode = DisableMode | 'skip';

export type SweepShape = Pick<BertShape, 'layers' | 'heads'>;

/** One forward pass over the sample: the baseline, or one head or layer disabled. */
export interface SweepRunPlan {
  /** 'baseline', 'L7-H6' (heads) or 'L7' (layers). */
  id: string;
  /** 1-based; null for the baseline. */
  layer: number | null;
  /** 1-based; null for the baseline and in layer sweeps. */
  head: number | null;
  masks: Masks;
}

export interface SweepRunResult {
  id: string;
  layer: number;
  /** Present in head sweeps only. */
  head?: number;
  /** The task's `metric` with this head or layer disabled. */
  score: number;
  /** score − baseline.score. */
  delta: number;
}

/** The file a sweep writes, in the browser and from the command line (format 'head-atlas-sweep', version 1). */
export interface SweepResult {
  format: typeof SWEEP_FORMAT;
  version: typeof SWEEP_VERSION;
  /** Hub id (owner/name) or the model's folder as given. */
  model: string;
  /** Hub revision; null for a folder on disk. */
  revision: string | null;
  /** The content identity of the model files that were run (`sha256:` + 32 hex digits; see the engine's modelIdentity.ts). */
  modelIdentity?: string;
  task: GlueTaskKey;
  /** The metric every score is: the task's headline metric. */
  metric: GlueMetric;
  /**
   * The examples scored: `size` rows; `first` is true when they are the first `size` rows of the
   * task's file, false when they are the whole file. `fingerprint` (see sampleFingerprint) tells
   * two samples of the same size apart.
   */
  sample: { size: number; first: boolean; fingerprint?: string };
  mode: SweepMode;
  kind: SweepKind;
  layers: number;
  heads: number;
  /** The unmasked score; `predictions` (task classes, or scores for STS-B) allow paired bootstraps later. */
  baseline: { score: number; predictions?: number[] };
  /** In plan order (layer by layer, head by head). A shard holds only its own runs. */
  runs: SweepRunResult[];
  /** Whether every head (or layer) has its run. */
  complete: boolean;
  createdWith: 'browser' | 'cli';
  /** Model output → task class, as used for scoring (see labelMapping.ts). */
  labelMapping?: number[];
  /** Set on a shard: which of how many (0-based index). */
  shard?: { index: number; count: number };
}

// ---------------------------------------------------------------------------------------------
// Plans and shards

export function runId(layer: number, head?: number | null): string {
  return head == null ? `L${layer}` : `L${layer}-H${head}`;
}

function checkShape(shape: SweepShape): void {
  for (const key of ['layers', 'heads'] as const) {
    if (!Number.isInteger(shape[key]) || shape[key] < 1) throw new Error(`A sweep needs a whole number of ${key}, at least 1 (got ${shape[key]}).`);
  }
}

function checkKindMode(kind: SweepKind, mode: SweepMode): void {
  if (kind !== 'heads' && kind !== 'layers') throw new Error(`A sweep's kind is "heads" or "layers", not "${String(kind)}".`);
  if (mode !== 'zero' && mode !== 'uniform' && mode !== 'skip') throw new Error(`A sweep's mode is "zero", "uniform" or "skip", not "${String(mode)}".`);
  if (kind === 'heads' && mode === 'skip') throw new Error('"skip" passes a whole layer through; a head sweep disables heads with "zero" or "uniform".');
}

/**
 * Every run of a sweep, in order: the baseline (no mask), then one run per head (layer by layer,
 * head by head) or per layer, each disabling only that head or layer.
 */
export function planSweep(shape: SweepShape, kind: SweepKind, mode: SweepMode = 'zero'): SweepRunPlan[] {
  checkShape(shape);
  checkKindMode(kind, mode);
  const { layers, heads } = shape;
  const plan: SweepRunPlan[] = [{ id: 'baseline', layer: null, head: null, masks: {} }];
  const headsOff = (off: (l: number, h: number) => boolean) =>
    Array.from({ length: layers * heads }, (_, i) => (off(Math.floor(i / heads), i % heads) ? 0 : 1));
  for (let l = 0; l < layers; l++) {
    if (kind === 'layers') {
      const masks: Masks =
        mode === 'skip'
          ? { layers: Array.from({ length: layers }, (_, k) => (k === l ? 0 : 1)) }
          : { heads: headsOff((layer) => layer === l), mode };
      plan.push({ id: runId(l + 1), layer: l + 1, head: null, masks });
      continue;
    }
    for (let h = 0; h < heads; h++) {
      plan.push({ id: runId(l + 1, h + 1), layer: l + 1, head: h + 1, masks: { heads: headsOff((layer, head) => layer === l && head === h), mode: mode as DisableMode } });
    }
  }
  return plan;
}

/** "i/n" (0 ≤ i < n), as `--shard $SLURM_ARRAY_TASK_ID/$N` gives it. */
export function parseShardSpec(text: string): { index: number; count: number } {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) throw new Error(`"${text}" is not a shard: write it as i/n, e.g. 0/4 for the first of 4 shards (i counts from 0).`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || index >= count) throw new Error(`Shard ${index}/${count} does not exist: i counts from 0 to n − 1 (here 0 to ${Math.max(0, count - 1)}).`);
  return { index, count };
}

/**
 * Shard `index` of `count` (0-based) of a plan: every `count`-th run, starting at the `index`-th,
 * so shards get a fair mix of early and late layers. The baseline is in every shard, so each shard
 * can compute its own deltas; merging checks that the baselines agree.
 */
export function shardOf(plan: readonly SweepRunPlan[], index: number, count: number): SweepRunPlan[] {
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 0 || index >= count) {
    throw new Error(`Shard ${index} of ${count} does not exist: shards are numbered 0 to count − 1.`);
  }
  const baseline = plan.find((run) => run.id === 'baseline');
  if (!baseline) throw new Error('The plan has no baseline run, so its shards could not compute deltas.');
  const others = plan.filter((run) => run !== baseline);
  return [baseline, ...others.filter((_, k) => k % count === index)];
}

/**
 * The first layer (0-based) whose computation a mask changes, or null when it changes nothing.
 * Everything below that layer is exactly the baseline's, so the engine starts a masked run there
 * from kept hidden states (engine/stagedRunner.ts): a head-sweep run in layer L costs the layers
 * from L up. A head kept at any value other than 1 counts as touched.
 */
export function reuseFromLayer(masks: Masks, shape: SweepShape): number | null {
  const { layers, heads } = shape;
  for (let l = 0; l < layers; l++) {
    if (masks.layers && masks.layers[l] !== 1) return l;
    if (masks.heads) for (let h = 0; h < heads; h++) if (masks.heads[l * heads + h] !== 1) return l;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Running

/** A stable 16-hex-digit hash of the examples' texts and labels, so two samples can be told apart. */
export function sampleFingerprint(examples: readonly Pick<TaskExample, 'textA' | 'textB' | 'label'>[]): string {
  // Two 32-bit FNV-1a-style hashes with different seeds: fast, and 64 bits make a collision negligible
  // (the engine also keys its kept hidden states with it).
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  const feed = (text: string) => {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
    }
  };
  for (const e of examples) feed(`${e.textA}\u0000${e.textB ?? '\u0001'}\u0000${e.label}\u0002`);
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/**
 * The task's predictions and scores from a model's logits ([examples × numLabels]): the argmax
 * output mapped to a task class, or for STS-B the one output itself.
 */
export function scoreLogits(task: GlueTaskSpec, logits: ArrayLike<number>, numLabels: number, labels: ArrayLike<number>, mapping: readonly number[]): { predictions: number[]; scores: TaskScores } {
  const problem = validateMapping(mapping, numLabels, task.regression ? 0 : task.classNames.length);
  if (problem) throw new Error(`${task.name}: ${problem}`);
  const predictions = Array.from(taskPredictions(logits, numLabels, task, mapping));
  return { predictions, scores: taskScores(task, predictions, labels) };
}

export interface SweepSetup {
  model: string;
  revision: string | null;
  modelIdentity?: string;
  task: GlueTaskSpec;
  /** The examples scored, already cut to the sample. */
  examples: readonly TaskExample[];
  /** True when `examples` are the first rows of the task's file, false when they are all of it. */
  first: boolean;
  kind: SweepKind;
  mode: SweepMode;
  shape: SweepShape;
  /** Model output → task class (see labelMapping.ts); [0] for STS-B. */
  mapping: readonly number[];
  createdWith: 'browser' | 'cli';
  shard?: { index: number; count: number };
  /** Keep the baseline's predictions in the file (default true). */
  keepPredictions?: boolean;
}

export type SweepEvaluate = (masks: Masks) => Promise<{ logits: Float32Array; numLabels: number }>;

export interface SweepProgress {
  /** Runs done, baseline included, of `total` (the plan's runs), counting those kept from a resumed sweep. */
  done: number;
  total: number;
  /** How many of `done` were kept from the sweep being resumed (0 when none is), e.g. for an ETA. */
  kept: number;
  run: SweepRunPlan;
  score: number;
  /** Null for the baseline. */
  delta: number | null;
  /** The result so far, a valid sweep file at each call (`complete` once every run is in); the same object each time. */
  result: SweepResult;
}

/** What names a sweep in its file: the fields that two files of one sweep share. */
export type SweepIdentity = Pick<SweepResult, 'model' | 'revision' | 'modelIdentity' | 'task' | 'metric' | 'sample' | 'mode' | 'kind' | 'layers' | 'heads' | 'labelMapping' | 'shard'>;

/** The identity of the file a sweep set up this way writes. */
export function sweepIdentity(setup: SweepSetup): SweepIdentity {
  return {
    model: setup.model,
    revision: setup.revision,
    ...(setup.modelIdentity ? { modelIdentity: setup.modelIdentity } : {}),
    task: setup.task.key,
    metric: setup.task.headline,
    sample: { size: setup.examples.length, first: setup.first, fingerprint: sampleFingerprint(setup.examples) },
    mode: setup.mode,
    kind: setup.kind,
    layers: setup.shape.layers,
    heads: setup.shape.heads,
    labelMapping: [...setup.mapping],
    ...(setup.shard ? { shard: { ...setup.shard } } : {}),
  };
}

// What makes two files parts of one sweep, as shown in messages. A value that is undefined was not
// recorded (files from before fingerprints and label mappings were written) and is not compared.
const SAME_SWEEP: { label: string; value: (s: SweepIdentity) => string | undefined; hint?: string }[] = [
  { label: 'model', value: (s) => JSON.stringify(s.model) },
  { label: 'revision', value: (s) => JSON.stringify(s.revision) },
  { label: 'model files (content identity)', value: (s) => s.modelIdentity && JSON.stringify(s.modelIdentity), hint: 'the same name, other files: a retrained, planted or differently formatted model' },
  { label: 'task', value: (s) => JSON.stringify(s.task) },
  { label: 'metric', value: (s) => JSON.stringify(s.metric) },
  { label: 'sample size', value: (s) => String(s.sample.size) },
  { label: 'sample (first rows or whole file)', value: (s) => JSON.stringify(s.sample.first ? 'first rows' : 'whole file') },
  { label: 'sample fingerprint', value: (s) => s.sample.fingerprint && JSON.stringify(s.sample.fingerprint), hint: 'they scored different examples: were they given different data files?' },
  { label: 'disable mode', value: (s) => JSON.stringify(s.mode) },
  { label: 'sweep kind', value: (s) => JSON.stringify(s.kind) },
  { label: 'number of layers', value: (s) => String(s.layers) },
  { label: 'number of heads', value: (s) => String(s.heads) },
  { label: 'label mapping (model output → task class)', value: (s) => s.labelMapping && `[${s.labelMapping.join(', ')}]` },
];
const SAME_SHARD = { label: 'shard', value: (s: SweepIdentity) => (s.shard ? `${s.shard.index}/${s.shard.count}` : 'none (the whole sweep)') };

/**
 * The first way `other` is not part of the same sweep as `base`, or null: model, revision, task,
 * metric, sample, mode, kind, shape, label mapping and, with `shard`, the shard. Merging (shards
 * of one sweep) and resuming (the same shard of it) both decide by this.
 */
export function sweepDifference(base: SweepIdentity, other: SweepIdentity, options: { shard?: boolean } = {}): { label: string; base: string; other: string; hint?: string } | null {
  for (const field of options.shard ? [...SAME_SWEEP, SAME_SHARD] : SAME_SWEEP) {
    const [a, b] = [field.value(base), field.value(other)];
    if (a !== undefined && b !== undefined && a !== b) return { label: field.label, base: a, other: b, ...('hint' in field && field.hint ? { hint: field.hint } : {}) };
  }
  return null;
}

/** A sweep that cannot go on from the partial one it was given; the message says why. */
export class SweepResumeError extends Error {
  readonly code = 'not-resumable';
}

/**
 * Why a sweep set up as `setup` cannot go on from `previous` (a partial file of it), naming what
 * differs, or null when `previous` is the same sweep, shard included.
 */
export function resumeMismatch(previous: SweepIdentity, setup: SweepSetup): string | null {
  const d = sweepDifference(sweepIdentity(setup), previous, { shard: true });
  return d && `it holds another sweep: its ${d.label} is ${d.other}, but this sweep's is ${d.base}${d.hint ? ` (${d.hint})` : ''}`;
}

export interface RunSweepOptions {
  /**
   * A partial result of this same sweep (same shard) to go on from, as the browser's Resume and
   * the CLI's --out do: its runs are kept, and only the plan's runs it lacks are run. The baseline
   * runs again, for the deltas and to check it scores as it did. A different sweep, or a baseline
   * that now scores otherwise, throws a SweepResumeError before anything is reported to `onRun`.
   */
  resume?: SweepResult | null;
}

/**
 * Runs a plan (a whole sweep, or one shard of it) and returns its result file. `evaluate` scores
 * one mask over `setup.examples` (EngineHost.evaluate in the app and the CLI). The plan must begin
 * with the baseline. A throwing `evaluate` (e.g. a cancelled job) ends the sweep with that error;
 * `onRun` has seen the result so far.
 */
export async function runSweep(setup: SweepSetup, plan: readonly SweepRunPlan[], evaluate: SweepEvaluate, onRun?: (progress: SweepProgress) => void, options: RunSweepOptions = {}): Promise<SweepResult> {
  checkShape(setup.shape);
  checkKindMode(setup.kind, setup.mode);
  if (plan[0]?.id !== 'baseline') throw new Error('A sweep plan begins with the baseline run.');
  if (setup.examples.length === 0) throw new Error('A sweep needs at least one example.');
  const previous = options.resume ?? null;
  if (previous) {
    const why = resumeMismatch(previous, setup);
    if (why) throw new SweepResumeError(why);
  }
  const kept = previous?.runs ?? [];
  const keptIds = new Set(kept.map((r) => r.id));
  const labels = setup.examples.map((e) => e.label);
  const score = async (masks: Masks) => {
    const { logits, numLabels } = await evaluate(masks);
    return scoreLogits(setup.task, logits, numLabels, labels, setup.mapping);
  };
  const baseline = await score(plan[0].masks);
  const baselineScore = baseline.scores.headline.value;
  // The kept runs' deltas are against the old baseline: mixing them with a new one would be wrong.
  if (previous && previous.baseline.score !== baselineScore) {
    throw new SweepResumeError(`its baseline scored ${previous.baseline.score}, but the baseline now scores ${baselineScore}: the model's files, the examples' scoring or the software changed`);
  }
  const id = sweepIdentity(setup);
  const result: SweepResult = {
    format: SWEEP_FORMAT,
    version: SWEEP_VERSION,
    model: id.model,
    revision: id.revision,
    ...(id.modelIdentity ? { modelIdentity: id.modelIdentity } : {}),
    task: id.task,
    metric: id.metric,
    sample: id.sample,
    mode: id.mode,
    kind: id.kind,
    layers: id.layers,
    heads: id.heads,
    baseline: { score: baselineScore, ...(setup.keepPredictions === false ? {} : { predictions: baseline.predictions }) },
    runs: [...kept],
    complete: false,
    createdWith: setup.createdWith,
    labelMapping: id.labelMapping,
    ...(id.shard ? { shard: id.shard } : {}),
  };
  result.complete = missingRuns(result).length === 0;
  const planIds = new Set(plan.map((p) => p.id));
  const keptOfPlan = kept.filter((r) => planIds.has(r.id)).length;
  let done = 1 + keptOfPlan;
  onRun?.({ done, total: plan.length, kept: keptOfPlan, run: plan[0], score: baselineScore, delta: null, result });
  for (const run of plan.slice(1)) {
    if (run.layer === null || (setup.kind === 'heads') !== (run.head !== null)) throw new Error(`Run ${run.id} is not a ${setup.kind} run.`);
    if (keptIds.has(run.id)) continue;
    const value = (await score(run.masks)).scores.headline.value;
    const entry: SweepRunResult = { id: run.id, layer: run.layer, ...(run.head !== null ? { head: run.head } : {}), score: value, delta: value - baselineScore };
    result.runs = sortedRuns([...result.runs, entry]);
    // Kept true to the runs so far, so every snapshot passed to onRun is a valid file.
    result.complete = missingRuns(result).length === 0;
    onRun?.({ done: ++done, total: plan.length, kept: keptOfPlan, run, score: value, delta: entry.delta, result });
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Reading, merging, drawing

/** Ids of the runs a result lacks, in plan order. */
export function missingRuns(result: Pick<SweepResult, 'kind' | 'layers' | 'heads' | 'runs'>): string[] {
  const have = new Set(result.runs.map((r) => r.id));
  const ids: string[] = [];
  for (let l = 1; l <= result.layers; l++) {
    if (result.kind === 'layers') ids.push(runId(l));
    else for (let h = 1; h <= result.heads; h++) ids.push(runId(l, h));
  }
  return ids.filter((id) => !have.has(id));
}

function sortedRuns(runs: readonly SweepRunResult[]): SweepRunResult[] {
  return [...runs].sort((x, y) => x.layer - y.layer || (x.head ?? 0) - (y.head ?? 0));
}

/**
 * A sweep in progress written over the stored copy of the same sweep (another tab's runs, say):
 * the runs of both, this one's where both have a run. A stored copy of another sweep (other
 * model files, shape, sample or baseline) is replaced.
 */
export function withStoredRuns(stored: SweepResult | null, mine: SweepResult): SweepResult {
  const same =
    stored !== null &&
    stored.modelIdentity === mine.modelIdentity &&
    stored.kind === mine.kind &&
    stored.mode === mine.mode &&
    stored.layers === mine.layers &&
    stored.heads === mine.heads &&
    stored.task === mine.task &&
    stored.sample.size === mine.sample.size &&
    stored.sample.fingerprint === mine.sample.fingerprint &&
    stored.baseline.score === mine.baseline.score;
  if (!same) return mine;
  const ids = new Set(mine.runs.map((r) => r.id));
  const runs = sortedRuns([...stored.runs.filter((r) => !ids.has(r.id)), ...mine.runs]);
  const merged = { ...mine, runs };
  return { ...merged, complete: missingRuns(merged).length === 0 };
}

const TOP_KEYS = ['format', 'version', 'model', 'revision', 'modelIdentity', 'task', 'metric', 'sample', 'mode', 'kind', 'layers', 'heads', 'baseline', 'runs', 'complete', 'createdWith', 'labelMapping', 'shard'];
const DELTA_TOLERANCE = 1e-9;

/** The largest sweep a file may describe: well above any BERT (24 layers × 16 heads), small enough to draw at once. */
export const SWEEP_LIMITS = { layers: 128, heads: 128, sampleSize: 1_000_000 };


/** Reads a sweep file, checking every field; errors name the file, the field and what is wrong. */
export function parseSweepFile(text: string, fileName?: string): SweepResult {
  const what = fileName ?? 'The sweep file';
  const fail = (message: string): never => {
    throw new Error(`${what}: ${message}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return fail(`not JSON (${(e as Error).message}).`);
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(raw)) return fail('not a JSON object.');
  if (raw.format !== SWEEP_FORMAT) return fail(`not a Head Atlas sweep ("format" is ${JSON.stringify(raw.format)}, not "${SWEEP_FORMAT}").`);
  if (typeof raw.version === 'number' && raw.version > SWEEP_VERSION) return fail(`version ${raw.version} is newer than this Head Atlas reads (${SWEEP_VERSION}); update Head Atlas.`);
  if (raw.version !== SWEEP_VERSION) return fail(`"version" is ${JSON.stringify(raw.version)}; this Head Atlas reads version ${SWEEP_VERSION}.`);
  const unknown = Object.keys(raw).filter((k) => !TOP_KEYS.includes(k));
  if (unknown.length > 0) return fail(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (version ${SWEEP_VERSION} has ${TOP_KEYS.join(', ')}).`);

  const int = (v: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : fail(`"${field}" is ${JSON.stringify(v)}, not a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}.`);
  const finite = (v: unknown, field: string): number => (typeof v === 'number' && Number.isFinite(v) ? v : fail(`"${field}" is ${JSON.stringify(v)}, not a finite number.`));
  const oneOf = <T extends string>(v: unknown, field: string, allowed: readonly T[]): T =>
    allowed.includes(v as T) ? (v as T) : fail(`"${field}" is ${JSON.stringify(v)}, not one of ${allowed.map((a) => `"${a}"`).join(', ')}.`);
  const onlyKeys = (o: Record<string, unknown>, field: string, keys: string[]) => {
    const extra = Object.keys(o).filter((k) => !keys.includes(k));
    if (extra.length > 0) fail(`"${field}" has unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => `"${k}"`).join(', ')}.`);
  };

  if (typeof raw.model !== 'string' || raw.model.trim() === '') return fail('"model" must name the model (a Hub id or a folder).');
  if (raw.revision !== null && typeof raw.revision !== 'string') return fail(`"revision" is ${JSON.stringify(raw.revision)}, not a string or null.`);
  const modelIdentity = raw.modelIdentity;
  if (modelIdentity !== undefined && (typeof modelIdentity !== 'string' || !/^sha256:[0-9a-f]{32}$/.test(modelIdentity))) return fail(`"modelIdentity" is ${JSON.stringify(modelIdentity)}, not "sha256:" and 32 hex digits.`);
  if (typeof raw.task !== 'string' || !isGlueTaskKey(raw.task)) return fail(`"task" is ${JSON.stringify(raw.task)}, not a GLUE task (${Object.keys(GLUE_TASKS).join(', ')}).`);
  const task = GLUE_TASKS[raw.task];
  const metric = oneOf(raw.metric, 'metric', task.metrics);
  if (!isObject(raw.sample)) return fail('"sample" must be an object {size, first}.');
  onlyKeys(raw.sample, 'sample', ['size', 'first', 'fingerprint']);
  const size = int(raw.sample.size, 'sample.size', 1, SWEEP_LIMITS.sampleSize);
  if (typeof raw.sample.first !== 'boolean') return fail(`"sample.first" is ${JSON.stringify(raw.sample.first)}, not true or false.`);
  const fingerprint = raw.sample.fingerprint;
  if (fingerprint !== undefined && (typeof fingerprint !== 'string' || !/^[0-9a-f]{16}$/.test(fingerprint))) return fail(`"sample.fingerprint" is ${JSON.stringify(fingerprint)}, not 16 hex digits.`);
  const kind = oneOf(raw.kind, 'kind', ['heads', 'layers'] as const);
  const mode = oneOf(raw.mode, 'mode', kind === 'heads' ? (['zero', 'uniform'] as const) : (['zero', 'uniform', 'skip'] as const));
  const layers = int(raw.layers, 'layers', 1, SWEEP_LIMITS.layers);
  const heads = int(raw.heads, 'heads', 1, SWEEP_LIMITS.heads);
  if (raw.runs !== undefined && Array.isArray(raw.runs) && raw.runs.length > layers * heads) fail(`"runs" has ${raw.runs.length} runs; a sweep of ${layers} layers × ${heads} heads has at most ${layers * heads}.`);

  if (!isObject(raw.baseline)) return fail('"baseline" must be an object {score, predictions?}.');
  onlyKeys(raw.baseline, 'baseline', ['score', 'predictions']);
  const baselineScore = finite(raw.baseline.score, 'baseline.score');
  let predictions: number[] | undefined;
  if (raw.baseline.predictions !== undefined) {
    const p = raw.baseline.predictions;
    if (!Array.isArray(p) || p.length !== size) return fail(`"baseline.predictions" must be a list of ${size} predictions, one per example of the sample.`);
    predictions = p.map((v, i) => (task.regression ? finite(v, `baseline.predictions[${i}]`) : int(v, `baseline.predictions[${i}]`, 0, task.classNames.length - 1)));
  }

  if (!Array.isArray(raw.runs)) return fail('"runs" must be a list.');
  const seen = new Set<string>();
  const runs = raw.runs.map((r: unknown, i): SweepRunResult => {
    const field = `runs[${i}]`;
    if (!isObject(r)) return fail(`"${field}" is not an object.`);
    onlyKeys(r, field, ['id', 'layer', 'head', 'score', 'delta']);
    const layer = int(r.layer, `${field}.layer`, 1, layers);
    let head: number | undefined;
    if (kind === 'heads') head = int(r.head, `${field}.head`, 1, heads);
    else if (r.head !== undefined) fail(`"${field}" has a head, but this is a layer sweep.`);
    const id = runId(layer, head);
    if (r.id !== id) fail(`"${field}.id" is ${JSON.stringify(r.id)}, but its layer and head make it "${id}".`);
    if (seen.has(id)) fail(`run ${id} appears twice.`);
    seen.add(id);
    const score = finite(r.score, `${field}.score`);
    const delta = finite(r.delta, `${field}.delta`);
    if (Math.abs(delta - (score - baselineScore)) > DELTA_TOLERANCE) fail(`"${field}.delta" is ${delta}, but score − baseline.score is ${score - baselineScore}.`);
    return { id, layer, ...(head !== undefined ? { head } : {}), score, delta };
  });
  if (typeof raw.complete !== 'boolean') return fail(`"complete" is ${JSON.stringify(raw.complete)}, not true or false.`);
  const missing = missingRuns({ kind, layers, heads, runs });
  if (raw.complete && missing.length > 0) fail(`it says it is complete, but ${missing.length} run${missing.length > 1 ? 's are' : ' is'} missing (${listIds(missing)}).`);
  if (!raw.complete && missing.length === 0) fail('it says it is incomplete, but every run is there.');
  const createdWith = oneOf(raw.createdWith, 'createdWith', ['browser', 'cli'] as const);

  let labelMapping: number[] | undefined;
  if (raw.labelMapping !== undefined) {
    const m = raw.labelMapping;
    const problem = Array.isArray(m) && m.every((x) => typeof x === 'number') ? validateMapping(m as number[], m.length, task.regression ? 0 : task.classNames.length) : 'it is not a list of class indices.';
    if (problem) fail(`"labelMapping" is not a mapping for ${task.name}: ${problem}`);
    labelMapping = m as number[];
  }
  let shard: { index: number; count: number } | undefined;
  if (raw.shard !== undefined) {
    if (!isObject(raw.shard)) return fail('"shard" must be an object {index, count}.');
    onlyKeys(raw.shard, 'shard', ['index', 'count']);
    const count = int(raw.shard.count, 'shard.count', 1);
    shard = { index: int(raw.shard.index, 'shard.index', 0, count - 1), count };
  }

  return {
    format: SWEEP_FORMAT,
    version: SWEEP_VERSION,
    model: raw.model,
    revision: raw.revision as string | null,
    ...(modelIdentity !== undefined ? { modelIdentity: modelIdentity as string } : {}),
    task: task.key,
    metric,
    sample: { size, first: raw.sample.first, ...(fingerprint !== undefined ? { fingerprint: fingerprint as string } : {}) },
    mode,
    kind,
    layers,
    heads,
    baseline: { score: baselineScore, ...(predictions ? { predictions } : {}) },
    runs: sortedRuns(runs),
    complete: raw.complete,
    createdWith,
    ...(labelMapping ? { labelMapping } : {}),
    ...(shard ? { shard } : {}),
  };
}

/**
 * The file's text: JSON, with each run on a line of its own and the predictions on one line, so a
 * 144-run sweep reads (and diffs) as 144 lines rather than 1,000.
 */
export function stringifySweep(result: SweepResult): string {
  const fields = Object.entries(result).map(([key, value]) => {
    const text =
      key === 'runs' && Array.isArray(value) && value.length > 0
        ? `[\n${value.map((run) => `    ${JSON.stringify(run)}`).join(',\n')}\n  ]`
        : JSON.stringify(value);
    return `  ${JSON.stringify(key)}: ${text}`;
  });
  return `{\n${fields.join(',\n')}\n}\n`;
}

function listIds(ids: readonly string[], max = 12): string {
  return ids.length <= max ? ids.join(', ') : `${ids.slice(0, max).join(', ')}, … ${ids.length - max} more`;
}

export interface MergeOptions {
  /** Names of the shards (file names) for messages; default "shard 1", "shard 2", … */
  names?: readonly string[];
  /** Largest difference allowed between baseline scores, and between a run's scores where shards overlap (default 0: identical). */
  tolerance?: number;
}

export interface MergedSweep {
  result: SweepResult;
  /** Ids of runs no shard has, in plan order; empty when the merge is complete. */
  missing: string[];
  /** Things worth saying that did not stop the merge. */
  notes: string[];
}

/**
 * Merges shards (or any partial results) of one sweep into one result. Refuses, saying why,
 * shards of different models, revisions, tasks, metrics, samples, modes, kinds or shapes, shards
 * whose baselines disagree, and a run two shards scored differently. Runs missing from every
 * shard are listed in `missing`, and the result is then marked incomplete.
 */
export function mergeSweeps(shards: readonly SweepResult[], options: MergeOptions = {}): MergedSweep {
  if (shards.length === 0) throw new Error('There is nothing to merge: give at least one sweep file.');
  const name = (i: number) => options.names?.[i] ?? `shard ${i + 1}`;
  const tolerance = options.tolerance ?? 0;
  const first = shards[0];
  const notes: string[] = [];
  shards.forEach((shard, i) => {
    if (i === 0) return;
    const d = sweepDifference(first, shard);
    if (d) throw new Error(`Cannot merge: ${name(i)} has ${d.label} ${d.other}, but ${name(0)} has ${d.base}${d.hint ? ` (${d.hint})` : ''}. Only shards of one sweep merge.`);
    const gap = Math.abs(shard.baseline.score - first.baseline.score);
    if (gap > tolerance) {
      throw new Error(`Cannot merge: the baselines disagree (${name(i)}: ${shard.baseline.score}, ${name(0)}: ${first.baseline.score})${baselinePredictionDiff(first, shard)}. The same model on the same examples should score the same; were they run on different model files or software?`);
    }
    if (shard.createdWith !== first.createdWith) notes.push(`${name(i)} was made in the ${shard.createdWith === 'cli' ? 'command line' : 'browser'}, ${name(0)} in the ${first.createdWith === 'cli' ? 'command line' : 'browser'}; their baselines agree.`);
  });

  const byId = new Map<string, { run: SweepRunResult; from: number }>();
  shards.forEach((shard, i) => {
    for (const run of shard.runs) {
      const seen = byId.get(run.id);
      if (!seen) {
        byId.set(run.id, { run: { ...run, delta: run.score - first.baseline.score }, from: i });
      } else if (Math.abs(seen.run.score - run.score) > tolerance) {
        throw new Error(`Cannot merge: run ${run.id} scores ${run.score} in ${name(i)} but ${seen.run.score} in ${name(seen.from)}.`);
      }
    }
  });

  const predictions = shards.find((s) => s.baseline.predictions)?.baseline.predictions;
  const fingerprint = shards.find((s) => s.sample.fingerprint)?.sample.fingerprint;
  const labelMapping = shards.find((s) => s.labelMapping)?.labelMapping;
  const runs = sortedRuns([...byId.values()].map((v) => v.run));
  const partial = { kind: first.kind, layers: first.layers, heads: first.heads, runs };
  const missing = missingRuns(partial);
  const result: SweepResult = {
    format: SWEEP_FORMAT,
    version: SWEEP_VERSION,
    model: first.model,
    revision: first.revision,
    ...(shards.find((s) => s.modelIdentity) ? { modelIdentity: shards.find((s) => s.modelIdentity)!.modelIdentity } : {}),
    task: first.task,
    metric: first.metric,
    sample: { size: first.sample.size, first: first.sample.first, ...(fingerprint ? { fingerprint } : {}) },
    mode: first.mode,
    kind: first.kind,
    layers: first.layers,
    heads: first.heads,
    baseline: { score: first.baseline.score, ...(predictions ? { predictions: [...predictions] } : {}) },
    runs,
    complete: missing.length === 0,
    createdWith: first.createdWith,
    ...(labelMapping ? { labelMapping: [...labelMapping] } : {}),
  };
  return { result, missing, notes };
}

function baselinePredictionDiff(a: SweepResult, b: SweepResult): string {
  const pa = a.baseline.predictions;
  const pb = b.baseline.predictions;
  if (!pa || !pb || pa.length !== pb.length) return '';
  const differ = pa.filter((p, i) => p !== pb[i]).length;
  return `; their baseline predictions differ on ${differ} of ${pa.length} examples`;
}

export type SweepValue = 'delta' | 'score';

/** Fig. 8: [layer][head] (0-based) of each head's delta (or score); null where a run is missing. Head sweeps only. */
export function sweepMatrix(result: SweepResult, value: SweepValue = 'delta'): (number | null)[][] {
  if (result.kind !== 'heads') throw new Error('A layer sweep has one value per layer, not a layers × heads matrix: draw it with layerDeltas.');
  const matrix = Array.from({ length: result.layers }, () => new Array<number | null>(result.heads).fill(null));
  for (const run of result.runs) matrix[run.layer - 1][run.head! - 1] = run[value];
  return matrix;
}

/** Fig. 9: per layer (0-based) the delta (or score) of disabling it; null where a run is missing. Layer sweeps only. */
export function layerDeltas(result: SweepResult, value: SweepValue = 'delta'): (number | null)[] {
  if (result.kind !== 'layers') throw new Error('A head sweep disables one head at a time; per-layer values come from a layer sweep (kind "layers").');
  const values = new Array<number | null>(result.layers).fill(null);
  for (const run of result.runs) values[run.layer - 1] = run[value];
  return values;
}
