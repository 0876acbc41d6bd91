import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { endedByRestart, newJobId, startEngine, type EngineRestart, type WorkerHandle } from '../client';
import type { ModelInfo } from '../engineHost';
import { CANCEL_GRACE_SECONDS, cancelSeconds, LOAD_SILENCE_SECONDS, runSeconds } from '../workBounds';

const shape = { layers: 4, heads: 4, hidden: 128, intermediate: 512, vocabSize: 30522, maxPositions: 128, typeVocabSize: 2, layerNormEps: 1e-12, hiddenAct: 'gelu', head: 'sequence-classification', numLabels: 2, labels: null, architecture: 'x' } as const;
const never = () => new Promise<never>(() => undefined);

/** A worker whose calls answer as `behave` says; it records what the client did to it. */
function fakeWorkers(behave: { run?: 'hang' | 'ok'; load?: (onProgress: (p: { stage: string; loaded: number }) => void) => Promise<void>; evaluate?: (onProgress: (d: number, t: number) => void, cancelled: () => boolean) => Promise<unknown> }) {
  const spawned: { terminated: boolean; cancels: string[]; loads: number }[] = [];
  const spawn = (): WorkerHandle => {
    const me = { terminated: false, cancels: [] as string[], loads: 0 };
    spawned.push(me);
    let cancelled = false;
    const api = {
      init: async () => ({ requested: 'wasm', backend: 'wasm', threads: 1, crossOriginIsolated: false, fallbackReason: null }),
      load: async (spec: { kind: string; name?: string }, _o: unknown, onProgress: (p: { stage: string; loaded: number }) => void) => {
        if (behave.load && spec.name === 'slow') await behave.load(onProgress);
        return { id: `m${++me.loads}`, label: `bundled:${spec.name}`, shape, head: 'sequence-classification' } as unknown as ModelInfo;
      },
      run: () => (behave.run === 'hang' ? never() : Promise.resolve({ logits: null })),
      evaluate: (_id: string, _ex: unknown, _o: unknown, onProgress: (d: number, t: number) => void) => behave.evaluate!(onProgress, () => cancelled),
      cancel: async (jobId: string) => {
        me.cancels.push(jobId);
        cancelled = true;
      },
      unload: async () => undefined,
    };
    return { api: api as unknown as WorkerHandle['api'], callback: (f) => f, terminate: () => void (me.terminated = true) };
  };
  return { spawn, spawned };
}

const sleep = (s: number) => vi.advanceTimersByTimeAsync(s * 1000);

