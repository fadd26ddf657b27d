// The page: the state machine (state.ts) decides which controls work; the worker trains and reports; the views
// (curves, drawing pad, weight images, mistakes) show what it reports.
import { validateAugment, validateOptimizer, validateRegularization, validateSchedule, validateSpec } from 'mnist-wasm';
import type { AugmentMode, EpochMetrics, HiddenActivation, OptimizerName, OutputActivation, ScheduleName } from 'mnist-wasm';
import { controlsFor, nextState } from './state';
import type { DemoEvent, DemoState } from './state';
import { checkNetwork, readModelFile } from './model-check';
import { addEpoch, clearCurves, showHistory } from './curves-view';
import { clearPad, onStroke, showDigit, showReading } from './pad';
import { digitImage, drawDigitStrip, drawScaled, drawWeights, weightCanvasSize, SIDE } from './pictures';
import type { DataSource, FromWorker, Mistakes, ToWorker, TrainSettings } from './protocol';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const buttons = {
  train: $<HTMLButtonElement>('train'),
  pause: $<HTMLButtonElement>('pause'),
  stop: $<HTMLButtonElement>('stop'),
  save: $<HTMLButtonElement>('save'),
  load: $<HTMLButtonElement>('load-button'),
  random: $<HTMLButtonElement>('random'),
};
const status = $<HTMLParagraphElement>('status');
const progress = $<HTMLProgressElement>('progress');
const weightsCanvas = $<HTMLCanvasElement>('weights');
const distortedCanvas = $<HTMLCanvasElement>('distorted');
Object.assign(weightsCanvas, weightCanvasSize());

let state: DemoState = 'idle';
/** Transitions taken so far, "from>event>to" (the web test checks it covers the whole table). */
const taken = new Set<string>();
let worker: Worker;
/** The run the page is on; replies about any other are late and ignored. */
let run = 0;
let dataLoaded = false;
let pickedFiles: File[] = [];
/** The run's number of epochs and training images, for the status line. */
let epochs = 0;
let trainSize = 0;
/** The run's distortions, for the caption of the distorted digits. */
let augmentText = '';
const DISTORTED_CAPTION = $('distorted-caption').textContent as string;
/** The curves of a model file being loaded, shown once the worker has it. */
let loadedHistory: EpochMetrics[] = [];

const epochsText = (n: number): string => `${n} epoch${n === 1 ? '' : 's'}`;

function say(text: string, kind: 'info' | 'error' = 'info'): void {
  status.textContent = text;
  status.dataset.kind = kind;
}

/** Moves the machine and redraws every control from the new state; false when the event does not apply. */
function dispatch(event: DemoEvent): boolean {
  const to = nextState(state, event);
  if (!to) return false;
  taken.add(`${state}>${event}>${to}`);
  state = to;
  render();
  return true;
}

function render(): void {
  const controls = controlsFor(state);
  buttons.train.disabled = !controls.train;
  buttons.pause.disabled = !controls.pause;
  buttons.pause.textContent = controls.pauseLabel;
  buttons.stop.disabled = !controls.stop;
  buttons.save.disabled = !controls.save;
  buttons.load.disabled = !controls.loadModel;
  $<HTMLInputElement>('load').disabled = !controls.loadModel;
  buttons.random.disabled = !controls.predict || !dataLoaded;
  $<HTMLFieldSetElement>('settings').disabled = !controls.settings;
  document.body.dataset.state = state;
  document.body.dataset.transitions = [...taken].join(' ');
  document.body.dataset.run = String(run);
}

/** Everything shown about the run on show: curves, table, pictures, progress. */
function clearRun(): void {
  clearCurves();
  drawWeights(weightsCanvas, new Float32Array(0), 0);
  $('mistakes').replaceChildren();
  drawDigitStrip(distortedCanvas, new Float64Array(0), 0);
  delete distortedCanvas.dataset.epoch;
  $('distorted-caption').textContent = DISTORTED_CAPTION;
  progress.value = 0;
}

const send = (message: ToWorker): void => worker.postMessage(message);

function startWorker(): void {
  worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  dataLoaded = false;
  worker.onmessage = (event: MessageEvent<FromWorker>) => onWorkerMessage(event.data);
  // A worker that throws outside a command, runs out of memory or cannot be read from is gone for good.
  worker.onerror = (event) => {
    event.preventDefault();
    crashed(event.message || 'it stopped (out of memory?)');
  };
  worker.onmessageerror = () => crashed('one of its messages could not be read');
}

function crashed(why: string): void {
  worker.terminate();
  dataLoaded = false;
  dispatch('crashed');
  say(`The training worker failed: ${why}. Press Train to start a new one.`, 'error');
}

