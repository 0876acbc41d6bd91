import * as ort from 'onnxruntime-web';
import { expect, it } from 'vitest';
import { BertRunner } from '../bertRunner';
import { buildCheckpointGraph } from '../checkpointGraph';
import { prepareModel } from '../loadModel';
import { diskSource } from '../diskSource';
import { patchExportedGraph } from '../onnxPatch';
import { parseSafetensors } from '../safetensors';
import { readFileSync } from 'node:fs';
import { caseInputs, caseMasks, hubFolder, maxAbsDiff, reference } from './fixtures';

// The plain graph (as an exporter writes it, opset 17 with LayerNormalization) patched afterwards
// must behave as the graph built instrumented: the patcher works on that graph family too.
it('patching the plain built graph matches the reference', async () => {
  const { shape, tokenizer } = await prepareModel(diskSource(hubFolder('tiny-bert')));
  const weights = parseSafetensors(new Uint8Array(readFileSync(`${hubFolder('tiny-bert')}/model.safetensors`)));
  const plain = buildCheckpointGraph(shape, weights, false);
  const session = await ort.InferenceSession.create(plain.modelBytes);
  expect(session.outputNames).toEqual(['last_hidden_state']);
  expect(session.inputNames).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
  const patched = patchExportedGraph(plain.modelBytes, shape);
  const runner = await BertRunner.create(ort, patched, shape, 'base', tokenizer.padId, ['wasm']);
  for (const c of reference('tiny-bert').cases) {
    const out = await runner.run(caseInputs(c), caseMasks(c), { attentions: true });
    out.attentions!.forEach((a, l) => expect(maxAbsDiff(a, c.attentions[l].flat(3))).toBeLessThanOrEqual(1e-4));
  }
});
