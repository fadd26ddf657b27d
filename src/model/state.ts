// What a model file records about the training that made it: the per-epoch numbers and where to resume.
// Defined here, below the trainer that produces them, so the model file never imports from train/.

/** One epoch's numbers: costs include the L2 term when lambda > 0; accuracies are fractions. */
export interface EpochMetrics {
  epoch: number;
  trainCost?: number;
  trainAccuracy?: number;
  validationCost?: number;
  validationAccuracy?: number;
  testCost?: number;
  testAccuracy?: number;
  /** Training time of the epoch alone. */
  seconds: number;
  /** Time spent evaluating after the epoch. */
  evalSeconds: number;
}

/** What a later run needs to continue exactly where this one is, even from the middle of an epoch. */
export interface TrainerState {
  /** Complete epochs. */
  epochsDone: number;
  /** Mini-batches of the next epoch already trained (non-zero after an interruption). */
  batchesDone: number;
  /** The shuffle generator's state before the next epoch's shuffle. */
  rngState: number[];
}
