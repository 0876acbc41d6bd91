import { expect, test } from '@playwright/test';
import { HUB } from '../playwright.config';

// The engine in a real browser worker, on the project's backend (WASM, or WebGPU with
// --enable-unsafe-webgpu): every format against the PyTorch reference, formats against each
// other, and the mask invariants.
const MODELS = [
  { name: 'tiny-bert', formats: ['safetensors', 'pytorch', 'onnx'] },
  { name: 'tiny-bert-sst2', formats: ['safetensors', 'pytorch', 'onnx'] },
  { name: 'tiny-bert-mlm', formats: ['safetensors', 'onnx'] },
];

test('all formats match the reference and each other, with exact masks', async ({ page }, testInfo) => {
  const backend = testInfo.project.name === 'webgpu' ? 'webgpu' : 'wasm';
  await page.goto('/e2e/harness.html');
  await page.waitForFunction(() => 'harness' in window);
  const report = await page.evaluate(
    async ({ backend, hub, models }) => {
      type Out = { attentions: Float32Array[]; logits: Float32Array | null; hidden: Float32Array | null; seqLen: number; lengths: number[]; logitsDims: number[] | null };
      const engine = await (window as any).harness.startEngine(backend, 2);
      const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
        if (a.length !== b.length) return Infinity;
        let m = 0;
        for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
      };
      const rows: { model: string; format: string; backend: string; refDiff: number; crossDiff: number }[] = [];
      const invariants: string[] = [];
      for (const model of models) {
        const ref = await (await fetch(`/fixtures/reference/${model.name}.json`)).json();
        let first: Out[] | null = null;
        for (const format of model.formats) {
          const info = await engine.load({ kind: 'hub', repo: `head-atlas/${model.name}`, revision: 'main', host: hub }, { format });
          let refDiff = 0;
          let crossDiff = 0;
          const outs: Out[] = [];
          for (const c of ref.cases) {
            const examples = c.input_ids.map((ids: number[], b: number) => {
              const len = c.attention_mask[b].reduce((s: number, x: number) => s + x, 0);
              return { inputIds: ids.slice(0, len), tokenTypeIds: c.token_type_ids[b].slice(0, len) };
            });
            const masks = { heads: c.head_mask?.flat() ?? null, layers: c.layer_mask, mode: c.disable_mode };
            const out: Out = await engine.run(info.id, { examples, masks, outputs: { attentions: true, logits: true } });
            outs.push(out);
            out.attentions.forEach((a, l) => (refDiff = Math.max(refDiff, maxDiff(a, c.attentions[l].flat(3)))));
            if (c.logits) refDiff = Math.max(refDiff, maxDiff(out.logits!, c.logits.flat()));
            if (c.mask_positions) {
              const vocab = out.logitsDims![2];
              c.mask_positions.forEach(([b, s]: number[], i: number) => {
                const at = (b * out.seqLen + s) * vocab;
                refDiff = Math.max(refDiff, maxDiff(out.logits!.subarray(at, at + vocab), c.mask_logits[i]));
              });
            }
          }
          if (first) outs.forEach((o, k) => {
            o.attentions.forEach((a, l) => (crossDiff = Math.max(crossDiff, maxDiff(a, first![k].attentions[l]))));
            if (o.logits) crossDiff = Math.max(crossDiff, maxDiff(o.logits, first![k].logits!));
          });
          first ??= outs;
          rows.push({ model: model.name, format, backend: info.backend, refDiff, crossDiff });

          // Mask invariants on the padded case.
          const padded = ref.cases.find((c: { name: string }) => c.name === 'padded');
          const examples = padded.input_ids.map((ids: number[], b: number) => {
            const len = padded.attention_mask[b].reduce((s: number, x: number) => s + x, 0);
            return { inputIds: ids.slice(0, len), tokenTypeIds: padded.token_type_ids[b].slice(0, len) };
          });
          const { layers, heads } = info.shape;
          const plain: Out = await engine.run(info.id, { examples, outputs: { attentions: true, logits: true } });
          const ones: Out = await engine.run(info.id, { examples, masks: { heads: new Array(layers * heads).fill(1), layers: new Array(layers).fill(1), mode: 'uniform' }, outputs: { attentions: true, logits: true } });
          const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
          if (!ones.attentions.every((a, l) => same(a, plain.attentions[l])) || (plain.logits && !same(ones.logits!, plain.logits))) invariants.push(`${model.name}/${format}: all-ones masks changed the output`);
          const mask = new Array(layers * heads).fill(1);
          mask[heads + 1] = 0;
          const zero: Out = await engine.run(info.id, { examples, masks: { heads: mask, mode: 'zero' }, outputs: { attentions: true } });
          const uniform: Out = await engine.run(info.id, { examples, masks: { heads: mask, mode: 'uniform' }, outputs: { attentions: true } });
          const S = zero.seqLen;
          zero.lengths.forEach((L, b) => {
            const at = (b * heads + 1) * S * S;
            if (!zero.attentions[1].subarray(at, at + S * S).every((x) => x === 0)) invariants.push(`${model.name}/${format}: zeroed head not 0`);
            const u = uniform.attentions[1].subarray(at, at + S * S);
            if (!u.every((x, i) => x === (i % S < L ? Math.fround(1 / L) : 0))) invariants.push(`${model.name}/${format}: uniform head not 1/L`);
          });
          const dropped: Out = await engine.run(info.id, { examples, masks: { layers: [1, 0, 1] }, outputs: { attentions: true } });
          if (!dropped.attentions[1].every((x) => x === 0)) invariants.push(`${model.name}/${format}: dropped layer maps not 0`);
        }
      }
      engine.terminate();
      return { rows, invariants };
    },
    { backend, hub: HUB, models: MODELS },
  );
  console.table(report.rows);
  for (const row of report.rows) {
    expect(row.backend, `${row.model}/${row.format} ran on the requested backend`).toBe(backend);
    expect(row.refDiff, `${row.model}/${row.format} vs reference`).toBeLessThanOrEqual(1e-4);
    expect(row.crossDiff, `${row.model}/${row.format} vs first format`).toBeLessThanOrEqual(1e-5);
  }
  expect(report.invariants).toEqual([]);
});

