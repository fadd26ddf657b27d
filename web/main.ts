// The page: settings, progress, live curves (the same Vega-Lite spec the CLI renders), a drawing pad.
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { learningCurvesSpec, rgbaToGray, segmentDigits, validateSpec } from 'mnist-wasm';
import type { EpochMetrics, HiddenActivation, OutputActivation } from 'mnist-wasm';
import type { FromWorker, ToWorker } from './protocol';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (message: ToWorker): void => worker.postMessage(message);

const status = $<HTMLParagraphElement>('status');
const progress = $<HTMLProgressElement>('progress');
const buttons = { train: $<HTMLButtonElement>('train'), pause: $<HTMLButtonElement>('pause'), stop: $<HTMLButtonElement>('stop'), save: $<HTMLButtonElement>('save') };
let metrics: EpochMetrics[] = [];
let dataReady = false;
let trained = false;
let paused = false;
let pendingTrain = false;
const number = (id: string): number => Number($<HTMLInputElement>(id).value);

function say(text: string, isError = false): void {
  status.textContent = text;
  status.dataset.error = isError ? 'true' : 'false';
}

async function drawCurves(): Promise<void> {
  const view = new vega.View(vega.parse(compile(learningCurvesSpec([{ metrics }], { sets: ['train', 'validation', 'test'], width: 200, height: 160 })).spec), { renderer: 'svg', container: '#curves', hover: true });
  await view.runAsync();
}

function showEpoch(m: EpochMetrics): void {
  const pct = (v?: number) => (v === undefined ? '-' : `${(v * 100).toFixed(2)}%`);
  const row = document.createElement('tr');
  row.innerHTML = `<td>${m.epoch}</td><td>${pct(m.trainAccuracy)}</td><td class="validation-accuracy" data-value="${m.validationAccuracy}">${pct(m.validationAccuracy)}</td><td>${pct(m.testAccuracy)}</td><td>${m.seconds.toFixed(2)}</td>`;
  $('epochs-table').querySelector('tbody')?.append(row);
}

function startTraining(): void {
  try {
    const spec = validateSpec({
      layers: $<HTMLInputElement>('layers').value.split(',').map((v) => Number(v.trim())),
      activation: $<HTMLSelectElement>('activation').value as HiddenActivation,
      outputActivation: $<HTMLSelectElement>('output-activation').value as OutputActivation,
      cost: 'cross-entropy',
    });
    if (number('threads') > 1 && !crossOriginIsolated) throw new Error('more than one thread needs a cross-origin isolated page (COOP and COEP headers)');
    metrics = [];
    $('epochs-table').querySelector('tbody')?.replaceChildren();
    send({ type: 'train', settings: { spec, trainSize: number('train-size'), epochs: number('epochs'), batchSize: number('batch'), eta: number('eta'), lambda: number('lambda'), seed: number('seed'), threads: number('threads') } });
    buttons.train.disabled = true;
    buttons.pause.disabled = false;
    buttons.stop.disabled = false;
    say('Training...');
  } catch (error) {
    say((error as Error).message, true);
  }
}

buttons.train.onclick = () => {
  if (dataReady) return startTraining();
  pendingTrain = true;
  say('Loading MNIST...');
  if ($<HTMLSelectElement>('source').value === 'files') $<HTMLInputElement>('files').click();
  else send({ type: 'load-served', base: new URL('data/', document.baseURI).href });
};
$<HTMLInputElement>('files').onchange = (e) => send({ type: 'load-files', files: [...((e.target as HTMLInputElement).files ?? [])] });
buttons.pause.onclick = () => {
  if (paused) {
    send({ type: 'resume' });
    paused = false;
    buttons.pause.textContent = 'Pause';
    say('Training...');
  } else send({ type: 'pause' });
};
buttons.stop.onclick = () => send({ type: 'stop' });
buttons.save.onclick = () => send({ type: 'save' });
$<HTMLInputElement>('load').onchange = async (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (file) send({ type: 'load-model', text: await file.text(), name: file.name });
};

