import { softmax } from './softmax';

/** A masked-LM's top guesses at one [MASK] of one example. */
export interface MaskFill {
  /** Token index of the [MASK] in the example. */
  position: number;
  /** Vocabulary ids, most probable first. */
  ids: number[];
  /** Their softmax probabilities over the whole vocabulary. */
  probs: number[];
}

/**
 * The k most probable tokens at every [MASK] of example `example`.
 * `logits` is the masked-LM output, `[batch, seq, vocab]` (dims), `tokens` that example's tokens.
 */
export function topMaskFills(
  logits: Float32Array,
  dims: readonly number[],
  tokens: readonly string[],
  k = 5,
  example = 0,
): MaskFill[] {
  const [, seq, vocab] = dims;
  const fills: MaskFill[] = [];
  tokens.forEach((token, position) => {
    if (token !== '[MASK]') return;
    const row = logits.subarray((example * seq + position) * vocab, (example * seq + position + 1) * vocab);
    // Keep the k best in one pass: the vocabulary is ~30k, a full sort per [MASK] is wasteful.
    const best: number[] = [];
    for (let id = 0; id < vocab; id++) {
      if (best.length === k && row[id] <= row[best[k - 1]]) continue;
      let at = best.length < k ? best.length : k - 1;
      while (at > 0 && row[best[at - 1]] < row[id]) at--;
      best.splice(at, 0, id);
      if (best.length > k) best.pop();
    }
    const probs = softmax(row);
    fills.push({ position, ids: best, probs: best.map((id) => probs[id]) });
  });
  return fills;
}
