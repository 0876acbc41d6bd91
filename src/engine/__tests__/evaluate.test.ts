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
  host.cancel('job');
  await expect(host.evaluate(model.id, dev, { jobId: 'job' })).rejects.toMatchObject({ code: 'cancelled' });
});
