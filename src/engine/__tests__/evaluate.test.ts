import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { expect, it } from 'vitest';
import { GLUE_TASKS, parseGlueTsv } from '../../analysis/glue';
import { EngineHost } from '../engineHost';
import { FIXTURES, maxAbsDiff } from './fixtures';

const dev = parseGlueTsv(readFileSync(new URL('../../../public/data/sst2/dev.tsv', import.meta.url), 'utf8'), GLUE_TASKS.sst2).slice(0, 60);
const backend = { requested: 'wasm', backend: 'wasm', threads: 1, crossOriginIsolated: false, fallbackReason: null } as const;

it('evaluates in length-grouped batches, with the logits of one-at-a-time runs, in order', async () => {
  const host = new EngineHost({ ort, backend, appBaseUrl: 'http://unused/', cache: null });
  const { diskSource } = await import('../diskSource');
  host.sourceOf = () => diskSource(`${FIXTURES}hub/head-atlas/tiny-bert-sst2`, 'tiny-bert-sst2');
  const model = await host.load({ kind: 'bundled', name: 'unused' });
  const progress: number[] = [];
  const { logits, numLabels } = await host.evaluate(model.id, dev, { batchSize: 16 }, (done) => progress.push(done));
  expect(numLabels).toBe(2);
  expect(progress).toEqual([16, 32, 48, 60]);
  for (let i = 0; i < dev.length; i += 7) {
    const one = await host.run(model.id, { examples: [dev[i]], outputs: { logits: true } });
    expect(maxAbsDiff(logits.subarray(i * 2, i * 2 + 2), one.logits!)).toBeLessThanOrEqual(1e-5);
  }
  // A cancel stops a job in progress before its next batch.
  const cancelled = host.evaluate(model.id, dev, { jobId: 'job', batchSize: 16 }, (done) => done === 16 && host.cancel('job'));
  await expect(cancelled).rejects.toMatchObject({ code: 'cancelled' });
});

it('a cancel of a job that finished (or never ran) is not kept: a later job runs to the end', async () => {
  const host = new EngineHost({ ort, backend, appBaseUrl: 'http://unused/', cache: null });
  const { diskSource } = await import('../diskSource');
  host.sourceOf = () => diskSource(`${FIXTURES}hub/head-atlas/tiny-bert-sst2`, 'tiny-bert-sst2');
  const model = await host.load({ kind: 'bundled', name: 'unused' });
  await host.evaluate(model.id, dev.slice(0, 8), { jobId: 'mask-eval-1' });
  // A panel leaving cancels its (finished) job; one mounted later may use the same id.
  host.cancel('mask-eval-1');
  host.cancel('never-started');
  const progress: number[] = [];
  const again = await host.evaluate(model.id, dev, { jobId: 'mask-eval-1', batchSize: 16 }, (done) => progress.push(done));
  expect(progress).toEqual([16, 32, 48, 60]);
  expect(again.logits.length).toBe(120);
  await expect(host.evaluate(model.id, dev, { jobId: 'never-started' })).resolves.toMatchObject({ numLabels: 2 });
});

it('runs one batch at a time on a session, however many calls arrive at once, and frees the sessions on unload', async () => {
  const host = new EngineHost({ ort, backend, appBaseUrl: 'http://unused/', cache: null });
  const { diskSource } = await import('../diskSource');
  host.sourceOf = () => diskSource(`${FIXTURES}hub/head-atlas/tiny-bert-sst2`, 'tiny-bert-sst2');
  const model = await host.load({ kind: 'bundled', name: 'unused' });
  // Count the ORT runs in flight on the model's session.
  const session = (host as unknown as { models: Map<string, { runner: { session: { run: (...a: unknown[]) => Promise<unknown>; release(): Promise<void> } } }> }).models.get(model.id)!.runner.session;
  const run = session.run.bind(session);
  let inFlight = 0;
  let most = 0;
  session.run = async (...args: unknown[]) => {
    most = Math.max(most, ++inFlight);
    try {
      return await run(...args);
    } finally {
      inFlight--;
    }
  };
  const one = await host.run(model.id, { examples: [dev[0]], outputs: { logits: true } });
  const results = await Promise.all([
    host.evaluate(model.id, dev, { batchSize: 8 }),
    host.analyse(model.id, dev.slice(0, 20), { batchSize: 4 }),
    ...dev.slice(0, 6).map((e) => host.run(model.id, { examples: [e], outputs: { logits: true } })),
  ]);
  expect(most).toBe(1);
  expect(maxAbsDiff((results[0] as { logits: Float32Array }).logits.subarray(0, 2), one.logits!)).toBeLessThanOrEqual(1e-5);
  let released = false;
  const release = session.release.bind(session);
  session.release = async () => {
    released = true;
    await release();
  };
  await host.unload(model.id);
  expect(released).toBe(true);
  await expect(host.run(model.id, { examples: [dev[0]] })).rejects.toMatchObject({ code: 'bad-input' });
});
