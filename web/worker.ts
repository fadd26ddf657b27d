// The training worker: holds the data and the network, trains with the library's trainer and reports through
// its hooks, so the page never freezes. Commands that change the network run one after another (a queue);
// pause and stop act at once on the running loop, predictions are answered between mini-batches.
import { distortImages, idxToDataset, MnistWasmError, Network, parseIdx, serializeModel, standardSplit, train } from 'mnist-wasm';
import type { Dataset, EpochMetrics, TrainerState, TrainingConfig } from 'mnist-wasm';
import { readIdxBlob } from './idx-read';
import { argmax } from './prediction';
import type { DataSource, FromWorker, Mistakes, ToWorker, TrainSettings } from './protocol';

const post = (message: FromWorker, transfer: Transferable[] = []): void => (self as unknown as Worker).postMessage(message, transfer);

const FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
const INIT = { weights: 'scaled', biases: 'normal' } as const;
/** Weight images sent per epoch: the first units of the first layer. */
const MAX_WEIGHT_IMAGES = 64;
const MAX_MISTAKES = 12;
/** Training digits redrawn with the run's distortions for every epoch. */
const DISTORTED_DIGITS = 8;

let official: Dataset | undefined;
let testSet: Dataset | undefined;
let network: Network | undefined;
let settings: TrainSettings | undefined;
/** How a loaded model was trained, written back when it is saved again. */
let loadedTraining: TrainingConfig | undefined;
let state: TrainerState | undefined;
let history: EpochMetrics[] = [];
let controller: AbortController | undefined;
/** Pause or Stop, pressed since the page sent the run it is on (which may still wait in the queue). */
let halt: 'pause' | 'stop' | undefined;
/** The run the page is on, echoed in every reply about it. */
let run = 0;
let queue: Promise<void> = Promise.resolve();

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Runs commands that change the network one at a time; a failed run leaves no network (the page goes idle). */
function enqueue(job: () => Promise<void>, runOfJob?: number): void {
  queue = queue.then(job).catch((error: unknown) => {
    if (runOfJob === undefined) return post({ type: 'notice', message: messageOf(error) });
    network?.dispose();
    network = undefined;
    state = undefined;
    history = [];
    post({ type: 'failed', run: runOfJob, message: messageOf(error) });
  });
}

async function loadData(source: DataSource): Promise<void> {
  let buffers: Uint8Array[];
  let names: string[];
  if (source.kind === 'served') {
    names = FILES.map((f) => `${source.base}${f}.gz`);
    buffers = await Promise.all(names.map(async (url) => {
      const response = await fetch(url);
      if (!response.ok) throw new MnistWasmError('DATA', `HTTP ${response.status}`, url);
      return readIdxBlob(await response.blob(), url);
    }));
  } else {
    const picked = FILES.map((name) => {
      const file = source.files.find((f) => f.name.startsWith(name));
      if (!file) throw new MnistWasmError('DATA', `pick the four MNIST files; ${name}[.gz] is missing`);
      return file;
    });
    names = picked.map((f) => f.name);
    buffers = await Promise.all(picked.map((f) => readIdxBlob(f, f.name)));
  }
  const [images, labels, tImages, tLabels] = buffers;
  official = idxToDataset(parseIdx(images, names[0]), parseIdx(labels, names[1]), names[0], names[1]);
  testSet = idxToDataset(parseIdx(tImages, names[2]), parseIdx(tLabels, names[3]), names[2], names[3]);
  post({ type: 'data', train: official.count, test: testSet.count });
}

function replaceNetwork(next: Network): Network {
  network?.dispose();
  network = next;
  return next;
}

/** The first layer's incoming weight vectors, one 28x28 image per unit (the first few of a wide layer). */
function postWeights(net: Network, epoch: number): void {
  const layer = net.layout.layers[0];
  const count = Math.min(MAX_WEIGHT_IMAGES, layer.outputs);
  const all = net.getParameters();
  const weights = Float32Array.from(all.subarray(layer.weights, layer.weights + count * layer.inputs));
  post({ type: 'weights', run, epoch, count, units: layer.outputs, weights }, [weights.buffer]);
}

