import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { DataType, encodeModel, GraphWriter, maskInputs, valueInfo } from '../onnxGraph';
import { caseInputs, hubFolder, loadFixture, reference } from './fixtures';

const padded = reference('tiny-bert').cases.find((c) => c.name === 'padded')!;
const inputs = caseInputs(padded);

describe.each(['onnx', 'safetensors'] as const)('masks on the %s graph', (format) => {
  const model = loadFixture('tiny-bert', { format });

  it('all-ones masks give output bitwise equal to no masks', async () => {
    const { runner } = await model;
    const { layers, heads } = runner.shape;
    const plain = await runner.run(inputs, {}, { attentions: true, hidden: true });
    const ones = await runner.run(inputs, { heads: new Array(layers * heads).fill(1), layers: new Array(layers).fill(1), mode: 'uniform' }, { attentions: true, hidden: true });
    expect(Buffer.from(ones.hidden!.buffer).equals(Buffer.from(plain.hidden!.buffer))).toBe(true);
    ones.attentions!.forEach((a, l) => expect(Buffer.from(a.buffer).equals(Buffer.from(plain.attentions![l].buffer))).toBe(true));
  });

  it('a zeroed head map is exactly 0, and other heads of its layer are untouched', async () => {
    const { runner } = await model;
    const { layers, heads } = runner.shape;
    const mask = new Array(layers * heads).fill(1);
    mask[1 * heads + 2] = 0;
    const plain = await runner.run(inputs, {}, { attentions: true });
    const out = await runner.run(inputs, { heads: mask, mode: 'zero' }, { attentions: true });
    const S = out.seqLen;
    for (let b = 0; b < out.batchSize; b++) {
      for (let h = 0; h < heads; h++) {
        const at = (b * heads + h) * S * S;
        const got = out.attentions![1].subarray(at, at + S * S);
        if (h === 2) expect(got.every((x) => x === 0)).toBe(true);
        else expect(got).toEqual(plain.attentions![1].subarray(at, at + S * S));
      }
    }
    // Layer 0 runs before the mask, so it is bitwise unchanged.
    expect(out.attentions![0]).toEqual(plain.attentions![0]);
  });

  it('a uniform head has rows of exactly 1/L on unpadded tokens and 0 on padding', async () => {
    const { runner } = await model;
    const { layers, heads } = runner.shape;
    const mask = new Array(layers * heads).fill(1);
    mask[0 * heads + 3] = 0;
    const out = await runner.run(inputs, { heads: mask, mode: 'uniform' }, { attentions: true });
    const S = out.seqLen;
    out.lengths.forEach((L, b) => {
      const at = (b * heads + 3) * S * S;
      for (let r = 0; r < S; r++) {
        for (let c = 0; c < S; c++) expect(out.attentions![0][at + r * S + c]).toBe(c < L ? Math.fround(1 / L) : 0);
      }
    });
  });

  it("a dropped layer's maps are exactly 0 and masks change the output", async () => {
    const { runner } = await model;
    const plain = await runner.run(inputs, {}, { attentions: true, hidden: true });
    const out = await runner.run(inputs, { layers: [1, 0, 1] }, { attentions: true, hidden: true });
    expect(out.attentions![1].every((x) => x === 0)).toBe(true);
    expect(out.attentions![0]).toEqual(plain.attentions![0]);
    expect(out.hidden).not.toEqual(plain.hidden);
  });
});

describe('exactness of the mask ops', () => {
  it("a dropped layer's output is its input, bit for bit, and a kept layer's is its own", async () => {
    const g = new GraphWriter(17);
    g.maskedLayer('x', 'y', 1, '/layer', 'out');
    const bytes = encodeModel({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'gate',
        node: g.nodes,
        initializer: g.initializers,
        input: [valueInfo('x', DataType.FLOAT, [5]), valueInfo('y', DataType.FLOAT, [5]), maskInputs(2, 1)[2]],
        output: [valueInfo('out', DataType.FLOAT, [5])],
      },
    });
    const session = await ort.InferenceSession.create(bytes);
    const x = new Float32Array([0.1, -3.7e-20, 12345.678, -5.9, 1e30]);
    const y = new Float32Array([7, 8, 9, 10, 11]);
    const run = async (m: number[]) =>
      (await session.run({ x: new ort.Tensor('float32', x, [5]), y: new ort.Tensor('float32', y, [5]), layer_mask: new ort.Tensor('float32', new Float32Array(m), [2]) })).out.data;
    expect(await run([1, 0])).toEqual(x);
    expect(await run([0, 1])).toEqual(y);
  });
});

describe('the patched ONNX graph', () => {
  it('gives output bitwise equal to the unpatched export under all-ones masks', async () => {
    const original = await ort.InferenceSession.create(readFileSync(`${hubFolder('tiny-bert')}/onnx/model.onnx`));
    const { runner } = await loadFixture('tiny-bert', { format: 'onnx' });
    const S = Math.max(...inputs.map((e) => e.inputIds.length));
    const pad = (rows: number[][], v: number) => BigInt64Array.from(rows.flatMap((r) => [...r, ...new Array(S - r.length).fill(v)]).map(BigInt));
    const dims = [inputs.length, S];
    const feeds = {
      input_ids: new ort.Tensor('int64', pad(inputs.map((e) => e.inputIds), 0), dims),
      attention_mask: new ort.Tensor('int64', pad(inputs.map((e) => e.inputIds.map(() => 1)), 0), dims),
      token_type_ids: new ort.Tensor('int64', pad(inputs.map((e) => e.tokenTypeIds), 0), dims),
    };
    const want = (await original.run(feeds)).last_hidden_state.data as Float32Array;
    const got = (await runner.run(inputs, {}, { hidden: true })).hidden!;
    expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(want.buffer, want.byteOffset, want.byteLength))).toBe(true);
  });
});
