import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { caseInputs, caseMasks, hubFolder, loadFixture, maxAbsDiff, reference } from './fixtures';

// transformers.js's other ONNX files (fixtures made by scripts/fixtures/make_fp16.py and
// make_quantized.py from the float32 export):
// - model_fp16.onnx runs attention in float16; the masks apply in float32 between exact casts.
//   On the CPU backend ONNX Runtime runs float16 through casts of its own and removes redundant
//   pairs; the patch's casts change which, so all-ones masks agree with the unpatched file to
//   float16 precision rather than bit for bit.
// - model_quantized.onnx quantizes the MatMuls to int8; Softmax and the masks stay float32, so
//   all-ones masks are bitwise. int8 weights move these fixtures' deliberately sharp attention by
//   up to 0.26, so the float reference says nothing about it: the bitwise test does.
const VARIANTS = [
  { file: 'onnx/model_fp16.onnx', referenceTolerance: 2e-2, unpatchedTolerance: 1e-2 },
  { file: 'onnx/model_quantized.onnx', referenceTolerance: null, unpatchedTolerance: 0 },
];
const cases = reference('tiny-bert').cases;
const padded = cases.find((c) => c.name === 'padded')!;

describe.each(VARIANTS)('$file', ({ file: FILE, referenceTolerance, unpatchedTolerance }) => {
  const model = loadFixture('tiny-bert', { format: 'onnx', onnxFile: FILE });

  it.runIf(referenceTolerance !== null)('matches the reference to its precision, masks included', async () => {
    const { runner, prepared } = await model;
    expect(prepared.weightFiles).toEqual([FILE]);
    for (const c of cases) {
      const out = await runner.run(caseInputs(c), caseMasks(c), { attentions: true });
      out.attentions!.forEach((a, l) => expect(maxAbsDiff(a, c.attentions[l].flat(3)), `${c.name} layer ${l}`).toBeLessThanOrEqual(referenceTolerance!));
    }
  });

  it('with all-ones masks, gives the output of the unpatched file', async () => {
    const { runner } = await model;
    const original = await ort.InferenceSession.create(readFileSync(`${hubFolder('tiny-bert')}/${FILE}`));
    const inputs = caseInputs(padded);
    const S = padded.input_ids[0].length;
    const dims = [inputs.length, S];
    const flat = (rows: number[][]) => BigInt64Array.from(rows.flat().map(BigInt));
    const want = (await original.run({
      input_ids: new ort.Tensor('int64', flat(padded.input_ids), dims),
      attention_mask: new ort.Tensor('int64', flat(padded.attention_mask), dims),
      token_type_ids: new ort.Tensor('int64', flat(padded.token_type_ids), dims),
    })).last_hidden_state.data as Float32Array;
    const { layers, heads } = runner.shape;
    const got = (await runner.run(inputs, { heads: new Array(layers * heads).fill(1), layers: new Array(layers).fill(1), mode: 'uniform' }, { hidden: true })).hidden!;
    expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(unpatchedTolerance);
  });

  it('zeroes, makes uniform and drops exactly', async () => {
    const { runner } = await model;
    const { layers, heads } = runner.shape;
    const mask = new Array(layers * heads).fill(1);
    mask[heads + 2] = 0;
    const inputs = caseInputs(padded);
    const zero = await runner.run(inputs, { heads: mask, mode: 'zero' }, { attentions: true });
    const uniform = await runner.run(inputs, { heads: mask, mode: 'uniform' }, { attentions: true });
    const dropped = await runner.run(inputs, { layers: [1, 0, 1] }, { attentions: true });
    const S = zero.seqLen;
    zero.lengths.forEach((L, b) => {
      const at = (b * heads + 2) * S * S;
      expect(zero.attentions![1].subarray(at, at + S * S).every((x) => x === 0)).toBe(true);
      const u = uniform.attentions![1].subarray(at, at + S * S);
      const value = u[0];
      // 1/L as the graph's precision holds it (float16 rounds it).
      expect(Math.abs(value - 1 / L)).toBeLessThanOrEqual((1 / L) * 2 ** -11);
      expect(u.every((x, i) => x === (i % S < L ? value : 0))).toBe(true);
    });
    expect(dropped.attentions![1].every((x) => x === 0)).toBe(true);
  });
});
