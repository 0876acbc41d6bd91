import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { expect, it } from 'vitest';
import { BertRunner } from '../bertRunner';
import { diskSource } from '../diskSource';
import { isEngineError } from '../errors';
import { prepareModel } from '../loadModel';
import type { ModelSource } from '../modelSource';
import { encodeModel } from '../onnxGraph';
import { onnx } from '../onnxProto.js';
import { caseInputs, caseMasks, hubFolder, maxAbsDiff, reference } from './fixtures';

/** The tiny-bert export with its weights moved to onnx/model.onnx_data, as large exports store them. */
function withExternalData(): { model: Uint8Array; data: Uint8Array } {
  const model = onnx.ModelProto.decode(readFileSync(`${hubFolder('tiny-bert')}/onnx/model.onnx`));
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const t of model.graph!.initializer as onnx.TensorProto[]) {
    if (t.rawData.byteLength < 64) continue;
    chunks.push(t.rawData.slice());
    t.externalData = [
      { key: 'location', value: 'model.onnx_data' },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(t.rawData.byteLength) },
    ];
    t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    offset += t.rawData.byteLength;
    t.rawData = new Uint8Array(0);
  }
  const data = new Uint8Array(offset);
  chunks.reduce((at, c) => (data.set(c, at), at + c.byteLength), 0);
  return { model: encodeModel(model), data };
}

function source(files: Record<string, Uint8Array>): ModelSource {
  const disk = diskSource(hubFolder('tiny-bert'));
  return { label: 'external', fetchFile: (p, o) => (p in files ? Promise.resolve(files[p]) : disk.fetchFile(p, o)) };
}

it('an ONNX file with external data loads and matches the reference', async () => {
  const { model, data } = withExternalData();
  expect(data.byteLength).toBeGreaterThan(100_000);
  const prepared = await prepareModel(source({ 'onnx/model.onnx': model, 'onnx/model.onnx_data': data }), { format: 'onnx' });
  expect(prepared.weightFiles).toEqual(['onnx/model.onnx', 'onnx/model.onnx_data']);
  const runner = await BertRunner.create(ort, prepared, prepared.shape, prepared.head, 0, ['wasm']);
  for (const c of reference('tiny-bert').cases) {
    const out = await runner.run(caseInputs(c), caseMasks(c), { attentions: true });
    out.attentions!.forEach((a, l) => expect(maxAbsDiff(a, c.attentions[l].flat(3))).toBeLessThanOrEqual(1e-4));
  }
});

it('a missing or short external data file is refused with a reason', async () => {
  const { model, data } = withExternalData();
  const missing = await prepareModel(source({ 'onnx/model.onnx': model }), { format: 'onnx' }).catch((e) => e);
  expect(isEngineError(missing) && missing.code).toBe('not-found');
  expect(missing.message).toMatch(/model\.onnx_data, which is missing/);
  const short = await prepareModel(source({ 'onnx/model.onnx': model, 'onnx/model.onnx_data': data.subarray(0, 1000) }), { format: 'onnx' }).catch((e) => e);
  expect(isEngineError(short) && short.code).toBe('corrupt');
});
