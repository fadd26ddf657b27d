import sharp from 'sharp';
import type { Dataset } from '../data/dataset.js';
import type { Network } from '../engine/network.js';
import { learningCurvesSpec } from '../plot/curves.js';
import { renderSvg } from '../plot/render-node.js';
import type { EpochMetrics } from '../train/metrics.js';
import { confusionMatrix, confusionSpec, precisionRecall } from './confusion.js';

export interface ReportInput {
  network: Network;
  test: Dataset;
  metrics: EpochMetrics[];
  title: string;
  /** How many misclassified digits to show, most confident first. */
  gallerySize?: number;
}

/** Class probabilities for every image of a dataset, in chunks so the f64 copy stays small. */
export function predictDataset(network: Network, data: Dataset): { predicted: Uint8Array; confidence: Float64Array } {
  const classes = network.spec.layers[network.spec.layers.length - 1];
  const predicted = new Uint8Array(data.count);
  const confidence = new Float64Array(data.count);
  const chunk = 1000;
  for (let first = 0; first < data.count; first += chunk) {
    const m = Math.min(chunk, data.count - first);
    const inputs = new Float64Array(m * data.inputSize);
    for (let i = 0; i < inputs.length; i++) inputs[i] = data.images[first * data.inputSize + i] / 255;
    const probabilities = network.predict(inputs);
    for (let e = 0; e < m; e++) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (probabilities[e * classes + c] > probabilities[e * classes + best]) best = c;
      predicted[first + e] = best;
      confidence[first + e] = probabilities[e * classes + best];
    }
  }
  return { predicted, confidence };
}

/** A 28x28 digit as a PNG data URI, dark ink on white, scaled up with square pixels. */
async function digitImage(pixels: Uint8Array, side: number): Promise<string> {
  const ink = pixels.map((v) => 255 - v);
  const png = await sharp(Buffer.from(ink), { raw: { width: side, height: side, channels: 1 } })
    .resize(side * 3, side * 3, { kernel: 'nearest' })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

const escape = (text: string): string => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);

/** A self-contained HTML page: curves, confusion matrix, precision/recall, most confident mistakes. */
export async function buildReport(input: ReportInput): Promise<{ html: string; confusion: number[][]; accuracy: number }> {
  const { network, test } = input;
  const classes = network.spec.layers[network.spec.layers.length - 1];
  const { predicted, confidence } = predictDataset(network, test);
  const confusion = confusionMatrix(test.labels, predicted, classes);
  const perClass = precisionRecall(confusion);
  const correct = perClass.reduce((sum, c) => sum + confusion[c.digit][c.digit], 0);
  const accuracy = correct / test.count;
  const side = Math.round(Math.sqrt(test.inputSize));
  const mistakes = Array.from({ length: test.count }, (_, i) => i)
    .filter((i) => predicted[i] !== test.labels[i])
    .sort((a, b) => confidence[b] - confidence[a])
    .slice(0, input.gallerySize ?? 24);
  const gallery = side * side === test.inputSize
    ? await Promise.all(mistakes.map(async (i) => `<figure><img src="${await digitImage(test.images.subarray(i * test.inputSize, (i + 1) * test.inputSize), side)}" alt="test image ${i}"><figcaption>#${i}: true <b>${test.labels[i]}</b>, predicted <b>${predicted[i]}</b> (${(confidence[i] * 100).toFixed(1)}%)</figcaption></figure>`))
    : [];
  const curves = input.metrics.length ? await renderSvg(learningCurvesSpec([{ metrics: input.metrics }])) : '<p>No per-epoch metrics were saved with this model.</p>';
  const heatMap = await renderSvg(confusionSpec(confusion));
  const rows = perClass.map((c) => `<tr><td>${c.digit}</td><td>${(c.precision * 100).toFixed(2)}%</td><td>${(c.recall * 100).toFixed(2)}%</td><td>${c.support}</td></tr>`).join('');
  const data = JSON.stringify({ accuracy, confusion, perClass, count: test.count });
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(input.title)}</title>
<style>
body { font-family: 'DejaVu Sans', Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 1000px; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
table { border-collapse: collapse; } td, th { padding: 0.2rem 0.8rem; text-align: right; border-bottom: 1px solid #ddd; }
.gallery { display: flex; flex-wrap: wrap; gap: 0.8rem; } figure { margin: 0; width: 110px; font-size: 0.75rem; text-align: center; }
figure img { image-rendering: pixelated; border: 1px solid #ccc; }
</style></head><body>
<h1>${escape(input.title)}</h1>
<p>Test accuracy <b>${(accuracy * 100).toFixed(2)}%</b> (${correct} of ${test.count}); network [${network.spec.layers.join(', ')}], ${network.spec.activation}/${network.spec.outputActivation}, ${network.spec.cost}.</p>
<h2>Cost and accuracy per epoch</h2>
<div id="curves">${curves}</div>
<h2>Confusion matrix (test set)</h2>
<div id="confusion">${heatMap}</div>
<h2>Precision and recall per digit</h2>
<table id="per-class"><thead><tr><th>digit</th><th>precision</th><th>recall</th><th>images</th></tr></thead><tbody>${rows}</tbody></table>
<h2>Most confidently misclassified test digits</h2>
<div class="gallery" id="gallery">${gallery.join('\n')}</div>
<script type="application/json" id="report-data">${data}</script>
</body></html>
`;
  return { html, confusion, accuracy };
}
