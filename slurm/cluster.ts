// A throwaway single-node SLURM cluster on this machine, for slurm/sweepArray.test.ts: Debian's
// slurm-wlm and munge (installed with apt-get when missing), a munge key and a slurm.conf made for
// the test in a temporary folder, and munged, slurmctld and slurmd started by the test, listening
// on localhost only. Every daemon is stopped by its PID, also when the test fails or is interrupted.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';

const BINARIES = ['munged', 'mungekey', 'slurmctld', 'slurmd', 'sbatch', 'scontrol', 'scancel', 'squeue', 'sinfo'];

const missingBinaries = () => BINARIES.filter((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0);

/**
 * Null when a cluster can be started here, installing slurm-wlm and munge first if they are
 * missing; otherwise why not (said by the test, which then skips).
 */
export function slurmUnavailable(log: (line: string) => void): string | null {
  if (process.platform !== 'linux') return `SLURM needs Linux, and this is ${process.platform}`;
  if (process.getuid?.() !== 0) return 'the test starts slurmctld and slurmd, which needs root, and this runs as a user';
  if (missingBinaries().length === 0) return null;
  if (spawnSync('sh', ['-c', 'command -v apt-get']).status !== 0) return `${missingBinaries().join(', ')} missing and there is no apt-get to install slurm-wlm and munge`;
  log('installing slurm-wlm and munge with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-q'], { env, encoding: 'utf8' });
  const install = update.status === 0 ? spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'slurm-wlm', 'munge'], { env, encoding: 'utf8' }) : update;
  if (install.status !== 0) return `apt-get could not install slurm-wlm and munge: ${(install.stderr || install.stdout || '').trim().split('\n').slice(-3).join(' ')}`;
  const still = missingBinaries();
  return still.length > 0 ? `${still.join(', ')} still missing after installing slurm-wlm and munge` : null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Runs a command; resolves with its stdout, rejects with its stderr. */