function readSettings(): TrainSettings {
  const number = (id: string): number => Number($<HTMLInputElement>(id).value);
  const spec = validateSpec({
    layers: $<HTMLInputElement>('layers').value.split(',').map((v) => Number(v.trim())),
    activation: $<HTMLSelectElement>('activation').value as HiddenActivation,
    outputActivation: $<HTMLSelectElement>('output-activation').value as OutputActivation,
    cost: 'cross-entropy',
  });
  checkNetwork(spec.layers);
  if (number('threads') > 1 && !crossOriginIsolated) throw new Error('more than one thread needs a cross-origin isolated page (COOP and COEP headers)');
  const optimizerName = $<HTMLSelectElement>('optimizer').value as OptimizerName;
  // The one input is the optimizer's main constant: momentum's mu, or Adam's beta1.
  const optimizer = validateOptimizer({ name: optimizerName, ...(optimizerName === 'adam' ? { beta1: number('momentum') } : optimizerName === 'sgd' ? {} : { momentum: number('momentum') }) });
  return {
    spec, trainSize: number('train-size'), epochs: number('epochs'), batchSize: number('batch'), eta: number('eta'), lambda: number('lambda'), seed: number('seed'), threads: number('threads'),
    optimizer, schedule: validateSchedule({ name: $<HTMLSelectElement>('schedule').value as ScheduleName }), regularization: validateRegularization({ dropout: number('dropout'), inputDropout: number('input-dropout') }),
    augment: validateAugment({ mode: $<HTMLSelectElement>('augment').value as AugmentMode }),
  };
}

function dataSource(): DataSource | undefined {
  if (dataLoaded) return undefined;
  if ($<HTMLSelectElement>('source').value === 'served') return { kind: 'served', base: new URL('data/', document.baseURI).href };
  return { kind: 'files', files: pickedFiles };
}

function startTraining(): void {
  if (!controlsFor(state).train) return;
  let settings: TrainSettings;
  try {
    settings = readSettings();
  } catch (error) {
    return say((error as Error).message, 'error');
  }
  if (!dataLoaded && $<HTMLSelectElement>('source').value === 'files' && !pickedFiles.length) {
    say('Pick the four MNIST files (train-images, train-labels, t10k-images, t10k-labels).');
    return $<HTMLInputElement>('files').click();
  }
  if (state === 'error') startWorker();
  const data = dataSource();
  run++;
  dispatch('train');
  epochs = settings.epochs;
  trainSize = settings.trainSize;
  augmentText = settings.augment.mode === 'both' ? 'affine and elastic' : settings.augment.mode;
  clearRun();
  say(data ? 'Loading MNIST...' : 'Starting...');
  send({ type: 'train', run, settings, data });
}

buttons.train.onclick = startTraining;
// Plain SGD has no constant to set.
$<HTMLSelectElement>('optimizer').onchange = (e) => void ($<HTMLInputElement>('momentum').disabled = (e.target as HTMLSelectElement).value === 'sgd');
$<HTMLInputElement>('files').onchange = (e) => {
  pickedFiles = [...((e.target as HTMLInputElement).files ?? [])];
  if (pickedFiles.length) startTraining();
};
$<HTMLSelectElement>('source').onchange = () => {
  dataLoaded = false;
  pickedFiles = [];
  render();
};
buttons.pause.onclick = () => {
  if (state === 'training') {
    dispatch('pause');
    send({ type: 'pause' });
    say('Pausing...');
  } else if (state === 'paused') {
    // The same run goes on: replies still on their way from before the pause (a last epoch) belong to it.
    dispatch('resume');
    send({ type: 'resume', run });
    say('Resuming...');
  }
};
buttons.stop.onclick = () => {
  if (!dispatch('stop')) return;
  send({ type: 'stop' });
  say('Stopped.');
};
buttons.save.onclick = () => send({ type: 'save' });
buttons.load.onclick = () => $<HTMLInputElement>('load').click();
$<HTMLInputElement>('load').onchange = async (e) => {
  const input = e.target as HTMLInputElement;
  const file = input.files?.[0];
  input.value = ''; // the same file can be picked again
  if (!file) return;
  try {
    const model = await readModelFile(file);
    if (!controlsFor(state).loadModel) return; // a run started while the file was read
    run++;
    dispatch('load-model');
    clearRun();
    loadedHistory = model.metrics;
    say(`Loading ${file.name}...`);
    send({ type: 'load-model', run, name: file.name, spec: model.spec, parameters: model.parameters, metrics: model.metrics, training: model.training, state: model.state });
  } catch (error) {
    say((error as Error).message, 'error');
  }
};

