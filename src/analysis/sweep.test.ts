import { describe, expect, it } from 'vitest';
import type { Masks } from '../engine/bertRunner';
import { GLUE_TASKS, type TaskExample } from './glue';
import { taskScores } from './metrics';
import {
  layerDeltas,
  mergeSweeps,
  missingRuns,
  parseShardSpec,
  parseSweepFile,
  withStoredRuns,
  planSweep,
  reuseFromLayer,
  runSweep,
  sampleFingerprint,
  SweepResumeError,
  scoreLogits,
  shardOf,
  sweepMatrix,
  type SweepResult,
  type SweepSetup,
} from './sweep';

const shape = { layers: 3, heads: 4 };
const sst2 = GLUE_TASKS.sst2;
const examples: TaskExample[] = Array.from({ length: 20 }, (_, i) => ({ textA: `sentence ${i}`, textB: null, label: i % 3 === 0 ? 0 : 1 }));

/** A stand-in for EngineHost.evaluate: each disabled head (or layer) flips the prediction of a different set of examples. */
function fakeEvaluate(masks: Masks) {
  const off = new Set<number>();
  masks.heads && Array.from(masks.heads).forEach((keep, i) => keep === 0 && off.add(i));
  masks.layers && Array.from(masks.layers).forEach((keep, l) => keep === 0 && off.add(100 + l));
  const uniform = masks.mode === 'uniform' ? 1 : 0;
  const logits = new Float32Array(examples.length * 2);
  examples.forEach((e, i) => {
    let predicted = i % 5 === 0 ? 1 - e.label : e.label; // 80% right unmasked
    for (const k of off) if ((i + k + uniform) % 7 === 0) predicted = 1 - predicted;
    logits[i * 2 + predicted] = 1;
  });
  return Promise.resolve({ logits, numLabels: 2 });
}

const setup = (overrides: Partial<SweepSetup> = {}): SweepSetup => ({
  model: 'head-atlas/tiny-bert-sst2',
  revision: 'main',
  task: sst2,
  examples,
  first: true,
  kind: 'heads',
  mode: 'zero',
  shape,
  mapping: [0, 1],
  createdWith: 'cli',
  ...overrides,
});

describe('planSweep', () => {
  it('plans the baseline, then one run per head, each disabling that head alone', () => {
    const plan = planSweep(shape, 'heads', 'uniform');
    expect(plan).toHaveLength(1 + 12);
    expect(plan[0]).toEqual({ id: 'baseline', layer: null, head: null, masks: {} });
    expect(plan.slice(1, 6).map((r) => r.id)).toEqual(['L1-H1', 'L1-H2', 'L1-H3', 'L1-H4', 'L2-H1']);
    for (const run of plan.slice(1)) {
      const heads = Array.from(run.masks.heads!);
      expect(heads.filter((k) => k === 0)).toHaveLength(1);
      expect(heads.indexOf(0)).toBe((run.layer! - 1) * 4 + (run.head! - 1));
      expect(run.masks.mode).toBe('uniform');
      expect(run.masks.layers).toBeUndefined();
    }
  });

  it("plans layer runs as all the layer's heads off, or as a skipped layer", () => {
    const zero = planSweep(shape, 'layers', 'zero');
    expect(zero.map((r) => r.id)).toEqual(['baseline', 'L1', 'L2', 'L3']);
    expect(Array.from(zero[2].masks.heads!)).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1]);
    expect(zero[2]).toMatchObject({ layer: 2, head: null, masks: { mode: 'zero' } });
    const skip = planSweep(shape, 'layers', 'skip');
    expect(skip[3].masks).toEqual({ layers: [1, 1, 0] });
  });

  it('refuses what cannot be planned', () => {
    expect(() => planSweep(shape, 'heads', 'skip')).toThrow(/a head sweep disables heads/);
    expect(() => planSweep({ layers: 0, heads: 4 }, 'heads')).toThrow(/whole number of layers/);
    expect(() => planSweep(shape, 'rows' as never)).toThrow(/"heads" or "layers"/);
  });
});

