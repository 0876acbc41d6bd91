// Runs in headless Chromium (bench/index.html): the engine's costs on a BERT-base-shaped model,
// all measured in one run so the ratios compare like with like.
import * as ort from 'onnxruntime-web/wasm';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import { BertRunner } from '../src/engine/bertRunner';
import { buildCheckpointGraph } from '../src/engine/checkpointGraph';
import { patchExportedGraph } from '../src/engine/onnxPatch';
import { timeGridDrawing } from './gridBench';
import { timeAnalyses, timeLengthGrouping } from './taskBench';
import { timeSweepReuse } from './sweepBench';
import { BENCH_SHAPE, benchInput, median, randomBertWeights } from './randomBert';

async function time<T>(f: () => Promise<T> | T): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await f();
  return [value, performance.now() - t0];
}

export async function runEngineBench({ threads = 2, length = 128, repeats = 10, sst2Lengths = [] as number[] } = {}) {
  ort.env.wasm.wasmPaths = { wasm: new URL(wasmUrl, location.href).href };
  ort.env.wasm.numThreads = threads;
  const shape = BENCH_SHAPE;
  const weights = randomBertWeights(shape);
  const [plain, plainBuildMs] = await time(() => buildCheckpointGraph(shape, weights, false));
  const [built, buildMs] = await time(() => buildCheckpointGraph(shape, weights, true));
  const [patched, patchMs] = await time(() => patchExportedGraph(plain.modelBytes, shape));

  const [plainSession, plainSessionMs] = await time(() => ort.InferenceSession.create(plain.modelBytes, { executionProviders: ['wasm'] }));
  const [runner, sessionMs] = await time(() => BertRunner.create(ort, built, shape, built.head, 0, ['wasm']));
  const input = benchInput(length);
  const ids = BigInt64Array.from(input[0].inputIds.map(BigInt));
  const dims = [1, length];
  const feeds = {
    input_ids: new ort.Tensor('int64', ids, dims),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(length).fill(1n), dims),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(length), dims),
  };
  const plainTimes: number[] = [];
  const capturedTimes: number[] = [];
  const maskOpsTimes: number[] = [];
  // Interleaved, after a warm-up of each, so drift in machine load hits both alike.
  await plainSession.run(feeds);
  await runner.run(input, {}, { attentions: true, logits: true });
  for (let i = 0; i < repeats; i++) {
    plainTimes.push((await time(() => plainSession.run(feeds)))[1]);
    capturedTimes.push((await time(() => runner.run(input, {}, { attentions: true, logits: true })))[1]);
    maskOpsTimes.push((await time(() => runner.run(input, {}, { attentions: false, logits: true })))[1]);
  }
  // What fresh memory costs here: the attention outputs are this many new bytes per forward.
  const attentionFloats = shape.layers * shape.heads * length * length;
  const allocTimes: number[] = [];
  for (let i = 0; i < repeats; i++) {
    allocTimes.push((await time(() => Array.from({ length: shape.layers }, () => new Float32Array(attentionFloats / shape.layers).fill(0.5))))[1]);
  }
  const captured = await runner.run(input, {}, { attentions: true, logits: false });
  const grid = timeGridDrawing(captured.attentions!, shape.heads, length, repeats);
  const analysesMs = timeAnalyses(captured.attentions!, shape.heads, length, repeats);
  const grouping = sst2Lengths.length ? await timeLengthGrouping(runner, sst2Lengths, shape.vocabSize) : null;
  await plainSession.release();
  await runner.release();
  return {
    threads,
    length,
    modelMB: plain.modelBytes.byteLength / 2 ** 20,
    plainBuildMs,
    buildMs,
    patchMs,
    patchedMB: patched.modelBytes.byteLength / 2 ** 20,
    plainSessionMs,
    sessionMs,
    plainForwardMs: median(plainTimes),
    capturedForwardMs: median(capturedTimes),
    maskOpsForwardMs: median(maskOpsTimes),
    attentionMB: (attentionFloats * 4) / 2 ** 20,
    freshAllocMs: median(allocTimes),
    ...grid,
    analysesMs,
    grouping,
  };
}

/** The sweep bench on its own (it takes a few minutes): issue 6's reuse of unchanged layers. */
export async function runSweepBench({ threads = 2, lengths = [] as number[] } = {}) {
  ort.env.wasm.wasmPaths = { wasm: new URL(wasmUrl, location.href).href };
  ort.env.wasm.numThreads = threads;
  return timeSweepReuse(ort, lengths, threads);
}

Object.assign(window, { runEngineBench, runSweepBench });
