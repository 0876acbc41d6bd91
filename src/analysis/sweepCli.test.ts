// scripts/sweep.mjs, run as a user runs it (a child process), on the fixture model tiny-bert-sst2
// (3 layers × 4 heads, random weights: its SST-2 scores mean nothing, but they are deterministic).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureHub } from '../../scripts/fixture-hub.mjs';
import { diskSource } from '../engine/diskSource';
import { EngineHost } from '../engine/engineHost';
import { GLUE_TASKS, parseGlueTsv } from './glue';
import { argmaxRows, taskScores } from './metrics';
import { parseSweepFile, planSweep, runSweep, shardOf, stringifySweep, type SweepKind, type SweepMode, type SweepResult } from './sweep';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MODEL = join(ROOT, 'fixtures/hub/head-atlas/tiny-bert-sst2');
const N = 12;
const dev = parseGlueTsv(readFileSync(join(ROOT, 'public/data/sst2/dev.tsv'), 'utf8'), GLUE_TASKS.sst2).slice(0, N);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'head-atlas-sweep-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'scripts/sweep.mjs'), ...args], { cwd: dir, env: { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') } }, (error, _stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr });
    });
  });
}

const read = (name: string) => readFileSync(join(dir, name), 'utf8');
const sweepArgs = (out: string, ...more: string[]) => ['--model', MODEL, '--task', 'sst2', '--n', String(N), '--threads', '1', '--out', out, ...more];

/** The scores of a sweep computed directly: EngineHost.evaluate on onnxruntime-web, argmax, taskScores. */
async function directScores(kind: SweepKind, mode: SweepMode): Promise<Map<string, number>> {
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  const host = new EngineHost({ ort, backend: { requested: 'wasm', backend: 'wasm', threads: 1, crossOriginIsolated: false, fallbackReason: null }, appBaseUrl: 'http://unused/', cache: null });
  host.sourceOf = () => diskSource(MODEL, 'tiny-bert-sst2');
  const model = await host.load({ kind: 'bundled', name: 'unused' });
  const scores = new Map<string, number>();
  for (const run of planSweep(model.shape, kind, mode)) {
    const { logits, numLabels } = await host.evaluate(model.id, dev, { masks: run.masks });
    scores.set(run.id, taskScores(GLUE_TASKS.sst2, argmaxRows(logits, numLabels), dev.map((e) => e.label)).headline.value);
  }
  await host.unload(model.id);
  return scores;
}

function scoresOf(result: SweepResult): Map<string, number> {
  return new Map([['baseline', result.baseline.score], ...result.runs.map((r): [string, number] => [r.id, r.score])]);
}

