// The training worker: holds the data and the network, trains with the library's trainer and reports
// through its hooks, so the page never freezes.
import { idxToDataset, isGzip, MnistWasmError, Network, parseIdx, parseModel, serializeModel, standardSplit, train } from 'mnist-wasm';
import type { Dataset, EpochMetrics, MnistSplit, TrainerState } from 'mnist-wasm';
import type { FromWorker, ToWorker, TrainSettings } from './protocol';

const post = (message: FromWorker, transfer: Transferable[] = []): void => (self as unknown as Worker).postMessage(message, transfer);

const FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

let official: Dataset | undefined;
let testSet: Dataset | undefined;
let network: Network | undefined;
let settings: TrainSettings | undefined;
let state: TrainerState | undefined;
let history: EpochMetrics[] = [];
let controller: AbortController | undefined;
let pausing = false;

async function gunzipIfNeeded(bytes: Uint8Array): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function setData(buffers: Uint8Array[], names: string[]): Promise<void> {
  const [images, labels, tImages, tLabels] = await Promise.all(buffers.map(gunzipIfNeeded));
  official = idxToDataset(parseIdx(images, names[0]), parseIdx(labels, names[1]), names[0], names[1]);
  testSet = idxToDataset(parseIdx(tImages, names[2]), parseIdx(tLabels, names[3]), names[2], names[3]);
  post({ type: 'data', train: official.count, test: testSet.count });
}

async function loadServed(base: string): Promise<void> {
  const names = FILES.map((f) => `${base}${f}.gz`);
  const buffers = await Promise.all(names.map(async (url) => {
    const response = await fetch(url);
    if (!response.ok) throw new MnistWasmError('DATA', `HTTP ${response.status}`, url);
    return new Uint8Array(await response.arrayBuffer());
  }));
  await setData(buffers, names);
}

async function loadFiles(files: File[]): Promise<void> {
  const ordered = FILES.map((name) => {
    const file = files.find((f) => f.name.startsWith(name));
    if (!file) throw new MnistWasmError('DATA', `pick the four MNIST files; ${name}[.gz] is missing`);
    return file;
  });
  await setData(await Promise.all(ordered.map(async (f) => new Uint8Array(await f.arrayBuffer()))), ordered.map((f) => f.name));
}

async function run(resume: boolean): Promise<void> {
  if (!official || !testSet || !settings) throw new MnistWasmError('STATE', 'load the data first');
  const split: MnistSplit = standardSplit(official, testSet, { trainSize: settings.trainSize });
  if (!resume || !network) {
    network?.dispose();
    network = await Network.create(settings.spec, { init: { seed: settings.seed }, threads: settings.threads });
    post({ type: 'threads', threads: network.threads });
    state = undefined;
    history = [];
  }
  controller = new AbortController();
  pausing = false;
  let lastPost = 0;
  const result = await train(network, split, {
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    eta: settings.eta,
    lambda: settings.lambda,
    seed: settings.seed,
    resume: state,
    signal: controller.signal,
    monitor: { train: true, validation: true, test: true },
    hooks: {
      onBatch: (e) => {
        const now = performance.now();
        if (now - lastPost > 50 || e.batch === e.batches) {
          lastPost = now;
          post({ type: 'progress', epoch: e.epoch, examples: e.examples, total: split.train.count });
        }
      },
      onEpoch: (metrics) => {
        history.push(metrics);
        post({ type: 'epoch', metrics });
      },
    },
  });
  state = result.state;
  post({ type: 'stopped', reason: result.stopped === 'aborted' && pausing ? 'paused' : result.stopped, metrics: history });
}

function predict(inputs: Float64Array): number[] {
  if (!network) throw new MnistWasmError('STATE', 'train or load a model first');
  return Array.from(network.predict(inputs));
}

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  try {
    switch (message.type) {
      case 'load-served': return await loadServed(message.base);
      case 'load-files': return await loadFiles(message.files);
      case 'train':
        settings = message.settings;
        return await run(false);
      case 'resume': return await run(true);
      case 'pause':
        pausing = true;
        controller?.abort();
        return;
      case 'stop':
        controller?.abort();
        state = undefined;
        return;
      case 'save':
        if (!network) throw new MnistWasmError('STATE', 'nothing to save yet');
        return post({ type: 'model', text: serializeModel({ spec: network.spec, layout: network.layout, parameters: network.getParameters(), metrics: history, state }) });
      case 'load-model': {
        const model = parseModel(message.text, message.name);
        network?.dispose();
        network = await Network.create(model.spec, { parameters: model.parameters });
        history = model.metrics;
        state = model.state;
        return post({ type: 'model-loaded', name: message.name, layers: model.spec.layers });
      }
      case 'predict': return post({ type: 'prediction', probabilities: predict(message.inputs) });
      case 'sample': {
        if (!testSet) throw new MnistWasmError('STATE', 'load the data first');
        const index = Math.floor(Math.random() * testSet.count);
        const pixels = testSet.images.slice(index * 784, (index + 1) * 784);
        return post({ type: 'sample', pixels, label: testSet.labels[index], probabilities: predict(Float64Array.from(pixels, (v) => v / 255)) });
      }
    }
  } catch (error) {
    post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
};

// Report which engine this browser runs before anything else.
Network.create({ layers: [2, 2] })
  .then((probe) => post({ type: 'ready', engine: probe.engine, simd: probe.simd ?? 'none' }))
  .catch((error: unknown) => post({ type: 'error', message: `the wasm engine did not start: ${String(error)}` }));
