// The costs of issue 5's analyses and of issue 6's length grouping, on the BERT-base-shaped model,
// measured in the same page as its forward pass.
import { analyseBatch, createAnalysisState } from '../src/analysis/analyseBatch';
import type { BertRunner, EncodedInput } from '../src/engine/bertRunner';
import { median } from './randomBert';

/** The three analyses (patterns, special tokens, drift against a second model's maps) on one example. */
export function timeAnalyses(attentions: Float32Array[], heads: number, seqLen: number, repeats: number) {
  const tokens = Array.from({ length: seqLen }, (_, i) => (i === 0 ? '[CLS]' : i === seqLen - 1 || i === seqLen / 2 ? '[SEP]' : i % 9 === 0 ? '.' : i % 13 === 0 ? 'not' : `w${i}`));
  const segments = Array.from({ length: seqLen }, (_, i) => (i > seqLen / 2 ? 1 : 0));
  // The "other model" is the same maps, shifted, so drift does real work.
  const other = attentions.map((a) => a.slice().reverse());
  const times: number[] = [];
  for (let i = 0; i < repeats + 1; i++) {
    const state = createAnalysisState(attentions.length, heads, { drift: true });
    const t0 = performance.now();
    analyseBatch(state, { attentions, seqLen, lengths: [seqLen], tokens: [tokens], segments: [segments], otherAttentions: other });
    if (i > 0) times.push(performance.now() - t0);
  }
  return median(times);
}

/** Scoring a set of examples of these lengths: grouped by length (no padding beyond the batch's longest) against every example padded to 128. */
export async function timeLengthGrouping(runner: BertRunner, lengths: number[], vocabSize: number, batchSize = 32) {
  const example = (n: number, padTo: number): EncodedInput => {
    const ids = Array.from({ length: padTo }, (_, i) => (i < n ? 1 + ((i * 31 + n) % (vocabSize - 1)) : 0));
    return { inputIds: ids, tokenTypeIds: new Array(padTo).fill(0) };
  };
  const sorted = [...lengths].sort((a, b) => a - b);
  const batches = (xs: number[]) => Array.from({ length: Math.ceil(xs.length / batchSize) }, (_, b) => xs.slice(b * batchSize, (b + 1) * batchSize));
  const t0 = performance.now();
  for (const b of batches(sorted)) await runner.run(b.map((n) => example(n, n)), {}, { logits: true });
  const groupedMs = performance.now() - t0;
  const t1 = performance.now();
  // Padded: every example as 128 tokens (the padding costs the same compute whatever its mask).
  for (const b of batches(lengths)) await runner.run(b.map((n) => example(n, 128)), {}, { logits: true });
  const paddedMs = performance.now() - t1;
  return { groupedMs, paddedMs, examples: lengths.length };
}
