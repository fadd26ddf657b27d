import type { TopLevelSpec } from 'vega-lite';

/** counts[actual][predicted] over a labelled set. */
export function confusionMatrix(labels: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): number[][] {
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) counts[labels[i]][predicted[i]]++;
  return counts;
}

/** Per class: precision (correct / predicted as it) and recall (correct / actually it); NaN-free (0 when undefined). */
export function precisionRecall(counts: number[][]): { digit: number; precision: number; recall: number; support: number }[] {
  return counts.map((row, c) => {
    const predictedAs = counts.reduce((sum, r) => sum + r[c], 0);
    const support = row.reduce((a, b) => a + b, 0);
    return { digit: c, precision: predictedAs ? row[c] / predictedAs : 0, recall: support ? row[c] / support : 0, support };
  });
}

/** A heat map of the matrix with the count written in every cell. */
export function confusionSpec(counts: number[][]): TopLevelSpec {
  const values = counts.flatMap((row, actual) => row.map((count, predicted) => ({ actual, predicted, count })));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values },
    width: 380,
    height: 380,
    encoding: {
      x: { field: 'predicted', type: 'ordinal', title: 'Predicted digit', axis: { labelAngle: 0 } },
      y: { field: 'actual', type: 'ordinal', title: 'True digit' },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'count', type: 'quantitative', scale: { type: 'symlog', scheme: 'blues' }, title: 'Images' } } },
      {
        mark: { type: 'text', fontSize: 10 },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: 'datum.count > 300', value: 'white' }, value: 'black' },
        },
      },
    ],
    config: { font: 'DejaVu Sans, Helvetica, Arial, sans-serif' },
  };
}
