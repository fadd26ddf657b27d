// A page that only recognises digits: mnist-wasm/infer and a model exported beside it (?model=URL, default
// model/model.json, either a `train --save` model file or an `export --format tfjs` folder's model.json).
import { fetchClassifier, preprocessDigit, rgbaToGray } from 'mnist-wasm/infer';

const status = document.getElementById('status');
const pad = document.getElementById('pad');
const context = pad.getContext('2d', { willReadFrequently: true });
const modelUrl = new URL(new URLSearchParams(location.search).get('model') ?? 'model/model.json', location.href);

function clear() {
  context.fillStyle = '#fff';
  context.fillRect(0, 0, pad.width, pad.height);
  document.getElementById('digit').textContent = '-';
  document.getElementById('bars').textContent = '';
}

let classifier;
function recognise() {
  const { data, width, height } = context.getImageData(0, 0, pad.width, pad.height);
  const inputs = preprocessDigit(rgbaToGray(data, width, height));
  if (!inputs || !classifier) return;
  const probabilities = classifier.predict(inputs);
  const digit = probabilities.indexOf(Math.max(...probabilities));
  document.getElementById('digit').textContent = String(digit);
  document.getElementById('bars').innerHTML = [...probabilities]
    .map((p, k) => `<div>${k} <span class="bar" style="width:${(200 * p).toFixed(0)}px"></span> ${(100 * p).toFixed(1)}%</div>`)
    .join('');
}

let drawing = false;
pad.addEventListener('pointerdown', (e) => {
  drawing = true;
  context.beginPath();
  context.moveTo(e.offsetX, e.offsetY);
});
pad.addEventListener('pointermove', (e) => {
  if (!drawing) return;
  context.lineWidth = 18;
  context.lineCap = 'round';
  context.strokeStyle = '#000';
  context.lineTo(e.offsetX, e.offsetY);
  context.stroke();
});
addEventListener('pointerup', () => {
  if (drawing) recognise();
  drawing = false;
});
document.getElementById('clear').addEventListener('click', clear);
clear();

try {
  classifier = await fetchClassifier(modelUrl);
  status.textContent = `${modelUrl.pathname}: ${classifier.inputs} inputs, ${classifier.classes} classes`;
  status.dataset.ready = 'true';
  // For tests and the console: the classifier itself.
  window.classifier = classifier;
} catch (error) {
  status.textContent = error.message;
  status.dataset.error = error.message;
}
