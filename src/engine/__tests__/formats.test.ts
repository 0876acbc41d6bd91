import { describe, expect, it } from 'vitest';
import { caseInputs, caseMasks, loadFixture, maxAbsDiff, reference } from './fixtures';

// Every format of every fixture model must reproduce the independent PyTorch reference, and the
// formats must agree with each other.
const MODELS = [
  { name: 'tiny-bert', formats: ['safetensors', 'pytorch', 'onnx'] },
  { name: 'tiny-bert-sst2', formats: ['safetensors', 'pytorch', 'onnx'] },
  { name: 'tiny-bert-mlm', formats: ['safetensors', 'onnx'] },
  { name: 'tiny-bert-sharded', formats: ['safetensors'], referenceOf: 'tiny-bert' },
] as const;

describe.each(MODELS)('$name', (model) => {
  const ref = reference('referenceOf' in model ? model.referenceOf : model.name);
  const loaded = Object.fromEntries(model.formats.map((f) => [f, loadFixture(model.name, { format: f })]));

  it.each(model.formats)('%s matches the PyTorch reference on every case', async (format) => {
    const { runner } = await loaded[format];
    for (const c of ref.cases) {
      const inputs = caseInputs(c);
      const out = await runner.run(inputs, caseMasks(c), { attentions: true, logits: true, hidden: true });
      expect(out.seqLen).toBe(c.input_ids[0].length);
      for (let l = 0; l < c.attentions.length; l++) {
        expect(maxAbsDiff(out.attentions![l], c.attentions[l].flat(3)), `${c.name} layer ${l}`).toBeLessThanOrEqual(1e-4);
      }
      if (c.last_hidden_state) {
        // Padded positions are not compared: HF computes them, but nothing reads them.
        const want: number[] = [];
        const got: number[] = [];
        c.last_hidden_state.forEach((rows, b) => rows.forEach((row, s) => {
          if (c.attention_mask[b][s]) row.forEach((v, k) => { want.push(v); got.push(out.hidden![(b * out.seqLen + s) * row.length + k]); });
        }));
        expect(maxAbsDiff(got, want), `${c.name} hidden`).toBeLessThanOrEqual(1e-4);
      }
      if (c.logits) expect(maxAbsDiff(out.logits!, c.logits.flat()), `${c.name} logits`).toBeLessThanOrEqual(1e-4);
      if (c.mask_positions && c.mask_logits) {
        const vocab = out.logitsDims![2];
        c.mask_positions.forEach(([b, s], i) => {
          const row = out.logits!.subarray((b * out.seqLen + s) * vocab, (b * out.seqLen + s + 1) * vocab);
          expect(maxAbsDiff(row, c.mask_logits![i]), `${c.name} mask logits`).toBeLessThanOrEqual(1e-4);
        });
      }
    }
  });

  it('all formats agree within 1e-5', async () => {
    const outs = await Promise.all(
      model.formats.map(async (f) => {
        const { runner } = await loaded[f];
        return Promise.all(ref.cases.map((c) => runner.run(caseInputs(c), caseMasks(c), { attentions: true, logits: true })));
      }),
    );
    for (let i = 1; i < outs.length; i++) {
      outs[i].forEach((out, k) => {
        out.attentions!.forEach((a, l) => expect(maxAbsDiff(a, outs[0][k].attentions![l])).toBeLessThanOrEqual(1e-5));
        if (out.logits) expect(maxAbsDiff(out.logits, outs[0][k].logits!)).toBeLessThanOrEqual(1e-5);
      });
    }
  });
});
