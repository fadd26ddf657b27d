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

/**
 * Memory a reader can put a dataset's bytes straight into (an engine's, `Network.byteStore`), so that they are
 * held once: alloc reserves bytes and returns their offset; u8 is the current view, replaced when the store grows.
 */
export interface ByteStore {
  alloc(bytes: number): number;
  readonly u8: Uint8Array;
}

/** A dataset whose bytes live in a ByteStore: its views are remade whenever the store has grown, so they never go stale. */
class StoredDataset implements Dataset {
  private viewsOf: Uint8Array | undefined;
  private imageView: Uint8Array = new Uint8Array(0);
  private labelView: Uint8Array = new Uint8Array(0);

  constructor(
    readonly store: ByteStore,
    readonly imagesAt: number,
    readonly labelsAt: number,
    readonly count: number,
    readonly inputSize: number,
    readonly source?: string,
  ) {}

  get images(): Uint8Array {
    this.refresh();
    return this.imageView;
  }

  get labels(): Uint8Array {
    this.refresh();
    return this.labelView;
  }

  private refresh(): void {
    const u8 = this.store.u8;
    if (u8 === this.viewsOf) return;
    this.viewsOf = u8;
    this.imageView = u8.subarray(this.imagesAt, this.imagesAt + this.count * this.inputSize);
    this.labelView = u8.subarray(this.labelsAt, this.labelsAt + this.count);
  }
}

/** A dataset over bytes already in a store: count images of inputSize bytes at imagesAt, their labels at labelsAt. */
export function storedDataset(store: ByteStore, imagesAt: number, labelsAt: number, count: number, inputSize: number, source?: string): Dataset {
  return new StoredDataset(store, imagesAt, labelsAt, count, inputSize, source);
}

/** Where a dataset's images and labels are in the given store, when it lives there (an upload then copies nothing). */
export function placeIn(data: Dataset, store: ByteStore): { images: number; labels: number } | undefined {
  return data instanceof StoredDataset && data.store === store ? { images: data.imagesAt, labels: data.labelsAt } : undefined;
}

/** Rows first..first+count of a dataset, sharing its memory. */
export function sliceDataset(data: Dataset, first: number, count: number, source?: string): Dataset {
  if (data instanceof StoredDataset) {
    return new StoredDataset(data.store, data.imagesAt + first * data.inputSize, data.labelsAt + first, count, data.inputSize, source ?? data.source);
  }
  return {
    images: data.images.subarray(first * data.inputSize, (first + count) * data.inputSize),
    labels: data.labels.subarray(first, first + count),
    count,
    inputSize: data.inputSize,
    source: source ?? data.source,
  };
}
