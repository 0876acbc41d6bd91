// The README's SLURM job array ("Sharding over a job array"), run as written on a one-node cluster
// this test starts (slurm/cluster.ts): the job script and the submit lines are read from README.md,
// and only paths and the environment are set here (the shard count, the sweep, where the files
// go, HOME, the array range through SBATCH_ARRAY_INX). The sweep is the embedded micro-bert-sst2
// on the first 64 SST-2 dev examples, in 3 shards. `npm run test:slurm`; scripts/test.sh runs it.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSweepFile, type SweepResult } from '../src/analysis/sweep';
import { isTerminal, run, slurmUnavailable, startCluster, waitFor, type Cluster } from './cluster';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SHARDS = 3;
const SWEEP = ['--model', join(ROOT, 'public/models/micro-bert-sst2'), '--task', 'sst2', '--n', '64', '--threads', '1'];
/** The shard killed mid-run: shard 0 of 3 has the most runs (6 of the 16), so the most time to catch it between two. */
const KILLED = 0;

const log = (line: string) => process.stderr.write(`[slurm test] ${line}\n`);
const unavailable = slurmUnavailable(log);
if (unavailable) log(`SKIPPED, SLURM cannot run here: ${unavailable}.`);

/** The README's job script, its submit lines and its resubmit line, exactly as written there. */
function readmeCommands() {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  const one = (what: string, test: (b: string) => boolean) => {
    const found = blocks.filter(test);
    if (found.length !== 1) throw new Error(`README.md has ${found.length} ${what} blocks, not 1.`);
    return found[0];
  };
  const job = one('job-array script', (b) => b.startsWith('#!/bin/bash\n') && /^#SBATCH --array=/m.test(b));
  const [submitArray, submitMerge, ...more] = one('submit', (b) => b.includes('sbatch --parsable sweep.sh')).trim().split('\n');
  if (more.length > 0 || !/^jobid=\$\(sbatch --parsable sweep\.sh\)$/.test(submitArray) || !/^sbatch --dependency=afterok:\$jobid /.test(submitMerge)) {
    throw new Error('README.md\'s submit block is not the two lines "jobid=$(sbatch --parsable sweep.sh)" and "sbatch --dependency=afterok:$jobid …".');
  }
  const resubmit = one('resubmit', (b) => /sbatch --parsable --array=\d+ sweep\.sh/.test(b)).trim();
  return { job, submitArray, submitMerge, resubmit };
}

/** Replaces each pattern, which must match exactly once (so a README edit that moves it fails here, not silently). */
function parametrise(text: string, replacements: [RegExp, string][]): string {
  for (const [pattern, value] of replacements) {
    const matches = text.match(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`)) ?? [];
    if (matches.length !== 1) throw new Error(`${pattern} matches ${matches.length} times in the README's script, not once.`);
    text = text.replace(pattern, () => value);
  }
  return text;
}

const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;

/** The PID of the sweep process writing `file`, from its command line. */
function sweepPid(file: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    if (argv.some((a) => a.endsWith('scripts/sweep.mjs')) && argv[argv.indexOf('--out') + 1] === file) return Number(entry);
  }
  return undefined;
}

function readSweep(file: string): SweepResult | undefined {
  try {
    return parseSweepFile(readFileSync(file, 'utf8'), file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e; // a half-written file would land here: the CLI writes through a temporary file
  }
}

// Where SLURM cannot run, both tests are reported skipped, the reason in their name and on stderr.
describe.skipIf(unavailable !== null)(`${unavailable ? `SKIPPED (${unavailable}): ` : ''}the README's SLURM job array, on a one-node cluster`, () => {
  let dir: string;
  let cluster: Cluster | null = null;
  let single: Promise<string>;
  const readme = readmeCommands();
  const readmeOut = /^OUT=(\S+)/m.exec(readme.job)?.[1];

  /** Saves the README's job script as `<folder>/sweep.sh`, its files going to `<folder>/sweeps/sst2.i.json`. */
  function jobFolder(name: string) {
    const folder = join(dir, name);
    const out = join(folder, 'sweeps', 'sst2');
    mkdirSync(join(folder, 'logs'), { recursive: true });
    const script = parametrise(readme.job, [
      [/^N=\d+/m, `N=${SHARDS}`],
      [/^SWEEP=\(.*\)$/m, `SWEEP=(${SWEEP.map(quote).join(' ')})`],
      [/^OUT=\S+/m, `OUT=${quote(out)}`],
    ]);
    writeFileSync(join(folder, 'sweep.sh'), script);
    return { folder, out };
  }

  /** Runs one of the README's lines with bash in `folder`; returns the job id it submitted. */
  async function submit(folder: string, line: string, vars: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}): Promise<string> {
    const preset = Object.entries(vars).map(([k, v]) => `${k}=${quote(v)}; `).join('');
    const script = `set -euo pipefail; ${preset}${line}\necho "submitted:\${jobid:-}"`;
    const stdout = await run('bash', ['-c', script], { cwd: folder, env: { ...cluster!.env, HOME: join(dir, 'home'), SBATCH_OUTPUT: join(folder, 'logs', '%x-%A_%a.out'), ...env } });
    const id = /Submitted batch job (\d+)/.exec(stdout)?.[1] ?? /submitted:(\d+)/.exec(stdout)?.[1];
    if (!id) throw new Error(`No job id from "${line}": ${stdout}`);
    return id;
  }

  /** Waits until every job (array task) of `id` has ended; returns their states. */
  async function ended(id: string, timeoutMs = 150_000) {
    return waitFor(
      `job ${id} to end`,
      async () => {
        const jobs = await cluster!.jobStates(id);
        return jobs.length > 0 && jobs.every((j) => isTerminal(j.state)) ? jobs : undefined;
      },
      timeoutMs,
    );
  }

  const logsOf = (jobs: { stdout: string | null }[]) => jobs.map((j) => (j.stdout ? `--- ${j.stdout}\n${(() => { try { return readFileSync(j.stdout, 'utf8'); } catch { return '(no log)'; } })()}` : '')).join('\n');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'head-atlas-slurm-'));
    chmodSync(dir, 0o755); // munged checks that its socket's folders are searchable by all
    mkdirSync(join(dir, 'home'));
    symlinkSync(ROOT, join(dir, 'home', 'head-atlas')); // the README's cd "$HOME/head-atlas"
    // The same sweep in one process, to compare the merged file with (run while the cluster starts).
    single = run(process.execPath, [join(ROOT, 'scripts/sweep.mjs'), ...SWEEP, '--out', join(dir, 'single.json')], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: join(dir, 'home') } }).then(() => readFileSync(join(dir, 'single.json'), 'utf8'));
    // 4 CPUs per shard, as the README's --cpus-per-task asks (the sweep itself uses --threads 1).
    cluster = await startCluster(join(dir, 'cluster'), { cpus: 4 * SHARDS, log, removeOnKill: dir });
    log(`cluster up: munged ${cluster.pids.munged}, slurmctld ${cluster.pids.slurmctld}, slurmd ${cluster.pids.slurmd}`);
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
    await single?.catch(() => {});
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('runs the array and the dependent merge, which equals a single-process run of the sweep', async () => {
    const { folder, out } = jobFolder('array');
    const arrayId = await submit(folder, readme.submitArray, {}, { SBATCH_ARRAY_INX: `0-${SHARDS - 1}` });
    const mergeId = await submit(folder, readme.submitMerge.replaceAll(readmeOut!, out), { jobid: arrayId });
    const merge = await ended(mergeId);
    const tasks = await ended(arrayId);
    expect(tasks.map((t) => t.state), logsOf(tasks)).toEqual(Array(SHARDS).fill('COMPLETED'));
    expect(tasks.map((t) => Number(t.arrayTask)).sort()).toEqual([0, 1, 2]);
    expect(merge.map((j) => j.state), logsOf(merge)).toEqual(['COMPLETED']);

    const merged = readSweep(`${out}.json`)!;
    const expected = parseSweepFile(await single, 'single.json');
    expect(merged.complete).toBe(true);
    expect(merged.runs).toHaveLength(16);
    expect(merged.baseline).toEqual(expected.baseline); // score and per-example predictions
    expect(merged.runs).toEqual(expected.runs);
    expect(readFileSync(`${out}.json`, 'utf8')).toBe(await single);
    for (let i = 0; i < SHARDS; i++) expect(readSweep(`${out}.${i}.json`)).toMatchObject({ shard: { index: i, count: SHARDS }, complete: false });
  }, 240_000);

  it('resumes a task cancelled mid-run when its index is resubmitted, and the merge is then complete', async () => {
    const { folder, out } = jobFolder('cancelled');
    const file = `${out}.${KILLED}.json`;
    const env = { SBATCH_ARRAY_INX: `0-${SHARDS - 1}` };
    const resubmitLine = parametrise(readme.resubmit, [[/--array=\d+/, `--array=${KILLED}`]]);
    let arrayId = await submit(folder, readme.submitArray, {}, env);
    const firstArray = arrayId;
    // Stop the shard's process (SIGSTOP) as soon as its file holds a run, then scancel the task.
    // Where the shard finished first (a busy machine), its file is removed and the index run again.
    let partial: SweepResult | undefined;
    for (let attempt = 1; !partial; attempt++) {
      const pid = await waitFor(`shard ${KILLED}'s sweep process`, () => sweepPid(file), 120_000, 20);
      const seen = await waitFor(`shard ${KILLED} to write a run`, () => {
        const now = readSweep(file);
        if (now && (now.runs.length >= 1 || now.complete)) {
          if (!now.complete) process.kill(pid, 'SIGSTOP');
          return now;
        }
        return undefined;
      }, 120_000, 5);
      const stopped = readSweep(file)!;
      if (!seen.complete && !stopped.complete) {
        await run('scancel', [`${arrayId}_${KILLED}`], cluster!);
        const [task] = (await ended(arrayId)).filter((t) => Number(t.arrayTask) === KILLED);
        expect(task.state).toBe('CANCELLED');
        partial = readSweep(file)!;
        if (partial.complete || partial.runs.length === 6) throw new Error('The cancelled shard finished all its runs: it was not stopped mid-run.');
        log(`cancelled task ${arrayId}_${KILLED} after ${partial.runs.length} of its 6 runs (attempt ${attempt})`);
      } else {
        if (attempt >= 4) throw new Error(`Shard ${KILLED} finished before it could be stopped, ${attempt} times.`);
        log(`shard ${KILLED} finished before it was stopped; removing its file and running it again (attempt ${attempt})`);
        await ended(arrayId);
        rmSync(file);
        arrayId = await submit(folder, resubmitLine, {}, env);
      }
    }
    const others = (await ended(firstArray)).filter((t) => Number(t.arrayTask) !== KILLED);
    expect(others.map((t) => t.state), logsOf(others)).toEqual(Array(SHARDS - 1).fill('COMPLETED'));

    // The README's recovery: resubmit the index, then the merge line with the new job id.
    const rerunId = await submit(folder, resubmitLine, {}, env);
    const mergeId = await submit(folder, readme.submitMerge.replaceAll(readmeOut!, out), { jobid: rerunId });
    const merge = await ended(mergeId);
    const rerun = await ended(rerunId);
    expect(rerun.map((t) => t.state), logsOf(rerun)).toEqual(['COMPLETED']);
    expect(merge.map((j) => j.state), logsOf(merge)).toEqual(['COMPLETED']);
    const rerunLog = readFileSync(rerun[0].stdout!, 'utf8');
    expect(rerunLog).toContain(`resuming ${file}: ${partial.runs.length} of 6 runs done; running the baseline again, then the other ${6 - partial.runs.length}.`);
    expect(rerunLog.match(/^\[\s*\d+\/7\] L\d-H\d/gm)).toHaveLength(6 - partial.runs.length);
    const shard = readSweep(file)!;
    expect(shard.runs.slice(0, partial.runs.length)).toEqual(partial.runs);
    expect(shard.runs).toHaveLength(6);

    const mergeLog = readFileSync(merge[0].stdout!, 'utf8');
    expect(mergeLog).not.toMatch(/incomplete/);
    expect(readFileSync(`${out}.json`, 'utf8')).toBe(await single);
  }, 300_000);
});

