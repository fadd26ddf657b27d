/** Images as bytes (0 = background, 255 = ink), one row of inputSize per example, and their class labels. */
export interface Dataset {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  /** Pixels per image (784 for 28x28). */
  inputSize: number;
  /** Where it came from, for messages. */
  source?: string;
}

/** Rows first..first+count of a dataset, sharing its memory. */
export function sliceDataset(data: Dataset, first: number, count: number, source?: string): Dataset {
  return {
    images: data.images.subarray(first * data.inputSize, (first + count) * data.inputSize),
    labels: data.labels.subarray(first, first + count),
    count,
    inputSize: data.inputSize,
    source: source ?? data.source,
  };
}