worker.onmessage = async (event: MessageEvent<FromWorker>) => {
  const m = event.data;
  switch (m.type) {
    case 'ready':
      $('engine').textContent = `${m.engine} (${m.simd} SIMD)`;
      $('engine').dataset.engine = m.engine;
      $('engine').dataset.simd = m.simd;
      break;
    case 'data':
      dataReady = true;
      say(`MNIST loaded: ${m.train} training and ${m.test} test images.`);
      if (pendingTrain) startTraining();
      break;
    case 'threads':
      $('engine').dataset.threads = String(m.threads);
      break;
    case 'progress':
      progress.value = m.examples / m.total;
      say(`Epoch ${m.epoch}: ${m.examples} of ${m.total} images`);
      break;
    case 'epoch':
      metrics.push(m.metrics);
      showEpoch(m.metrics);
      await drawCurves();
      break;
    case 'stopped':
      trained = true;
      buttons.save.disabled = false;
      if (m.reason === 'paused') {
        paused = true;
        buttons.pause.textContent = 'Resume';
        say('Paused: Resume continues exactly where it stopped.');
        break;
      }
      buttons.train.disabled = false;
      buttons.pause.disabled = true;
      buttons.stop.disabled = true;
      say(m.reason === 'aborted' ? 'Stopped.' : `Done: ${m.metrics.length} epochs.`);
      status.dataset.done = 'true';
      break;
    case 'model': {
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([m.text], { type: 'application/json' }));
      link.download = 'mnist-model.json';
      link.click();
      break;
    }
    case 'model-loaded':
      trained = true;
      buttons.save.disabled = false;
      say(`Loaded ${m.name}: layers ${m.layers.join(', ')}.`);
      break;
    case 'prediction':
      showPrediction(m.probabilities);
      break;
    case 'sample':
      drawSample(m.pixels);
      showPrediction(m.probabilities);
      $('truth').textContent = `(true label ${m.label})`;
      break;
    case 'error':
      say(m.message, true);
      buttons.train.disabled = false;
      break;
  }
};

// The drawing pad: thick strokes like a pen, predicted on every stroke with the CLI's preprocessing.
const pad = $<HTMLCanvasElement>('pad');
const ink = pad.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
function clearPad(): void {
  ink.fillStyle = 'white';
  ink.fillRect(0, 0, pad.width, pad.height);
  $('prediction').textContent = '-';
  $('truth').textContent = '';
  $('bars').replaceChildren();
}
clearPad();
let drawing = false;
let last: [number, number] | undefined;
const at = (e: PointerEvent): [number, number] => {
  const r = pad.getBoundingClientRect();
  return [((e.clientX - r.left) * pad.width) / r.width, ((e.clientY - r.top) * pad.height) / r.height];
};
pad.onpointerdown = (e) => {
  drawing = true;
  pad.setPointerCapture(e.pointerId);
  last = at(e);
  stroke(last);
};
pad.onpointermove = (e) => {
  if (drawing) stroke(at(e));
};
pad.onpointerup = () => {
  drawing = false;
  last = undefined;
  predictPad();
};
function stroke(to: [number, number]): void {
  ink.strokeStyle = 'black';
  ink.lineWidth = 20;
  ink.lineCap = 'round';
  ink.beginPath();
  ink.moveTo(...(last ?? to));
  ink.lineTo(...to);
  ink.stroke();
  last = to;
}
function predictPad(): void {
  if (!trained) return say('Train or load a model first, then draw.', true);
  const { data, width, height } = ink.getImageData(0, 0, pad.width, pad.height);
  const { inputs } = segmentDigits(rgbaToGray(data, width, height), { single: true });
  if (inputs.length) send({ type: 'predict', inputs: inputs[0] });
}
function drawSample(pixels: Uint8Array): void {
  const image = ink.createImageData(28, 28);
  for (let i = 0; i < 784; i++) image.data.set([255 - pixels[i], 255 - pixels[i], 255 - pixels[i], 255], 4 * i);
  const small = document.createElement('canvas');
  small.width = small.height = 28;
  (small.getContext('2d') as CanvasRenderingContext2D).putImageData(image, 0, 0);
  ink.imageSmoothingEnabled = false;
  ink.drawImage(small, 0, 0, pad.width, pad.height);
}
function showPrediction(probabilities: number[]): void {
  const total = probabilities.reduce((a, b) => a + b, 0) || 1;
  const best = probabilities.indexOf(Math.max(...probabilities));
  $('prediction').textContent = String(best);
  $('prediction').dataset.digit = String(best);
  $('bars').replaceChildren(...probabilities.flatMap((p, digit) => {
    const label = document.createElement('span');
    label.textContent = String(digit);
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.style.width = `${(100 * p) / total}%`;
    const value = document.createElement('span');
    value.textContent = `${((100 * p) / total).toFixed(1)}%`;
    return [label, bar, value];
  }));
}
$<HTMLButtonElement>('clear').onclick = clearPad;
$<HTMLButtonElement>('random').onclick = () => {
  if (!dataReady || !trained) return say('Train or load a model first.', true);
  clearPad();
  send({ type: 'sample' });
};
