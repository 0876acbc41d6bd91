// Fine-tuning drift (Kovaleva et al. 2019, Fig. 5): per head, the cosine similarity between a
// pre-trained model's and a fine-tuned model's attention maps on the same inputs, averaged over
// the examples. For each example the head's length × length block (the unpadded tokens only) is
// flattened and the two vectors' cosine taken. Attention weights are non-negative, so the cosine
// lies in [0, 1]: 1 for identical (or proportional) maps, 0 for maps with no cell in common.
//
// A zero map (a head disabled in "zero" mode, or a dropped layer) has no direction. By definition
// here: two zero maps are the same map (cosine 1); a zero map against a non-zero one has nothing in
// common with it (cosine 0). So every example counts for every head and the averages stay in [0, 1].

import { checkBatchShape } from './specialTokens';

/** What drift needs to know of a model to compare it with another. */
export interface DriftShape {
  layers: number;
  heads: number;
  hidden: number;
  vocabSize: number;
}

/**
 * null when the two models can be compared (same layers, heads, hidden size and vocabulary),
 * otherwise the reason they cannot, as a sentence for the user. Pass the vocabularies (token by id)
 * when they are known: the same size with different tokens also refuses, since the same text would
 * not be the same input.
 */
export function checkDriftPair(shapeA: DriftShape, shapeB: DriftShape, vocabA?: readonly string[] | null, vocabB?: readonly string[] | null): string | null {
  const differences: string[] = [];
  if (shapeA.layers !== shapeB.layers) differences.push(`${shapeA.layers} layers against ${shapeB.layers}`);
  if (shapeA.heads !== shapeB.heads) differences.push(`${shapeA.heads} heads per layer against ${shapeB.heads}`);
  if (shapeA.hidden !== shapeB.hidden) differences.push(`hidden size ${shapeA.hidden} against ${shapeB.hidden}`);
  if (shapeA.vocabSize !== shapeB.vocabSize) differences.push(`a vocabulary of ${shapeA.vocabSize} tokens against ${shapeB.vocabSize}`);
  if (differences.length === 0 && vocabA && vocabB) {
    if (vocabA.length !== vocabB.length) {
      differences.push(`tokenizer vocabularies of ${vocabA.length} and ${vocabB.length} tokens`);
    } else {
      for (let i = 0; i < vocabA.length; i++) {
        if (vocabA[i] !== vocabB[i]) {
          differences.push(`different vocabularies (token ${i} is ${JSON.stringify(vocabA[i])} in one and ${JSON.stringify(vocabB[i])} in the other)`);
          break;
        }
      }
    }
  }
  if (differences.length === 0) return null;
  return `These two models cannot be compared head by head: ${differences.join('; ')}. Drift compares a pre-trained model with a fine-tuning of it, which has the same shape and vocabulary.`;
}

export interface DriftAccumulator {
  readonly layers: number;
  readonly heads: number;
  /** [layer·heads + head]: sum of per-example cosines. */
  readonly sums: Float64Array;
  /** Examples added (each counts for every head; an example of length 0 is not added). */
  examples: number;
}

export function createDriftAccumulator(layers: number, heads: number): DriftAccumulator {
  return { layers, heads, sums: new Float64Array(layers * heads), examples: 0 };
}

/**
 * Cosine similarity of two length × length blocks read in place (row stride seqLen), in float64.
 * Zero maps: see the module comment.
 */
export function mapCosine(a: Float32Array, offsetA: number, b: Float32Array, offsetB: number, seqLen: number, length: number): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let r = 0; r < length; r++) {
    const rowA = offsetA + r * seqLen;
    const rowB = offsetB + r * seqLen;
    for (let c = 0; c < length; c++) {
      const x = a[rowA + c];
      const y = b[rowB + c];
      dot += x * y;
      normA += x * x;
      normB += y * y;
    }
  }
  if (normA === 0 || normB === 0) return normA === normB ? 1 : 0;
  const cosine = dot / Math.sqrt(normA * normB);
  // Rounding can put identical maps a hair above 1.
  return cosine > 1 ? 1 : cosine < 0 ? 0 : cosine;
}

/**
 * Adds one batch run through both models on the same inputs: per layer Float32Array
 * [batch, heads, S, S] from each, S = seqLen, with each example's unpadded length.
 */
export function addDriftBatch(acc: DriftAccumulator, attentionsA: readonly Float32Array[], attentionsB: readonly Float32Array[], seqLen: number, lengths: readonly number[]): void {
  const { layers, heads } = acc;
  checkBatchShape(attentionsA, layers, heads, seqLen, lengths);
  checkBatchShape(attentionsB, layers, heads, seqLen, lengths);
  const size = seqLen * seqLen;
  for (let b = 0; b < lengths.length; b++) {
    const length = lengths[b];
    if (length === 0) continue; // no tokens, no map: not an example
    for (let l = 0; l < layers; l++) {
      for (let h = 0; h < heads; h++) {
        const offset = (b * heads + h) * size;
        acc.sums[l * heads + h] += mapCosine(attentionsA[l], offset, attentionsB[l], offset, seqLen, length);
      }
    }
    acc.examples++;
  }
}

export interface DriftResult {
  layers: number;
  heads: number;
  /** [layer][head] mean cosine over the examples, in [0, 1]; null before any example. */
  mean: number[][] | null;
  /** Per layer, the mean over its heads; null before any example. */
  perLayer: number[] | null;
  examples: number;
}

export function driftResult(acc: DriftAccumulator): DriftResult {
  const { layers, heads, examples } = acc;
  if (examples === 0) return { layers, heads, mean: null, perLayer: null, examples };
  const mean = Array.from({ length: layers }, (_, l) => Array.from({ length: heads }, (_, h) => acc.sums[l * heads + h] / examples));
  const perLayer = mean.map((row) => row.reduce((s, v) => s + v, 0) / heads);
  return { layers, heads, mean, perLayer, examples };
}