describe('the engine watchdog', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('restarts a worker whose run does not answer within its bound, and says which model hung', async () => {
    const { spawn, spawned } = fakeWorkers({ run: 'hang' });
    const client = await startEngine('wasm', 1, { spawn, appBaseUrl: 'http://x/' });
    const restarts: EngineRestart[] = [];
    client.onRestart((r) => restarts.push(r));
    const model = await client.load({ kind: 'bundled', name: 'evil' });
    const run = client.run(model.id, { examples: [{ textA: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab' }] });
    const outcome = run.then(() => 'answered', (e) => e);
    const bound = runSeconds(shape, 1, 44);
    await sleep(bound - 1);
    expect(spawned).toHaveLength(1);
    await sleep(2);
    const error = await outcome;
    expect(error).toMatchObject({ code: 'cancelled' });
    expect(endedByRestart(error)).toBe(true);
    expect(spawned[0].terminated).toBe(true);
    expect(spawned).toHaveLength(2);
    expect(restarts).toEqual([{ what: 'a run', modelLabel: 'bundled:evil', modelId: model.id, loading: null, seconds: Math.ceil(bound), cancelled: false }]);
    // The old id names nothing in the new worker; a model loaded there gets an id of its own.
    expect(client.isLoaded(model.id)).toBe(false);
    expect(() => client.run(model.id, { examples: [{ textA: 'x' }] })).toThrow(/No model .* is loaded/);
    const again = await client.load({ kind: 'bundled', name: 'good' });
    expect(again.id).not.toBe(model.id);
  });

  it('keeps a long evaluation that reports progress after each batch alive', async () => {
    const { spawn, spawned } = fakeWorkers({
      evaluate: async (onProgress) => {
        // 40 batches of 10 s: far past any one bound, but never silent for long.
        for (let b = 1; b <= 40; b++) {
          await new Promise((r) => setTimeout(r, 10_000));
          onProgress(b, 40);
        }
        return { logits: new Float32Array(0), numLabels: 2 };
      },
    });
    const client = await startEngine('wasm', 1, { spawn, appBaseUrl: 'http://x/' });
    const model = await client.load({ kind: 'bundled', name: 'm' });
    const done = client.evaluate(model.id, [{ textA: 'a film' }], { batchSize: 1 });
    await sleep(410);
    await expect(done).resolves.toMatchObject({ numLabels: 2 });
    expect(spawned).toHaveLength(1);
  });

  it('restarts after a Cancel the work does not heed (CPU-bound), not after one it heeds or one of a finished job', async () => {
    let heed = true;
    const { spawn, spawned } = fakeWorkers({
      evaluate: async (onProgress, cancelled) => {
        for (let b = 1; b <= 100; b++) {
          await new Promise((r) => setTimeout(r, 1000));
          if (heed && cancelled()) throw Object.assign(new Error('The evaluation was cancelled.'), { code: 'cancelled' });
          onProgress(b, 100);
        }
        return { logits: new Float32Array(0), numLabels: 2 };
      },
    });
    const client = await startEngine('wasm', 1, { spawn, appBaseUrl: 'http://x/' });
    const restarts: EngineRestart[] = [];
    client.onRestart((r) => restarts.push(r));
    const model = await client.load({ kind: 'bundled', name: 'm' });

    const heeded = client.evaluate(model.id, [{ textA: 'x' }], { jobId: 'j1' }).catch((e) => e);
    await sleep(2.5);
    await client.cancel('j1');
    await sleep(CANCEL_GRACE_SECONDS + 1);
    expect(await heeded).toMatchObject({ code: 'cancelled' });
    expect(restarts).toHaveLength(0);

    // Cancelling a job that has finished sends nothing to the worker.
    await client.cancel('j1');
    expect(spawned[0].cancels).toEqual(['j1']);

    heed = false;
    const ignored = client.evaluate(model.id, [{ textA: 'x' }], { jobId: 'j2' }).catch((e) => e);
    await sleep(1.5);
    await client.cancel('j2');
    await sleep(CANCEL_GRACE_SECONDS + 0.5);
    expect(endedByRestart(await ignored)).toBe(true);
    expect(restarts).toEqual([{ what: 'an evaluation', modelLabel: 'bundled:m', modelId: model.id, loading: null, seconds: CANCEL_GRACE_SECONDS, cancelled: true }]);
    expect(spawned).toHaveLength(2);
  });

  it('restarts a load silent for longer than its bound; a load that reports progress may take longer', async () => {
    let silentAfter = Infinity;
    const { spawn, spawned } = fakeWorkers({
      load: async (onProgress) => {
        for (let step = 1; step <= 20; step++) {
          if (step > silentAfter) await never();
          await new Promise((r) => setTimeout(r, 30_000));
          onProgress({ stage: 'download', loaded: step * 1e6 });
        }
      },
    });
    const client = await startEngine('wasm', 1, { spawn, appBaseUrl: 'http://x/' });
    const restarts: EngineRestart[] = [];
    client.onRestart((r) => restarts.push(r));
    const slow = client.load({ kind: 'bundled', name: 'slow' });
    await sleep(20 * 30 + 1);
    await expect(slow).resolves.toMatchObject({ label: 'bundled:slow' });
    expect(restarts).toHaveLength(0);

    silentAfter = 2;
    const spec = { kind: 'bundled', name: 'slow' } as const;
    const hung = client.load(spec).catch((e) => e);
    await sleep(60 + LOAD_SILENCE_SECONDS + 1);
    expect(endedByRestart(await hung)).toBe(true);
    expect(restarts).toEqual([{ what: 'loading', modelLabel: 'bundled:slow', modelId: null, loading: spec, seconds: Math.ceil(LOAD_SILENCE_SECONDS + 2e6 / 10e6), cancelled: false }]);
    expect(spawned).toHaveLength(2);
  });

  it('gives a cancelled batch of a big model its usual time to end before restarting', () => {
    const base = { layers: 12, hidden: 768, maxPositions: 512, vocabSize: 30522 };
    expect(cancelSeconds(shape, 32, 40)).toBe(CANCEL_GRACE_SECONDS);
    expect(cancelSeconds(base, 32, 128)).toBeGreaterThan(60);
    expect(cancelSeconds(base, 1, 16)).toBeLessThan(CANCEL_GRACE_SECONDS + 2);
  });

  it('gives job ids unique for the page', () => {
    const ids = new Set(Array.from({ length: 50 }, () => newJobId('mask-eval')));
    expect(ids.size).toBe(50);
  });
});