/** The first few test digits the network reads wrongly, in test-set order. */
function findMistakes(net: Network, test: Dataset): Mistakes {
  const size = test.inputSize;
  const classes = net.spec.layers[net.spec.layers.length - 1];
  const chunk = 100;
  const inputs = new Float64Array(chunk * size);
  const found: number[] = [];
  const predicted: number[] = [];
  for (let first = 0; first < test.count && found.length < MAX_MISTAKES; first += chunk) {
    const m = Math.min(chunk, test.count - first);
    for (let i = 0; i < m * size; i++) inputs[i] = test.images[first * size + i] / 255;
    const outputs = net.predict(inputs.subarray(0, m * size));
    for (let r = 0; r < m && found.length < MAX_MISTAKES; r++) {
      const guess = argmax(outputs, r * classes, classes);
      if (guess !== test.labels[first + r]) {
        found.push(first + r);
        predicted.push(guess);
      }
    }
  }
  const pixels = new Uint8Array(found.length * size);
  found.forEach((index, i) => pixels.set(test.images.subarray(index * size, (index + 1) * size), i * size));
  return { indices: found, pixels, labels: found.map((index) => test.labels[index]), predicted };
}

/**
 * The first training digits as the run's distortions make them in `epoch`: drawn afresh by the core's gather,
 * from a stream of their own (seeded by the run and the epoch), so the training's own draws are left untouched.
 */
async function postDistorted(runSettings: TrainSettings, train: Dataset, epoch: number): Promise<void> {
  if (runSettings.augment.mode === 'none' || epoch > runSettings.epochs) return;
  const count = Math.min(DISTORTED_DIGITS, train.count);
  const images = train.images.subarray(0, count * train.inputSize);
  const inputs = await distortImages(images, train.inputSize, { augment: runSettings.augment }, runSettings.seed * 1000 + epoch);
  post({ type: 'distorted', run, epoch, count, inputs }, [inputs.buffer]);
}

async function trainFromState(net: Network, runSettings: TrainSettings, data: { official: Dataset; test: Dataset }): Promise<void> {
  const split = standardSplit(data.official, data.test, { trainSize: runSettings.trainSize });
  controller = new AbortController();
  if (halt) controller.abort();
  let lastPost = 0;
  post({ type: 'started', run, threads: net.threads, epochsDone: state?.epochsDone ?? 0 });
  await postDistorted(runSettings, split.train, (state?.epochsDone ?? 0) + 1);
  const result = await train(net, split, {
    epochs: runSettings.epochs,
    batchSize: runSettings.batchSize,
    eta: runSettings.eta,
    lambda: runSettings.lambda,
    optimizer: runSettings.optimizer,
    schedule: runSettings.schedule,
    regularization: runSettings.regularization,
    augment: runSettings.augment,
    seed: runSettings.seed,
    resume: state,
    signal: controller.signal,
    monitor: { train: true, validation: true, test: true },
    hooks: {
      onBatch: (e) => {
        const now = performance.now();
        if (now - lastPost > 50 || e.batch === e.batches) {
          lastPost = now;
          post({ type: 'progress', run, epoch: e.epoch, examples: e.examples, total: split.train.count });
        }
      },
      onEpoch: (metrics) => {
        history.push(metrics);
        post({ type: 'epoch', run, metrics, mistakes: findMistakes(net, data.test) });
        postWeights(net, metrics.epoch);
        return postDistorted(runSettings, split.train, metrics.epoch + 1);
      },
    },
  });
  state = result.state;
  // Paused after the last mini-batch of the last epoch is simply finished: there is nothing left to resume.
  const finished = state.epochsDone >= runSettings.epochs;
  const reason = result.stopped === 'aborted' ? (finished ? 'completed' : halt === 'pause' ? 'paused' : 'aborted') : result.stopped;
  const examplesDone = Math.min(split.train.count, state.batchesDone * runSettings.batchSize);
  post({ type: 'ended', run, reason, epochsDone: state.epochsDone, examplesDone });
}

async function startRun(message: Extract<ToWorker, { type: 'train' }>): Promise<void> {
  run = message.run;
  if (message.data) await loadData(message.data);
  if (!official || !testSet) throw new MnistWasmError('STATE', 'no MNIST loaded');
  settings = message.settings;
  state = undefined;
  history = [];
  const net = replaceNetwork(await Network.create(settings.spec, { init: { ...INIT, seed: settings.seed }, threads: settings.threads }));
  postWeights(net, 0);
  await trainFromState(net, settings, { official, test: testSet });
}