test('a sweep that reuses unchanged layers scores as the whole model does, in the worker', async ({ page }, testInfo) => {
  const backend = testInfo.project.name === 'webgpu' ? 'webgpu' : 'wasm';
  await page.goto('/e2e/harness.html');
  await page.waitForFunction(() => 'harness' in window);
  const report = await page.evaluate(
    async ({ backend, hub }) => {
      const engine = await (window as any).harness.startEngine(backend, 2);
      const info = await engine.load({ kind: 'hub', repo: 'head-atlas/tiny-bert-sst2', revision: 'main', host: hub }, { format: 'safetensors' });
      const { layers, heads } = info.shape;
      const words = ['the', 'film', 'was', 'not', 'good', 'but', 'actors', 'were', 'great', 'a', 'cat', 'sat', 'on', 'mat'];
      const examples = Array.from({ length: 20 }, (_, i) => ({ textA: words.slice(i % 5, 4 + ((i * 3) % 10)).join(' ') }));
      let maxDiff = 0;
      let flipped = 0;
      let computed = 0;
      let whole = 0;
      const unavailable: (string | null)[] = [];
      const runs = [null, ...Array.from({ length: layers * heads }, (_, i) => i)];
      for (const off of runs) {
        const masks = { heads: Array.from({ length: layers * heads }, (_, i) => (i === off ? 0 : 1)), mode: 'uniform' };
        const full = await engine.evaluate(info.id, examples, { masks, batchSize: 8 });
        const reused = await engine.evaluate(info.id, examples, { masks, batchSize: 8, reuse: true });
        for (let i = 0; i < full.logits.length; i++) maxDiff = Math.max(maxDiff, Math.abs(full.logits[i] - reused.logits[i]));
        for (let i = 0; i < full.logits.length; i += 2) if (full.logits[i] > full.logits[i + 1] !== reused.logits[i] > reused.logits[i + 1]) flipped++;
        computed += reused.reuse.computed;
        whole += reused.reuse.whole;
        unavailable.push(reused.reuse.unavailable);
      }
      await engine.forgetKeptLayers(info.id);
      engine.terminate();
      return { backend: info.backend, maxDiff, flipped, computed, whole, unavailable, layers, heads };
    },
    { backend, hub: HUB },
  );
  expect(report.backend).toBe(backend);
  expect(report.unavailable.every((u) => u === null), String(report.unavailable)).toBe(true);
  // The stage graphs are fused a little differently from the whole one: last bits move with 2 threads.
  expect(report.maxDiff).toBeLessThanOrEqual(1e-4);
  expect(report.flipped).toBe(0);
  // 3 batches; per batch: the baseline's L layers, H × (L + … + 1), and L − 1 passes moving the kept state up.
  const { layers: L, heads: H } = report;
  expect(report.computed).toBe(3 * (L + (H * L * (L + 1)) / 2 + L - 1));
  expect(report.whole).toBe(3 * L * (1 + L * H));
});
