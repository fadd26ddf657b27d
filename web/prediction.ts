// Reading the output layer for the bars and the misclassified digits (the verdict is the library's digitVerdict).

/** Index of the largest of `length` values from `from` (a loop: no argument spread over data-sized arrays). */
export function argmax(values: ArrayLike<number>, from = 0, length = values.length - from): number {
  let best = 0;
  for (let i = 1; i < length; i++) if (values[from + i] > values[from + best]) best = i;
  return best;
}

/** Outputs scaled to sum to 1, as the CLI's predict shows them (sigmoid outputs do not sum to 1 on their own). */
export function normalise(outputs: ArrayLike<number>): number[] {
  const values = Array.from(outputs);
  const total = values.reduce((a, b) => a + b, 0) || 1;
  return values.map((v) => v / total);
}
