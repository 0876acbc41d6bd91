import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { caseInputs, caseMasks, hubFolder, loadFixture, maxAbsDiff, reference } from './fixtures';

// transformers.js-style float16 export (fixtures: scripts/fixtures/make_fp16.py): attention runs in
// float16, the masks are applied in float32 between exact casts.
const FILE = 'onnx/model_fp16.onnx';
const cases = reference('tiny-bert').cases;
const padded = cases.find((c) => c.name === 'padded')!;

describe('a float16 ONNX export', () => {
  const model = loadFixture('tiny-bert', { format: 'onnx', onnxFile: FILE });

  it('matches the reference to float16 precision, masks included', async () => {
    const { runner, prepared } = await model;
    expect(prepared.weightFiles).toEqual([FILE]);
    for (const c of cases) {
      const out = await runner.run(caseInputs(c), caseMasks(c), { attentions: true });
      out.attentions!.forEach((a, l) => expect(maxAbsDiff(a, c.attentions[l].flat(3)), `${c.name} layer ${l}`).toBeLessThanOrEqual(2e-2));
    }
  });

  // On the CPU backend ONNX Runtime runs float16 graphs by inserting float32 casts and removing
  // redundant cast pairs; the patch's casts change which pairs it removes, so the rounding to
  // float16 happens at slightly different places: equal to float16 precision, not bitwise.
  it('with all-ones masks, gives the output of the unpatched file to float16 precision', async () => {
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
    process.stdout.write(`fp16 patched vs unpatched: max abs diff ${maxAbsDiff(got, want)}\n`);
    expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-2);
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
      // 1/L as float16 holds it: within float16's rounding of 1/L.
      expect(Math.abs(value - 1 / L)).toBeLessThanOrEqual((1 / L) * 2 ** -11);
      expect(u.every((x, i) => x === (i % S < L ? value : 0))).toBe(true);
    });
    expect(dropped.attentions![1].every((x) => x === 0)).toBe(true);
  });
});
