import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { GLUE_TASKS, parseGlueTsv } from '../../analysis/glue';
import { accuracy, argmaxRows } from '../../analysis/metrics';
import { diskSource } from '../diskSource';
import { EngineHost } from '../engineHost';
import type { ModelFormat } from '../loadModel';
import { maxAbsDiff } from './fixtures';

// The embedded pair the app opens on: a micro-BERT pre-trained by the project (masked LM) and its
// SST-2 fine-tuning, shipped in public/models/ in both formats.
const MODELS = fileURLToPath(new URL('../../../public/models/', import.meta.url));
const backend = { requested: 'wasm', backend: 'wasm', threads: 1, crossOriginIsolated: false, fallbackReason: null } as const;

async function load(name: string, format: ModelFormat) {
  const host = new EngineHost({ ort, backend, appBaseUrl: 'http://unused/', cache: null });
  host.sourceOf = () => diskSource(`${MODELS}${name}`, `bundled:${name}`);
  return { host, model: await host.load({ kind: 'bundled', name }, { format }) };
}

const SENTENCES = [
  { textA: 'the movie was not good , but the actors were great .' },
  { textA: 'a cat sat on the mat .', textB: 'it was [MASK] .' },
  { textA: 'she opened the [MASK] and walked in .' },
];

describe.each(['micro-bert', 'micro-bert-sst2'])('%s', (name) => {
  it('safetensors and ONNX give the same attentions and logits', async () => {
    const a = await load(name, 'safetensors');
    const b = await load(name, 'onnx');
    expect(a.model.shape).toMatchObject({ layers: 4, heads: 4, hidden: 128 });
    const x = await a.host.run(a.model.id, { examples: SENTENCES, outputs: { attentions: true, logits: true } });
    const y = await b.host.run(b.model.id, { examples: SENTENCES, outputs: { attentions: true, logits: true } });
    x.attentions!.forEach((att, l) => expect(maxAbsDiff(att, y.attentions![l])).toBeLessThanOrEqual(1e-5));
    expect(maxAbsDiff(x.logits!, y.logits!)).toBeLessThanOrEqual(1e-4);
  });
});

it("the SST-2 model's dev accuracy, by the app's evaluation, equals its model card", async () => {
  const card = JSON.parse(readFileSync(`${MODELS}micro-bert-sst2/metrics.json`, 'utf8'));
  const dev = parseGlueTsv(readFileSync(new URL('../../../public/data/sst2/dev.tsv', import.meta.url), 'utf8'), GLUE_TASKS.sst2);
  const { host, model } = await load('micro-bert-sst2', 'safetensors');
  expect(model.shape.labels).toEqual(['negative', 'positive']);
  const { logits, numLabels } = await host.evaluate(model.id, dev);
  const predictions = argmaxRows(logits, numLabels);
  const correct = predictions.filter((p, i) => p === dev[i].label).length;
  expect(correct).toBe(card.correct);
  // Far above the majority class (51%): a broken export or a label swap would fall well below.
  expect(accuracy(predictions, dev.map((d) => d.label))).toBeGreaterThanOrEqual(0.75);
});