async function resumeRun(message: Extract<ToWorker, { type: 'resume' }>): Promise<void> {
  run = message.run;
  if (!network || !state || !settings || !official || !testSet) throw new MnistWasmError('STATE', 'there is no paused run to resume');
  // A pause that reached the worker only after the last epoch: the run has finished, and the page has been told.
  if (state.epochsDone >= settings.epochs) return post({ type: 'ended', run, reason: 'completed', epochsDone: state.epochsDone, examplesDone: 0 });
  // A fresh network from the same parameters, as the CLI's --resume does: train() copies the data into the
  // network's memory on every call, so resuming the same network would grow its memory by the data each time.
  const parameters = network.getParameters();
  const net = replaceNetwork(await Network.create(settings.spec, { parameters, threads: settings.threads }));
  await trainFromState(net, settings, { official, test: testSet });
}

async function loadModel(message: Extract<ToWorker, { type: 'load-model' }>): Promise<void> {
  run = message.run;
  const net = await Network.create(message.spec, { parameters: message.parameters });
  replaceNetwork(net);
  settings = undefined;
  loadedTraining = message.training;
  history = message.metrics;
  state = message.state;
  postWeights(net, history.length);
  post({ type: 'model-loaded', run, name: message.name, layers: message.spec.layers });
}

function saveModel(): void {
  if (!network) throw new MnistWasmError('STATE', 'nothing to save yet');
  const training: TrainingConfig | undefined = settings ? {
    epochs: settings.epochs, batchSize: settings.batchSize, eta: settings.eta, lambda: settings.lambda, seed: settings.seed,
    init: INIT, dataset: 'mnist', trainSize: settings.trainSize, engine: network.engine, simd: network.simd,
    optimizer: settings.optimizer, schedule: settings.schedule, regularization: settings.regularization,
    ...(settings.augment.mode === 'none' ? {} : { augment: settings.augment }),
  } : loadedTraining;
  post({ type: 'model', text: serializeModel({ spec: network.spec, layout: network.layout, parameters: network.getParameters(), training, state, metrics: history }) });
}

function predict(inputs: Float64Array): number[] {
  if (!network) throw new MnistWasmError('STATE', 'train or load a model first');
  return Array.from(network.predict(inputs));
}

function sample(index: number | undefined): void {
  if (!testSet) throw new MnistWasmError('STATE', 'no test digits loaded yet: Train loads MNIST');
  const at = index ?? Math.floor(Math.random() * testSet.count);
  const pixels = testSet.images.slice(at * 784, (at + 1) * 784);
  post({ type: 'sample', pixels, label: testSet.labels[at], probabilities: predict(Float64Array.from(pixels, (v) => v / 255)) });
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === 'train' || message.type === 'resume' || message.type === 'load-model') halt = undefined;
  try {
    switch (message.type) {
      case 'train': return enqueue(() => startRun(message), message.run);
      case 'resume': return enqueue(() => resumeRun(message), message.run);
      case 'load-model': return enqueue(() => loadModel(message), message.run);
      case 'save': return enqueue(async () => saveModel());
      case 'pause':
      case 'stop':
        halt = message.type;
        controller?.abort();
        return;
      case 'predict': return post({ type: 'prediction', probabilities: predict(message.inputs), ink: message.ink });
      case 'sample': return sample(message.index);
    }
  } catch (error) {
    post({ type: 'notice', message: messageOf(error) });
  }
};

self.onmessageerror = () => post({ type: 'failed', run, message: 'a message from the page could not be read' });

// A rejection nothing caught is a failure of the run in progress, not a silent hang.
self.addEventListener('unhandledrejection', (event) => {
  event.preventDefault();
  post({ type: 'failed', run, message: messageOf(event.reason) });
});

// Report which engine this browser runs before anything else.
Network.create({ layers: [2, 2] })
  .then((probe) => {
    post({ type: 'ready', engine: probe.engine, simd: probe.simd ?? 'none' });
    probe.dispose();
  })
  .catch((error: unknown) => post({ type: 'broken', message: `the wasm engine did not start: ${messageOf(error)}` }));