function showMistakes(mistakes: Mistakes, epoch: number): void {
  $('mistakes').replaceChildren(...mistakes.labels.map((label, i) => {
    const button = document.createElement('button');
    button.className = 'mistake';
    button.title = `a ${label} read as ${mistakes.predicted[i]}`;
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = SIDE;
    drawScaled(canvas, digitImage(mistakes.pixels, i * SIDE * SIDE));
    const caption = document.createElement('span');
    caption.textContent = `${label} → ${mistakes.predicted[i]}`;
    button.append(canvas, caption);
    button.onclick = () => {
      if (!controlsFor(state).predict) return say('The network that read these digits is gone: press Train.', 'error');
      clearPad();
      send({ type: 'sample', index: mistakes.indices[i] });
    };
    return button;
  }));
  $('mistakes-caption').textContent = `The first ${mistakes.labels.length} test digits the network reads wrongly after epoch ${epoch}: true label, then its reading. Click one to look at it.`;
}

function onWorkerMessage(m: FromWorker): void {
  if ('run' in m && m.run !== run) return;
  switch (m.type) {
    case 'ready':
      $('engine').textContent = `${m.engine}, ${m.simd} SIMD`;
      $('engine').dataset.engine = m.engine;
      $('engine').dataset.simd = m.simd;
      return;
    case 'broken':
      return crashed(m.message);
    case 'data':
      dataLoaded = true;
      render();
      return say(`MNIST loaded: ${m.train} training and ${m.test} test images. Starting...`);
    case 'started':
      $('engine').dataset.threads = String(m.threads);
      dispatch('started');
      return say(m.epochsDone ? `Resumed in epoch ${m.epochsDone + 1} of ${epochs}.` : 'Training...');
    case 'progress':
      progress.value = m.examples / m.total;
      if (state === 'training') say(`Epoch ${m.epoch} of ${epochs}: ${m.examples} of ${m.total} images`);
      return;
    case 'epoch':
      addEpoch(m.metrics);
      return showMistakes(m.mistakes, m.metrics.epoch);
    case 'weights':
      drawWeights(weightsCanvas, m.weights, m.count);
      weightsCanvas.dataset.epoch = String(m.epoch);
      $('weights-caption').textContent = `The first ${m.count} of the first layer's ${m.units} units after ${epochsText(m.epoch)}: each square is one unit's 784 incoming weights as a 28x28 image (red positive, blue negative).`;
      return;
    case 'distorted':
      drawDigitStrip(distortedCanvas, m.inputs, m.count);
      distortedCanvas.dataset.epoch = String(m.epoch);
      $('distorted-caption').textContent = `The first ${m.count} training digits as the core distorts them (${augmentText}) in epoch ${m.epoch}.`;
      return;
    case 'ended': {
      const where = m.examplesDone ? `in epoch ${m.epochsDone + 1} after ${m.examplesDone} of ${trainSize} images` : `after epoch ${m.epochsDone}`;
      if (m.reason === 'paused') {
        if (state === 'paused') say(`Paused ${where}: Resume continues exactly here.`);
      } else if (m.reason === 'aborted') {
        if (state === 'stopped') say(`Stopped ${where}. Train starts a new run.`);
      } else if (dispatch('finished') || state === 'stopped') {
        say(`Done: ${epochsText(m.epochsDone)}${m.reason === 'early-stopping' ? ' (stopped early: no better validation accuracy)' : ''}. Draw a digit to try the network.`);
      }
      return;
    }
    case 'failed':
      if (dispatch('failed')) {
        if (!dataLoaded) pickedFiles = []; // files that did not load are picked again at the next Train
        clearRun();
      }
      return say(m.message, 'error');
    case 'model': {
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([m.text], { type: 'application/json' }));
      link.download = 'mnist-model.json';
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      return;
    }
    case 'model-loaded':
      if (!dispatch('model-loaded')) return;
      showHistory(loadedHistory);
      return say(`Loaded ${m.name}: layers ${m.layers.join(', ')}. Draw a digit to try it.`);
    case 'prediction':
      return showReading(m.probabilities, { ink: m.ink });
    case 'sample':
      showDigit(m.pixels);
      return showReading(m.probabilities, { label: m.label });
    case 'notice':
      return say(m.message, 'error');
  }
}

onStroke((inputs, ink) => {
  if (!controlsFor(state).predict) return say('Train or load a model first, then draw.', 'error');
  send({ type: 'predict', inputs, ink });
});
$<HTMLButtonElement>('clear').onclick = () => clearPad();
buttons.random.onclick = () => {
  clearPad();
  send({ type: 'sample' });
};

startWorker();
clearPad('Train or load a model, then draw.');
clearRun();
render();