describe('shards', () => {
  it('split the runs without overlap, with the baseline in every shard', () => {
    const plan = planSweep(shape, 'heads');
    for (const count of [1, 2, 3, 5, 13, 20]) {
      const shards = Array.from({ length: count }, (_, i) => shardOf(plan, i, count));
      for (const s of shards) expect(s[0].id).toBe('baseline');
      const ids = shards.flatMap((s) => s.slice(1).map((r) => r.id));
      expect(ids.sort()).toEqual(plan.slice(1).map((r) => r.id).sort());
      // Sizes differ by at most one.
      const sizes = shards.map((s) => s.length - 1);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
    expect(shardOf(plan, 1, 3).map((r) => r.id)).toEqual(['baseline', 'L1-H2', 'L2-H1', 'L2-H4', 'L3-H3']);
    expect(() => shardOf(plan, 3, 3)).toThrow(/numbered 0 to count − 1/);
    expect(() => shardOf(plan.slice(1), 0, 2)).toThrow(/no baseline/);
  });

  it('parse from i/n', () => {
    expect(parseShardSpec('3/8')).toEqual({ index: 3, count: 8 });
    expect(parseShardSpec(' 0 / 1 ')).toEqual({ index: 0, count: 1 });
    expect(() => parseShardSpec('8/8')).toThrow(/0 to 7/);
    expect(() => parseShardSpec('1-4')).toThrow(/i\/n/);
  });
});

describe('reuseFromLayer', () => {
  it('is the first layer a mask touches', () => {
    for (const run of planSweep(shape, 'heads')) expect(reuseFromLayer(run.masks, shape)).toBe(run.layer === null ? null : run.layer - 1);
    for (const run of planSweep(shape, 'layers', 'skip')) expect(reuseFromLayer(run.masks, shape)).toBe(run.layer === null ? null : run.layer - 1);
    expect(reuseFromLayer({ heads: new Array(12).fill(1) }, shape)).toBeNull();
    const heads = new Array(12).fill(1);
    heads[9] = 0.5;
    heads[6] = 0;
    expect(reuseFromLayer({ heads }, shape)).toBe(1);
    expect(reuseFromLayer({ heads, layers: [0, 1, 1] }, shape)).toBe(0);
  });
});

describe('runSweep', () => {
  it('scores each run as taskScores does, with deltas against the baseline', async () => {
    const progress: string[] = [];
    const result = await runSweep(setup(), planSweep(shape, 'heads'), fakeEvaluate, (p) => progress.push(`${p.done}/${p.total} ${p.run.id}`));
    expect(progress[0]).toBe('1/13 baseline');
    expect(progress.at(-1)).toBe('13/13 L3-H4');
    expect(result).toMatchObject({ format: 'head-atlas-sweep', version: 1, task: 'sst2', metric: 'accuracy', kind: 'heads', mode: 'zero', layers: 3, heads: 4, complete: true, createdWith: 'cli', labelMapping: [0, 1] });
    expect(result.sample).toEqual({ size: 20, first: true, fingerprint: sampleFingerprint(examples) });
    expect(result.baseline.score).toBe(0.8);
    expect(result.baseline.predictions).toHaveLength(20);
    const labels = examples.map((e) => e.label);
    for (const [i, run] of planSweep(shape, 'heads').slice(1).entries()) {
      const { logits } = await fakeEvaluate(run.masks);
      const predictions = Array.from({ length: 20 }, (_, k) => (logits[k * 2 + 1] > logits[k * 2] ? 1 : 0));
      expect(result.runs[i]).toEqual({ id: run.id, layer: run.layer, head: run.head, score: taskScores(sst2, predictions, labels).headline.value, delta: result.runs[i].score - 0.8 });
    }
    expect(result.runs.some((r) => r.delta !== 0)).toBe(true);
    expect(parseSweepFile(JSON.stringify(result))).toEqual(result);
  });

  it('shards merge into exactly the unsharded result', async () => {
    const plan = planSweep(shape, 'layers', 'uniform');
    const whole = await runSweep(setup({ kind: 'layers', mode: 'uniform' }), plan, fakeEvaluate);
    const shards = await Promise.all([0, 1].map((i) => runSweep(setup({ kind: 'layers', mode: 'uniform', shard: { index: i, count: 2 } }), shardOf(plan, i, 2), fakeEvaluate)));
    expect(shards.map((s) => s.complete)).toEqual([false, false]);
    expect(shards[1].shard).toEqual({ index: 1, count: 2 });
    const merged = mergeSweeps(shards.map((s) => parseSweepFile(JSON.stringify(s))));
    expect(merged.missing).toEqual([]);
    expect(merged.result).toEqual(whole);
    expect(layerDeltas(merged.result)).toEqual(whole.runs.map((r) => r.delta));
  });

  it('maps outputs to classes, and reads a regression output as the score', async () => {
    const logits = [0.1, 0.9, 0.2, 0.5, 0.3, 0.1, 0.7, 0.8, 0.9]; // argmax 1, 0, 2
    const mnli = scoreLogits(GLUE_TASKS.mnli, logits, 3, [0, 2, 1], [2, 0, 1]);
    expect(mnli.predictions).toEqual([0, 2, 1]);
    expect(mnli.scores.headline.value).toBe(1);
    expect(() => scoreLogits(GLUE_TASKS.mnli, logits, 3, [0, 2, 1], [0, 1])).toThrow(/MNLI-m: The mapping has 2 entries/);
    const stsb = scoreLogits(GLUE_TASKS.stsb, [0.1, 0.5, 0.3], 1, [1, 4, 2], [0]);
    expect(stsb.predictions).toEqual([0.1, 0.5, 0.3]);
    expect(stsb.scores.headline.value).toBeCloseTo(1, 12);
  });
});

describe('runSweep with resume (the browser\'s Resume and the CLI\'s --out)', () => {
  /** The last snapshot of a run stopped (as a killed job or a Pause stops it) after `runs` runs past the baseline. */
  async function stoppedAfter(runs: number, s: SweepSetup, plan = planSweep(shape, s.kind, s.mode)): Promise<SweepResult> {
    let calls = 0;
    let last: SweepResult | null = null;
    const stopping = (masks: Masks) => (++calls > runs + 1 ? Promise.reject(new Error('killed')) : fakeEvaluate(masks));
    await expect(runSweep(s, plan, stopping, (p) => (last = JSON.parse(JSON.stringify(p.result))))).rejects.toThrow('killed');
    return parseSweepFile(JSON.stringify(last));
  }

  it('runs only the runs the partial sweep lacks, and ends with the uninterrupted result', async () => {
    const whole = await fullHeads();
    const partial = await stoppedAfter(5, setup());
    expect(partial.runs.map((r) => r.id)).toEqual(['L1-H1', 'L1-H2', 'L1-H3', 'L1-H4', 'L2-H1']);
    const evaluated: Masks[] = [];
    const progress: string[] = [];
    const resumed = await runSweep(setup(), planSweep(shape, 'heads'), (m) => (evaluated.push(m), fakeEvaluate(m)), (p) => progress.push(`${p.done}/${p.total} kept ${p.kept} ${p.run.id} ${p.result.runs.length}`), { resume: partial });
    expect(evaluated).toHaveLength(1 + 7); // the baseline again, then the 7 missing runs
    expect(evaluated[0]).toEqual({});
    expect(progress[0]).toBe('6/13 kept 5 baseline 5');
    expect(progress[1]).toBe('7/13 kept 5 L2-H2 6');
    expect(progress.at(-1)).toBe('13/13 kept 5 L3-H4 12');
    expect(resumed).toEqual(whole);
    // A kept run is taken as it is, not run again.
    const edited = { ...partial, runs: partial.runs.map((r) => (r.id === 'L1-H2' ? { ...r, score: 0.5, delta: 0.5 - partial.baseline.score } : r)) };
    const again = await runSweep(setup(), planSweep(shape, 'heads'), fakeEvaluate, undefined, { resume: edited });
    expect(again.runs.find((r) => r.id === 'L1-H2')!.score).toBe(0.5);
    expect(again.complete).toBe(true);
  });

  it('resumes a shard from its own partial file', async () => {
    const plan = shardOf(planSweep(shape, 'heads'), 1, 3);
    const s = setup({ shard: { index: 1, count: 3 } });
    const whole = await runSweep(s, plan, fakeEvaluate);
    const partial = await stoppedAfter(2, s, plan);
    let calls = 0;
    const resumed = await runSweep(s, plan, (m) => (calls++, fakeEvaluate(m)), undefined, { resume: partial });
    expect(calls).toBe(1 + 2);
    expect(resumed).toEqual(whole);
    expect(resumed.complete).toBe(false); // a shard holds a third of the runs
  });

  it('refuses a partial file of another sweep, saying what differs, before running anything', async () => {
    const partial = await stoppedAfter(3, setup());
    const refusal = async (s: SweepSetup, from: SweepResult = partial) => {
      let calls = 0;
      const reports: unknown[] = [];
      const error = await runSweep(s, planSweep(s.shape, s.kind, s.mode), (m) => (calls++, fakeEvaluate(m)), (p) => reports.push(p), { resume: from }).then(
        () => null,
        (e: Error) => e,
      );
      expect(error).toBeInstanceOf(SweepResumeError);
      expect(calls).toBe(0);
      expect(reports).toEqual([]);
      return error!.message;
    };
    expect(await refusal(setup({ model: 'other/model' }))).toBe('it holds another sweep: its model is "head-atlas/tiny-bert-sst2", but this sweep\'s is "other/model"');
    expect(await refusal(setup({ revision: 'abc123' }))).toMatch(/its revision is "main", but this sweep's is "abc123"/);
    expect(await refusal(setup({ task: GLUE_TASKS.cola }))).toMatch(/its task is "sst2", but this sweep's is "cola"/);
    expect(await refusal(setup({ examples: examples.slice(0, 10) }))).toMatch(/its sample size is 20, but this sweep's is 10/);
    expect(await refusal(setup({ first: false }))).toMatch(/its sample \(first rows or whole file\) is "first rows", but this sweep's is "whole file"/);
    const relabelled = examples.map((e, i) => (i === 2 ? { ...e, label: 1 - e.label } : e));
    expect(await refusal(setup({ examples: relabelled }))).toMatch(/its sample fingerprint is "[0-9a-f]{16}", but .* \(they scored different examples/);
    expect(await refusal(setup({ mode: 'uniform' }))).toMatch(/its disable mode is "zero", but this sweep's is "uniform"/);
    expect(await refusal(setup({ kind: 'layers' }))).toMatch(/its sweep kind is "heads", but this sweep's is "layers"/);
    expect(await refusal(setup({ shape: { layers: 3, heads: 2 } }))).toMatch(/its number of heads is 4, but this sweep's is 2/);
    expect(await refusal(setup({ mapping: [1, 0] }))).toMatch(/its label mapping \(model output → task class\) is \[0, 1\], but this sweep's is \[1, 0\]/);
    expect(await refusal(setup({ shard: { index: 0, count: 2 } }))).toMatch(/its shard is none \(the whole sweep\), but this sweep's is 0\/2/);
    const shardPartial = await stoppedAfter(1, setup({ shard: { index: 0, count: 2 } }), shardOf(planSweep(shape, 'heads'), 0, 2));
    expect(await refusal(setup({ shard: { index: 1, count: 2 } }), shardPartial)).toMatch(/its shard is 0\/2, but this sweep's is 1\/2/);
    expect(await refusal(setup(), shardPartial)).toMatch(/its shard is 0\/2, but this sweep's is none/);
  });

  it('refuses to go on when the baseline no longer scores as it did, before reporting anything', async () => {
    const partial = await stoppedAfter(3, setup());
    const reports: unknown[] = [];
    const moved = { ...partial, baseline: { ...partial.baseline, score: 0.75 }, runs: partial.runs.map((r) => ({ ...r, delta: r.score - 0.75 })) };
    await expect(runSweep(setup(), planSweep(shape, 'heads'), fakeEvaluate, (p) => reports.push(p), { resume: moved })).rejects.toThrow(
      new SweepResumeError('its baseline scored 0.75, but the baseline now scores 0.8: the model\'s files, the examples\' scoring or the software changed'),
    );
    expect(reports).toEqual([]);
  });
});

async function fullHeads(): Promise<SweepResult> {
  return runSweep(setup(), planSweep(shape, 'heads'), fakeEvaluate);
}

describe('parseSweepFile', () => {
  const broken = async (edit: (o: Record<string, any>) => void) => {
    const o = JSON.parse(JSON.stringify(await fullHeads()));
    edit(o);
    return () => parseSweepFile(JSON.stringify(o), 'a.json');
  };

  it('keeps the model identity, and refuses one that is not a content hash', async () => {
    const withId = await runSweep(setup({ modelIdentity: `sha256:${'0'.repeat(32)}` }), planSweep(shape, 'heads'), fakeEvaluate);
    expect(parseSweepFile(JSON.stringify(withId)).modelIdentity).toBe(`sha256:${'0'.repeat(32)}`);
    expect(await broken((o) => (o.modelIdentity = 'bundled:micro-bert'))).toThrow(/"modelIdentity" is "bundled:micro-bert"/);
  });

  it('says what is wrong, naming the file and the field', async () => {
    expect(() => parseSweepFile('{', 'a.json')).toThrow(/^a\.json: not JSON/);
    expect(() => parseSweepFile('[]')).toThrow(/not a JSON object/);
    expect(await broken((o) => (o.format = 'other'))).toThrow(/not a Head Atlas sweep/);
    expect(await broken((o) => (o.version = 2))).toThrow(/version 2 is newer/);
    expect(await broken((o) => (o.revison = 'x'))).toThrow(/unknown field "revison"/);
    expect(await broken((o) => (o.task = 'squad'))).toThrow(/"task" is "squad", not a GLUE task/);
    expect(await broken((o) => (o.metric = 'f1'))).toThrow(/"metric" is "f1", not one of "accuracy"/);
    expect(await broken((o) => (o.mode = 'skip'))).toThrow(/"mode" is "skip"/);
    expect(await broken((o) => (o.sample.size = 0))).toThrow(/"sample.size" is 0/);
    expect(await broken((o) => (o.baseline.predictions = [1]))).toThrow(/list of 20 predictions/);
    expect(await broken((o) => (o.baseline.predictions[3] = 2))).toThrow(/"baseline.predictions\[3\]" is 2, not a whole number from 0 to 1/);
    expect(await broken((o) => (o.runs[2].id = 'L1-H4'))).toThrow(/"runs\[2\].id" is "L1-H4", but its layer and head make it "L1-H3"/);
    expect(await broken((o) => (o.runs[2].head = 9))).toThrow(/"runs\[2\].head" is 9, not a whole number from 1 to 4/);
    expect(await broken((o) => (o.runs[1] = o.runs[0]))).toThrow(/run L1-H1 appears twice/);
    expect(await broken((o) => (o.runs[0].delta += 0.1))).toThrow(/"runs\[0\].delta"/);
    expect(await broken((o) => (o.runs[0].score = null))).toThrow(/"runs\[0\].score" is null, not a finite number/);
    expect(await broken((o) => o.runs.pop())).toThrow(/says it is complete, but 1 run is missing \(L3-H4\)/);
    expect(await broken((o) => (o.complete = false))).toThrow(/says it is incomplete/);
    expect(await broken((o) => (o.labelMapping = [0, 0]))).toThrow(/No output maps to class 1/);
    expect(await broken((o) => (o.shard = { index: 2, count: 2 }))).toThrow(/"shard.index" is 2/);
  });

  it('refuses a small file that describes a huge sweep, at once (it would freeze the page)', () => {
    // 300 bytes claiming 20000 × 20000 heads: checking its missing runs alone would take 4e8 steps.
    const file = (layers: number, heads: number, size = 1) =>
      JSON.stringify({ format: 'head-atlas-sweep', version: 1, model: 'm', revision: null, task: 'sst2', metric: 'accuracy', sample: { size, first: true }, mode: 'zero', kind: 'heads', layers, heads, baseline: { score: 0.5 }, runs: [], complete: false, createdWith: 'browser' });
    expect(file(20000, 20000).length).toBeLessThan(400);
    const t0 = performance.now();
    expect(() => parseSweepFile(file(20000, 20000), 'big.json')).toThrow(/^big\.json: "layers" is 20000, not a whole number from 1 to 128/);
    expect(() => parseSweepFile(file(12, 2000), 'big.json')).toThrow(/"heads" is 2000, not a whole number from 1 to 128/);
    expect(() => parseSweepFile(file(12, 12, 1e9), 'big.json')).toThrow(/"sample.size" is 1000000000/);
    expect(performance.now() - t0).toBeLessThan(100);
    expect(parseSweepFile(file(24, 16), 'ok.json').layers).toBe(24);
  });
});

describe('withStoredRuns', () => {
  it("keeps another tab's runs of the same sweep, and replaces a stored copy of another sweep", async () => {
    const full = await fullHeads();
    const part = (ids: string[]) => ({ ...full, complete: false, runs: full.runs.filter((r) => ids.includes(r.id)) });
    const other = part(['L1-H1', 'L1-H2', 'L1-H3', 'L2-H1']);
    const mine = part(['L1-H1', 'L1-H2']);
    const merged = withStoredRuns(other, mine);
    expect(merged.runs.map((r) => r.id)).toEqual(['L1-H1', 'L1-H2', 'L1-H3', 'L2-H1']);
    expect(merged.complete).toBe(false);
    expect(withStoredRuns(part(full.runs.slice(2).map((r) => r.id)), mine)).toEqual(full);
    expect(withStoredRuns(null, mine)).toBe(mine);
    expect(withStoredRuns({ ...other, baseline: { score: 0.1 } }, mine)).toBe(mine);
    expect(withStoredRuns({ ...other, mode: 'uniform' }, mine)).toBe(mine);
  });
});

describe('mergeSweeps', () => {
  it('refuses shards of different sweeps, saying why', async () => {
    const a = await fullHeads();
    const other = (edit: Partial<SweepResult>) => ({ ...a, ...edit });
    expect(() => mergeSweeps([a, other({ task: 'rte' })], { names: ['a.json', 'b.json'] })).toThrow(/b\.json has task "rte", but a\.json has "sst2"/);
    expect(() => mergeSweeps([a, other({ mode: 'uniform' })])).toThrow(/shard 2 has disable mode "uniform"/);
    expect(() => mergeSweeps([a, other({ model: 'x/y' })])).toThrow(/has model "x\/y"/);
    expect(() => mergeSweeps([a, other({ sample: { ...a.sample, size: 10 } })])).toThrow(/sample size 10/);
    expect(() => mergeSweeps([a, other({ sample: { ...a.sample, fingerprint: '0123456789abcdef' } })])).toThrow(/scored different examples/);
    const predictions = [...a.baseline.predictions!];
    predictions[0] = 1 - predictions[0];
    expect(() => mergeSweeps([a, other({ baseline: { score: 0.75, predictions } })])).toThrow(/baselines disagree .*differ on 1 of 20 examples/);
    expect(() => mergeSweeps([a, other({ runs: a.runs.map((r, i) => (i === 4 ? { ...r, score: r.score + 0.05, delta: r.delta + 0.05 } : r)) })])).toThrow(/run L2-H1 scores/);
    expect(() => mergeSweeps([])).toThrow(/nothing to merge/);
    // The same name, other files: a sweep made on a planted or retrained model never merges in.
    const mine = { ...a, modelIdentity: `sha256:${'a'.repeat(32)}` };
    expect(() => mergeSweeps([mine, { ...mine, modelIdentity: `sha256:${'b'.repeat(32)}` }])).toThrow(/model files \(content identity\)/);
    expect(mergeSweeps([mine, { ...a }]).result.modelIdentity).toBe(mine.modelIdentity);
  });

  it('reports missing runs, and draws them as null', async () => {
    const a = await fullHeads();
    const partA = { ...a, runs: a.runs.slice(0, 5), complete: false };
    const partB = { ...a, runs: a.runs.slice(3, 9), complete: false };
    const { result, missing } = mergeSweeps([partA, partB]);
    expect(missing).toEqual(['L3-H2', 'L3-H3', 'L3-H4']);
    expect(missingRuns(result)).toEqual(missing);
    expect(result.complete).toBe(false);
    expect(result.runs).toHaveLength(9);
    const matrix = sweepMatrix(result);
    expect(matrix).toHaveLength(3);
    expect(matrix[0]).toEqual(a.runs.slice(0, 4).map((r) => r.delta));
    expect(matrix[2]).toEqual([a.runs[8].delta, null, null, null]);
    expect(sweepMatrix(result, 'score')[1][0]).toBe(a.runs[4].score);
    expect(() => layerDeltas(result)).toThrow(/layer sweep/);
    expect(() => sweepMatrix({ ...result, kind: 'layers' })).toThrow(/layerDeltas/);
  });

  it('tells samples apart by their examples', () => {
    const flipped = examples.map((e, i) => (i === 3 ? { ...e, label: 1 - e.label } : e));
    expect(sampleFingerprint(examples)).toMatch(/^[0-9a-f]{16}$/);
    expect(sampleFingerprint(examples)).toBe(sampleFingerprint(examples.map((e) => ({ ...e }))));
    expect(sampleFingerprint(flipped)).not.toBe(sampleFingerprint(examples));
    expect(sampleFingerprint([{ textA: 'a', textB: 'b', label: 0 }])).not.toBe(sampleFingerprint([{ textA: 'ab', textB: null, label: 0 }]));
  });
});
