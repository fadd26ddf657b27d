import type { EpochMetrics } from '../model/state.js';
export type { EpochMetrics } from '../model/state.js';
export { parseEpochMetrics } from '../model/state.js';

export const METRIC_SETS = ['train', 'validation', 'test'] as const;
export type MetricSet = (typeof METRIC_SETS)[number];

/** The accuracy a run is judged by: validation when measured, else test, else training. */
export function headlineAccuracy(m: EpochMetrics): number | undefined {
  return m.validationAccuracy ?? m.testAccuracy ?? m.trainAccuracy;
}
