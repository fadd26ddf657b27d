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

export const METRIC_SETS = ['train', 'validation', 'test'] as const;
export type MetricSet = (typeof METRIC_SETS)[number];

/** The accuracy a run is judged by: validation when measured, else test, else training. */
export function headlineAccuracy(m: EpochMetrics): number | undefined {
  return m.validationAccuracy ?? m.testAccuracy ?? m.trainAccuracy;
}
