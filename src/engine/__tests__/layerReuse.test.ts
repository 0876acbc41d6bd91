import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { GLUE_TASKS, parseGlueTsv } from '../../analysis/glue';
import { argmaxRows } from '../../analysis/metrics';
import { planSweep } from '../../analysis/sweep';
import { diskSource } from '../diskSource';
import { EngineHost } from '../engineHost';
import type { ModelFormat } from '../loadModel';
import { maxAbsDiff } from './fixtures';

// Masking sweeps start each run at the first layer its masks change, from hidden states kept by
// per-layer stage graphs. The runs must score what the whole graph scores, and compute only the
// layers they change.
const MODEL = fileURLToPath(new URL('../../../public/models/micro-bert-sst2', import.meta.url));
const dev = parseGlueTsv(readFileSync(new URL('../../../public/data/sst2/dev.tsv', import.meta.url), 'utf8'), GLUE_TASKS.sst2).slice(0, 40);
const backend = { requested: 'wasm', backend: 'wasm', threads: 1, crossOriginIsolated: false, fallbackReason: null } as const;

async function load(format: ModelFormat) {
  const host = new EngineHost({ ort, backend, appBaseUrl: 'http://unused/', cache: null });
  host.sourceOf = () => diskSource(MODEL, 'bundled:micro-bert-sst2');
  return { host, model: await host.load({ kind: 'bundled', name: 'micro-bert-sst2' }, { format }) };
}

describe('reusing unchanged layers', () => {
  it('a head sweep scores as the whole graph does, computing only the layers each mask changes', async () => {
    const { host, model } = await load('safetensors');
    const { layers, heads } = model.shape;
    const batchSize = 16;
    const batches = Math.ceil(dev.length / batchSize);
    let computed = 0;
    let whole = 0;
    for (const mode of ['zero', 'uniform'] as const) {
      for (const run of planSweep(model.shape, 'heads', mode)) {
        const reused = await host.evaluate(model.id, dev, { masks: run.masks, batchSize, reuse: true });
        const full = await host.evaluate(model.id, dev, { masks: run.masks, batchSize });
        expect(reused.reuse?.unavailable).toBeNull();
        expect(maxAbsDiff(reused.logits, full.logits), run.id).toBeLessThanOrEqual(1e-5);
        expect(argmaxRows(reused.logits, 2)).toEqual(argmaxRows(full.logits, 2));
        computed += reused.reuse!.computed;
        whole += reused.reuse!.whole;
      }
    }
    // Per mode and batch: the baseline runs every layer; a head in layer l runs layers l..L-1; moving
    // the kept state up one layer costs one layer pass, L-1 times (the baseline left it at the top,
    // so the first head re-embeds). The second mode's baseline only moves the first mode's kept
    // state up from the last layer: one pass instead of L.
    const perBatch = layers + (heads * layers * (layers + 1)) / 2 + (layers - 1);
    expect(computed).toBe(batches * (2 * perBatch - layers + 1));
    expect(whole).toBe(2 * batches * layers * (1 + layers * heads));
    expect(computed / whole).toBeLessThan(0.7);
    await host.unload(model.id);
  }, 120_000);

  it('a layer sweep that skips layers matches, and a changed sample is not served the old states', async () => {
    const { host, model } = await load('safetensors');
    for (const run of planSweep(model.shape, 'layers', 'skip')) {
      const reused = await host.evaluate(model.id, dev, { masks: run.masks, batchSize: 8, reuse: true });
      const full = await host.evaluate(model.id, dev, { masks: run.masks, batchSize: 8 });
      expect(maxAbsDiff(reused.logits, full.logits), run.id).toBeLessThanOrEqual(1e-5);
    }
    // Same sizes, other texts: the kept states of the first sample must not be used.
    const other = dev.slice(20).concat(dev.slice(0, 20)).map((e, i) => ({ ...e, textA: `${e.textA} ${i % 2 ? 'yes' : 'no'}` }));
    const last = planSweep(model.shape, 'heads', 'zero').at(-1)!;
    const reused = await host.evaluate(model.id, other, { masks: last.masks, batchSize: 8, reuse: true });
    const full = await host.evaluate(model.id, other, { masks: last.masks, batchSize: 8 });
    expect(maxAbsDiff(reused.logits, full.logits)).toBeLessThanOrEqual(1e-5);
    host.forgetKeptLayers(model.id);
    await host.unload(model.id);
  }, 120_000);

  it('says why it recomputes every layer: an ONNX-file model, or a sample over the memory limit', async () => {
    const { host, model } = await load('onnx');
    const masks = planSweep(model.shape, 'heads', 'zero')[5].masks;
    const full = await host.evaluate(model.id, dev, { masks });
    const onnx = await host.evaluate(model.id, dev, { masks, reuse: true });
    expect(onnx.reuse?.unavailable).toMatch(/ONNX-file model runs whole/);
    expect(onnx.logits).toEqual(full.logits);

    const { host: host2, model: model2 } = await load('safetensors');
    const tight = await host2.evaluate(model2.id, dev, { masks, reuse: true, maxKeptBytes: 1024 });
    expect(tight.reuse?.unavailable).toMatch(/MiB limit/);
    expect(tight.reuse?.computed).toBe(0);
    expect(maxAbsDiff(tight.logits, full.logits)).toBeLessThanOrEqual(1e-5);
  }, 60_000);
});
