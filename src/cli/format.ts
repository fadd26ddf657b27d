import type { EpochMetrics } from '../train/metrics.js';

const COLUMNS: [keyof EpochMetrics, string, 'cost' | 'accuracy' | 'seconds'][] = [
  ['trainCost', 'train cost', 'cost'],
  ['trainAccuracy', 'train acc', 'accuracy'],
  ['validationCost', 'valid cost', 'cost'],
  ['validationAccuracy', 'valid acc', 'accuracy'],
  ['testCost', 'test cost', 'cost'],
  ['testAccuracy', 'test acc', 'accuracy'],
  ['seconds', 'train s', 'seconds'],
  ['evalSeconds', 'eval s', 'seconds'],
];

export function tableHeader(): string {
  return ['epoch'.padStart(5), ...COLUMNS.map(([, title]) => title.padStart(10))].join(' ');
}

/** One aligned line per epoch; columns not measured show a dash. */
export function tableRow(m: EpochMetrics): string {
  const cells = COLUMNS.map(([key, , kind]) => {
    const value = m[key];
    if (value === undefined) return '-'.padStart(10);
    if (kind === 'accuracy') return `${(value * 100).toFixed(2)}%`.padStart(10);
    if (kind === 'seconds') return value.toFixed(2).padStart(10);
    return value.toFixed(4).padStart(10);
  });
  return [String(m.epoch).padStart(5), ...cells].join(' ');
}