describe('scripts/sweep.mjs', () => {
  it('runs a head sweep whose shards merge into exactly the unsharded file, with the scores EngineHost.evaluate + taskScores give', async () => {
    const [full, wasm] = [await cli(sweepArgs('full.json')), await cli(sweepArgs('wasm.json', '--backend', 'wasm'))];
    expect(full.code, full.stderr).toBe(0);
    expect(full.stderr).toMatch(/onnxruntime-node [\d.]+, native CPU, 1 thread/);
    expect(full.stderr).toMatch(/labels \(config\): From the model's label names: 0→negative, 1→positive\./);
    expect(full.stderr).toMatch(/\[ 1\/13\] baseline +accuracy/);
    expect(full.stderr).toMatch(/\[13\/13\] L3-H4 +accuracy 0\.\d{4} +Δ [+-]0\.\d{4} +elapsed [\d.]+ s, ETA/);
    // Each run starts at its head's layer (1 batch): 3 for the baseline, 4 × (3 + 2 + 1), and 2 to move the kept state up.
    expect(full.stderr).toMatch(/reused unchanged lower layers: computed 29 of the 39 layer passes/);
    expect(wasm.code, wasm.stderr).toBe(0);
    expect(wasm.stderr).toMatch(/onnxruntime-web .* WASM in Node/);

    const shards = await Promise.all([0, 1].map((i) => cli(sweepArgs(`shard${i}.json`, '--shard', `${i}/2`))));
    for (const s of shards) expect(s.code, s.stderr).toBe(0);
    const merged = await cli(['--merge', 'shard0.json', 'shard1.json', '--out', 'merged.json']);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stderr).not.toMatch(/incomplete/);
    expect(read('merged.json')).toBe(read('full.json'));

    const result = parseSweepFile(read('full.json'));
    expect(result).toMatchObject({ model: MODEL, revision: null, task: 'sst2', metric: 'accuracy', kind: 'heads', mode: 'zero', layers: 3, heads: 4, complete: true, createdWith: 'cli', labelMapping: [0, 1] });
    expect(result.sample).toMatchObject({ size: N, first: true });
    expect(result.runs).toHaveLength(12);
    const shard1 = parseSweepFile(read('shard1.json'));
    expect(shard1).toMatchObject({ shard: { index: 1, count: 2 }, complete: false });
    expect(shard1.runs).toHaveLength(6);

    const direct = await directScores('heads', 'zero');
    expect(scoresOf(result)).toEqual(direct);
    expect(scoresOf(parseSweepFile(read('wasm.json')))).toEqual(direct);
    for (const run of result.runs) expect(run.delta).toBe(run.score - result.baseline.score);
  }, 300_000);

  it('runs a layer sweep from a Hub host at a revision, keeping downloads in its cache', async () => {
    const hub: { url: string; requests: string[]; close(): Promise<void> } = await startFixtureHub();
    try {
      const args = (out: string) => ['--model', 'head-atlas/tiny-bert-sst2@refs/pr/2', '--hub-host', hub.url, '--task', 'sst2', '--n', String(N), '--kind', 'layers', '--mode', 'uniform', '--threads', '1', '--out', out];
      const first = await cli(args('hub.json'));
      expect(first.code, first.stderr).toBe(0);
      const weightRequests = () => hub.requests.filter((r) => r.endsWith('model.safetensors')).length;
      expect(weightRequests()).toBe(1);
      const again = await cli(args('hub-again.json'));
      expect(again.code, again.stderr).toBe(0);
      expect(weightRequests()).toBe(1);
      expect(read('hub-again.json')).toBe(read('hub.json'));
      const result = parseSweepFile(read('hub.json'));
      expect(result).toMatchObject({ model: 'head-atlas/tiny-bert-sst2', revision: 'refs/pr/2', kind: 'layers', mode: 'uniform', complete: true });
      expect(result.runs.map((r) => r.id)).toEqual(['L1', 'L2', 'L3']);
      expect(scoresOf(result)).toEqual(await directScores('layers', 'uniform'));
    } finally {
      await hub.close();
    }
  }, 300_000);

  it('goes on from a partial --out of the same sweep, refuses a file of another sweep, and starts over with --restart', async () => {
    const whole = await cli(sweepArgs('resume-whole.json'));
    expect(whole.code, whole.stderr).toBe(0);
    const full = parseSweepFile(read('resume-whole.json'));
    // A partial file as a killed job leaves it, with one kept run's score edited: resuming keeps it, a rerun would not.
    const kept = full.runs.slice(0, 5).map((r) => (r.id === 'L1-H2' ? { ...r, score: 0.25, delta: 0.25 - full.baseline.score } : r));
    writeFileSync(join(dir, 'resume.json'), stringifySweep({ ...full, runs: kept, complete: false }));

    const resumed = await cli(sweepArgs('resume.json'));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming resume\.json: 5 of 12 runs done; running the baseline again, then the other 7\./);
    expect(resumed.stderr.match(/^\[\s*\d+\/13\]/gm)).toEqual(['[ 6/13]', '[ 7/13]', '[ 8/13]', '[ 9/13]', '[10/13]', '[11/13]', '[12/13]', '[13/13]']);
    const result = parseSweepFile(read('resume.json'));
    expect(result.complete).toBe(true);
    expect(result.runs.find((r) => r.id === 'L1-H2')!.score).toBe(0.25);
    expect(result.runs.filter((r) => r.id !== 'L1-H2')).toEqual(full.runs.filter((r) => r.id !== 'L1-H2'));
    const done = read('resume.json');
    const nothingLeft = await cli(sweepArgs('resume.json'));
    expect(nothingLeft.code, nothingLeft.stderr).toBe(0);
    expect(nothingLeft.stderr).toMatch(/resume\.json already holds all 12 runs of this sweep: nothing to run/);
    expect(read('resume.json')).toBe(done);

    const other = await cli(sweepArgs('resume.json', '--mode', 'uniform'));
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/Cannot resume resume\.json: it holds another sweep: its disable mode is "zero", but this sweep's is "uniform"\. Give another --out, or --restart/);
    writeFileSync(join(dir, 'notes.json'), 'my notes, not a sweep');
    const notSweep = await cli(sweepArgs('notes.json'));
    expect(notSweep.code).toBe(1);
    expect(notSweep.stderr).toMatch(/notes\.json: not JSON .* It cannot be resumed: give another --out, or --restart to overwrite it\./);
    expect(read('notes.json')).toBe('my notes, not a sweep');
    expect(read('resume.json')).toBe(done);

    const restarted = await cli(sweepArgs('resume.json', '--restart'));
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(restarted.stderr).not.toMatch(/resuming/);
    expect(restarted.stderr).toMatch(/\[ 1\/13\] baseline/);
    expect(read('resume.json')).toBe(read('resume-whole.json'));
  }, 300_000);

  it('says what is wrong and exits with 1', async () => {
    // Sweep files of its own (a stand-in evaluate), so this test does not lean on the others' files.
    const shape = { layers: 3, heads: 4 };
    const evaluate = async () => ({ logits: new Float32Array(dev.flatMap((e) => (e.label ? [0, 1] : [1, 0]))), numLabels: 2 });
    const setup = { model: 'a/model', revision: 'main', task: GLUE_TASKS.sst2, examples: dev, first: true, kind: 'heads', mode: 'zero', shape, mapping: [0, 1], createdWith: 'cli' } as const;
    const plan = planSweep(shape, 'heads');
    writeFileSync(join(dir, 'a.json'), stringifySweep(await runSweep({ ...setup, shard: { index: 0, count: 2 } }, shardOf(plan, 0, 2), evaluate)));
    writeFileSync(join(dir, 'b.json'), stringifySweep(await runSweep({ ...setup, model: 'b/model' }, plan, evaluate)));

    const badShard = await cli(sweepArgs('x.json', '--shard', '2/2'));
    expect(badShard).toMatchObject({ code: 1 });
    expect(badShard.stderr).toMatch(/Shard 2\/2 does not exist/);
    const wrongTask = await cli(['--model', MODEL, '--task', 'mnli', '--out', 'x.json']);
    expect(wrongTask.code).toBe(1);
    expect(wrongTask.stderr).toMatch(/No output maps to class 2.*--label-map/);
    const mismatch = await cli(['--merge', 'a.json', 'b.json', '--out', 'x.json']);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toMatch(/Cannot merge: b\.json has model "b\/model", but a\.json has "a\/model"/);
    const partial = await cli(['--merge', 'a.json', '--out', 'partial.json']);
    expect(partial.code, partial.stderr).toBe(0);
    expect(partial.stderr).toMatch(/incomplete: 6 runs are missing \(L1-H2, L1-H4/);
    expect(parseSweepFile(read('partial.json')).complete).toBe(false);
  }, 300_000);
});
