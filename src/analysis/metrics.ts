// Task metrics as GLUE defines them, over plain arrays.

/** Index of the largest value of each row of a [rows, cols] row-major array. */
export function argmaxRows(values: ArrayLike<number>, cols: number): number[] {
  const rows = values.length / cols;
  return Array.from({ length: rows }, (_, r) => {
    let best = 0;
    for (let c = 1; c < cols; c++) if (values[r * cols + c] > values[r * cols + best]) best = c;
    return best;
  });
}

export function accuracy(predictions: readonly number[], labels: readonly number[]): number {
  if (predictions.length !== labels.length || labels.length === 0) throw new Error('accuracy needs as many predictions as labels, and at least one.');
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) correct++;
  return correct / labels.length;
}