export function run(command: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd?: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { ...options, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed (${error.code ?? error.signal}): ${stderr.trim() || stdout.trim()}`));
      else resolve(stdout);
    });
  });
}

/** Polls `check` until it returns a value (not undefined), or fails after `timeoutMs` naming `what`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 120_000, everyMs = 250): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${what}.`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface Cluster {
  dir: string;
  /** The environment for SLURM's commands (and the jobs, which inherit it): SLURM_CONF and PATH. */
  env: NodeJS.ProcessEnv;
  /** The daemons' PIDs. */
  pids: Record<'munged' | 'slurmctld' | 'slurmd', number>;
  /** The state of each job (array tasks separately) `scontrol show job` lists for `id`. */
  jobStates(id: string): Promise<{ id: string; arrayTask: string | null; state: string; stdout: string | null }[]>;
  /** Cancels what is left, stops the daemons (TERM, then KILL) and waits for them to exit. */
  stop(): Promise<void>;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** The processes, other than this one, whose environment has SLURM_CONF=`conf`: this cluster's jobs. */
function clusterProcesses(conf: string): number[] {
  const marker = `SLURM_CONF=${conf}\0`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(marker)) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE']);
export const isTerminal = (state: string) => TERMINAL.has(state);

/**
 * Starts munged, slurmctld and slurmd in `dir` (an empty folder). The node declares `cpus` CPUs
 * (SlurmdParameters=config_overrides lets it declare more than the machine has, so that a job
 * script's --cpus-per-task fits on a small test machine). If the process is killed before stop(),
 * `removeOnKill` (default `dir`) is removed too.
 */
export async function startCluster(dir: string, { cpus, log, removeOnKill }: { cpus: number; log: (line: string) => void; removeOnKill?: string }): Promise<Cluster> {
  // munged wants its socket's folders searchable by all (`dir`'s parents too), its key readable by its owner only.
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const keyDir = join(dir, 'munge-key');
  const runDir = join(dir, 'run');
  const logDir = join(dir, 'log');
  for (const d of [keyDir, runDir, logDir, join(dir, 'state'), join(dir, 'spool')]) mkdirSync(d, { recursive: true });
  chmodSync(keyDir, 0o700);
  chmodSync(runDir, 0o755);
  const socket = join(runDir, 'munge.socket');
  const node = hostname().split('.')[0];
  const [ctldPort, dPort] = [await freePort(), await freePort()];
  const conf = join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=head-atlas-test',
      `SlurmctldHost=${node}(127.0.0.1)`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${dPort}`,
      'AuthType=auth/munge',
      `AuthInfo=socket=${socket}`,
      'CredType=cred/munge',
      'SlurmUser=root',
      'SlurmdUser=root',
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${join(runDir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(runDir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(logDir, 'slurmctld.log')}`,
      `SlurmdLogFile=${join(logDir, 'slurmd.log')}`,
      // No cgroups (containers rarely allow them): plain process tracking, no task binding.
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'JobCompType=jobcomp/none',
      'MpiDefault=none',
      'SchedulerType=sched/backfill',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_CPU',
      'ReturnToService=2',
      'KillWait=5',
      'MinJobAge=3600',
      'SlurmdParameters=config_overrides',
      `NodeName=${node} NodeAddr=127.0.0.1 CPUs=${cpus} State=UNKNOWN`,
      `PartitionName=test Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, LANG: 'C.UTF-8', SLURM_CONF: conf };

  const children: { name: keyof Cluster['pids']; child: ChildProcess; exited: Promise<void> }[] = [];
  const startDaemon = (name: keyof Cluster['pids'], command: string, args: string[]) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'ignore'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    children.push({ name, child, exited });
    log(`started ${name}, PID ${child.pid}`);
    return child;
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killNow);
    for (const signal of SIGNALS) process.off(signal, onSignal);
    const ctld = children.find((c) => c.name === 'slurmctld');
    if (ctld && ctld.child.exitCode === null) {
      // Jobs first, so no slurmstepd or job process outlives the cluster.
      await run('scancel', ['--partition=test'], { env }).catch(() => {});
      await waitFor('the jobs to end', async () => ((await run('squeue', ['-h', '-o', '%i'], { env }).catch(() => '')).trim() === '' ? true : undefined), 30_000).catch((e) => log(String(e)));
    }
    for (const { name, child, exited } of [...children].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      child.kill('SIGTERM');
      const killed = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
      if (!killed) {
        child.kill('SIGKILL');
        await exited;
      }
      log(`stopped ${name} (PID ${child.pid})`);
    }
    for (const pid of clusterProcesses(conf)) {
      log(`killing PID ${pid}, a job process left running`);
      process.kill(pid, 'SIGKILL');
    }
  };
  // Where the test process ends without afterAll (an uncaught error, Ctrl-C, a kill), the daemons
  // go too: killed on exit, and on SIGINT or SIGTERM, which are then raised again to end the process.
  // So do the jobs' processes (slurmstepd and below), which outlive slurmd: they are the ones whose
  // environment names this cluster's slurm.conf.
  const killNow = () => {
    for (const { child } of children) if (child.exitCode === null) child.kill('SIGKILL');
    for (const pid of clusterProcesses(conf)) process.kill(pid, 'SIGKILL');
    rmSync(removeOnKill ?? dir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    killNow();
    process.kill(process.pid, signal);
  };
  process.once('exit', killNow);
  for (const signal of SIGNALS) process.once(signal, onSignal);

  try {
    const keyFile = join(keyDir, 'munge.key');
    await run('mungekey', ['--create', `--keyfile=${keyFile}`], { env });
    const munged = startDaemon('munged', 'munged', ['--foreground', `--key-file=${keyFile}`, `--socket=${socket}`, `--pid-file=${join(runDir, 'munged.pid')}`, `--log-file=${join(logDir, 'munged.log')}`, `--seed-file=${join(keyDir, 'munged.seed')}`]);
    await waitFor('munged to answer', async () => (munged.exitCode !== null ? Promise.reject(new Error(`munged exited (${munged.exitCode}); see ${logDir}/munged.log`)) : (await run('munge', ['--socket', socket, '--no-input'], { env }).then(() => true, () => undefined))), 30_000, 100);
    const ctld = startDaemon('slurmctld', 'slurmctld', ['-D', '-i']);
    await waitFor('slurmctld to answer', async () => (ctld.exitCode !== null ? Promise.reject(new Error(`slurmctld exited (${ctld.exitCode}); see ${logDir}/slurmctld.log`)) : (await run('scontrol', ['ping'], { env }).then((out) => (/UP/.test(out) ? true : undefined), () => undefined))), 60_000);
    const slurmd = startDaemon('slurmd', 'slurmd', ['-D', '-N', node]);
    await waitFor(`node ${node} to be idle`, async () => (slurmd.exitCode !== null ? Promise.reject(new Error(`slurmd exited (${slurmd.exitCode}); see ${logDir}/slurmd.log`)) : (await run('sinfo', ['-h', '-N', '-o', '%t'], { env }).then((out) => (/idle/.test(out) ? true : undefined), () => undefined))), 60_000);
  } catch (e) {
    await stop();
    throw e;
  }
  const pids = Object.fromEntries(children.map((c) => [c.name, c.child.pid!])) as Cluster['pids'];

  const jobStates: Cluster['jobStates'] = async (id) => {
    const out = await run('scontrol', ['show', 'job', '--oneliner', id], { env });
    return out
      .split('\n')
      .filter((line) => line.startsWith('JobId='))
      .map((line) => {
        const field = (name: string) => new RegExp(`(?:^| )${name}=(\\S*)`).exec(line)?.[1] ?? null;
        return { id: field('JobId')!, arrayTask: field('ArrayTaskId'), state: field('JobState')!, stdout: field('StdOut') };
      });
  };
  return { dir, env, pids, jobStates, stop };
}
