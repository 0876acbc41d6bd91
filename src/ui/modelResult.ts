// Every result the page holds names the model that produced it (its content identity, the key of
// stored results too), and a view shows a result only for the model that is loaded now. A result
// of an earlier model is never drawn with the new model's labels, shape or name.

/** A value computed by one model. */
export interface ModelResult<T> {
  modelIdentity: string;
  value: T;
}

export function resultOf<T>(model: { identity: string }, value: T): ModelResult<T> {
  return { modelIdentity: model.identity, value };
}

/** The value if it was computed by `model`; null while the loaded model's own result is pending. */
export function resultFor<T>(model: { identity: string } | null, result: ModelResult<T> | null): T | null {
  return model && result && result.modelIdentity === model.identity ? result.value : null;
}

/** A classifier's output as rows for display, or the reason it cannot be shown. */
export type PredictionRows = { rows: { label: string; logit: number }[] } | { problem: string };

/**
 * The rows of a class prediction for one example: one per label the model declares. Logits of
 * another size (another model's, or a masked-LM's vocabulary) are refused, never drawn.
 */
export function predictionRows(model: { head: string; shape: { numLabels: number; labels: string[] | null } }, logits: Float32Array, logitsDims: readonly number[] | null): PredictionRows {
  const count = model.shape.numLabels;
  if (model.head !== 'sequence-classification') return { problem: 'This model has no classification head.' };
  const perExample = logitsDims && logitsDims.length === 2 ? logitsDims[1] : logits.length;
  if (perExample !== count || logits.length < count) {
    return { problem: `The model gave ${perExample} outputs where its config declares ${count} labels, so no prediction is shown.` };
  }
  return { rows: Array.from({ length: count }, (_, i) => ({ label: model.shape.labels?.[i] ?? `LABEL_${i}`, logit: logits[i] })) };
}

/** At most this many [MASK] positions are listed; the rest are counted. */
export const MAX_LISTED_FILLS = 12;
