import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { ConfigError, DivergenceError } from '../errors.js';
import { locateAndLoad } from '../data/locate.js';
import type { DatasetName } from '../data/mnist.js';
import { Network } from '../engine/network.js';
import type { EngineName } from '../engine/network.js';
import type { SimdChoice } from '../engine/wasm.js';
import { loadModel, saveModel } from '../model/file-node.js';
import type { SavedModel, TrainingConfig } from '../model/file.js';
import { validateSpec } from '../model/spec.js';
import type { BiasInit, NetworkSpec, WeightInit } from '../model/spec.js';
import { train } from '../train/trainer.js';
import type { TrainerState } from '../train/trainer.js';
import type { EpochMetrics } from '../train/metrics.js';
import { writeFileAtomic } from '../util/atomic.js';
import { tableHeader, tableRow } from './format.js';
import { dataOption, datasetOption, engineOption, nonNegativeInteger, positiveInteger, positiveNumber, simdOption, specOptions } from './options.js';

interface TrainFlags {
  layers: number[];
  activation: NetworkSpec['activation'];
  outputActivation: NetworkSpec['outputActivation'];
  cost: NetworkSpec['cost'];
  init: WeightInit;
  biasInit: BiasInit;
  epochs: number;
  batch: number;
  eta: number;
  lambda: number;
  seed: number;
  engine: EngineName;
  simd: SimdChoice;
  threads: number;
  data?: string;
  dataset: DatasetName;
  trainSize?: number;
  save?: string;
  checkpoint?: string;
  resume?: string;
  metrics?: string;
  plot?: string;
  json?: boolean;
  earlyStop?: number;
  monitorTrain: boolean;
  monitorValidation: boolean;
  monitorTest: boolean;
  progress: boolean;
}

export function trainCommand(): Command {
  const command = new Command('train').description('train a network on MNIST and report cost and accuracy per epoch');
  for (const option of specOptions()) command.addOption(option);
  command
    .addOption(new Option('--epochs <n>', 'epochs (in total, when resuming)').argParser(positiveInteger('epochs')).default(20))
    .addOption(new Option('--batch <n>', 'mini-batch size; the training set size gives full-batch gradient descent').argParser(positiveInteger('batch')).default(10))
    .addOption(new Option('--eta <x>', 'learning rate').argParser(positiveNumber('eta')).default(0.5))
    .addOption(new Option('--lambda <x>', 'L2 regularisation strength (weight decay 1 - eta*lambda/n)').argParser(positiveNumber('lambda', true)).default(0))
    .addOption(new Option('--seed <n>', 'seed of the initial weights and the shuffle').argParser(nonNegativeInteger('seed')).default(1))
    .addOption(engineOption())
    .addOption(simdOption())
    .addOption(new Option('--threads <n>', 'worker threads sharing the wasm memory (results are identical to 1 thread)').argParser(positiveInteger('threads')).default(1))
    .addOption(dataOption())
    .addOption(datasetOption())
    .addOption(new Option('--train-size <n>', 'use only the first N of the 50,000 training images').argParser(positiveInteger('train size')))
    .addOption(new Option('--save <file>', 'write the trained model here (atomically)'))
    .addOption(new Option('--checkpoint <file>', 'save the model after every epoch and on Ctrl-C, for --resume'))
    .addOption(new Option('--resume <file>', 'continue training a saved model (same settings unless overridden)'))
    .addOption(new Option('--metrics <file>', 'write per-epoch metrics as JSON Lines (each line also carries the run configuration)'))
    .addOption(new Option('--plot <file>', 'draw cost and accuracy per epoch (training and test) as SVG, or PNG for a .png name'))
    .addOption(new Option('--early-stop <n>', 'stop when validation accuracy has not improved for N epochs').argParser(positiveInteger('early stop')))
    .option('--no-monitor-train', 'skip evaluating the training set after each epoch')
    .option('--no-monitor-validation', 'skip evaluating the validation set')
    .option('--no-monitor-test', 'skip evaluating the test set')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print a machine-readable summary as the last line of stdout')
    .action(async (flags: TrainFlags, cmd: Command) => runTrain(flags, cmd));
  return command;
}

/** The value of a flag, unless the user left it at its default and the resumed model says otherwise. */
function pick<T>(cmd: Command, name: string, flag: T, saved: T | undefined): T {
  return saved !== undefined && cmd.getOptionValueSource(name) === 'default' ? saved : flag;
}

async function runTrain(flags: TrainFlags, cmd: Command): Promise<void> {
  const resumed: SavedModel | undefined = flags.resume ? await loadModel(flags.resume) : undefined;
  const saved = resumed?.training;
  if (resumed && !resumed.state) throw new ConfigError(`${flags.resume}: this model has no training state to resume from`);
  const spec = resumed ? resumed.spec : validateSpec({ layers: flags.layers, activation: flags.activation, outputActivation: flags.outputActivation, cost: flags.cost });
  if (resumed && cmd.getOptionValueSource('layers') === 'cli' && flags.layers.join() !== spec.layers.join()) {
    throw new ConfigError(`--layers ${flags.layers.join(',')} differs from the resumed model's ${spec.layers.join(',')}`);
  }
  const config: TrainingConfig = {
    epochs: flags.epochs,
    batchSize: pick(cmd, 'batch', flags.batch, saved?.batchSize),
    eta: pick(cmd, 'eta', flags.eta, saved?.eta),
    lambda: pick(cmd, 'lambda', flags.lambda, saved?.lambda),
    seed: pick(cmd, 'seed', flags.seed, saved?.seed),
    init: { weights: pick(cmd, 'init', flags.init, saved?.init.weights), biases: pick(cmd, 'biasInit', flags.biasInit, saved?.init.biases) },
    dataset: pick(cmd, 'dataset', flags.dataset, saved?.dataset as DatasetName | undefined),
    trainSize: 0,
    engine: flags.engine,
  };
  const log = (message: string): void => void process.stderr.write(`${message}\n`);
  const { dir, split } = await locateAndLoad({ data: flags.data, dataset: config.dataset as DatasetName, trainSize: flags.trainSize ?? saved?.trainSize, log });
  config.trainSize = split.train.count;
  if (config.batchSize > split.train.count) {
    throw new ConfigError(`--batch ${config.batchSize} is larger than the ${split.train.count} training examples`);
  }
  if (split.train.inputSize !== spec.layers[0]) {
    throw new ConfigError(`the data has ${split.train.inputSize} pixels per image but the first layer has ${spec.layers[0]} inputs (--layers ${spec.layers.join(',')})`);
  }
  const network = await Network.create(spec, { engine: flags.engine, simd: flags.simd, threads: flags.threads, init: { ...config.init, seed: config.seed }, parameters: resumed?.parameters });
  config.simd = network.simd;
  const history: EpochMetrics[] = [...(resumed?.metrics ?? [])];
  let state: TrainerState | undefined = resumed?.state;
  const snapshot = (): SavedModel => ({ spec, layout: network.layout, parameters: network.getParameters(), training: config, state, metrics: history });

  // What tells runs apart in `compare`.
  const runConfig = { layers: spec.layers, activation: spec.activation, output: spec.outputActivation, cost: spec.cost, init: config.init.weights, batch: config.batchSize, eta: config.eta, lambda: config.lambda, seed: config.seed, trainSize: config.trainSize };
  const json = !!flags.json;
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  out(`mnist-wasm: training [${spec.layers.join(', ')}] ${spec.activation}/${spec.outputActivation}, ${spec.cost}, init ${config.init.weights}, ` +
    `${flags.engine}${network.simd ? ` (${network.simd} SIMD${network.threads > 1 ? `, ${network.threads} threads` : ''})` : ''}, ${config.dataset} from ${dir}: ${split.train.count} train / ${split.validation.count} validation / ${split.test.count} test, ` +
    `batch ${config.batchSize}, eta ${config.eta}, lambda ${config.lambda}, seed ${config.seed}`);
  out(tableHeader());

  const bar = flags.progress && process.stderr.isTTY
    ? new cliProgress.SingleBar({ stream: process.stderr, format: 'epoch {epoch} [{bar}] {percentage}% | {value}/{total} examples | {rate} ex/s | ETA {eta}s', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic)
    : undefined;
  let barEpoch = 0;
  let barStart = 0;
  const controller = new AbortController();
  const interrupt = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(130);
    bar?.stop();
    log(`\n${signal}: finishing the current mini-batch and saving (press again to quit at once)`);
    controller.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);

  const run = train(network, split, {
    epochs: config.epochs,
    batchSize: config.batchSize,
    eta: config.eta,
    lambda: config.lambda,
    seed: config.seed,
    resume: state,
    earlyStopping: flags.earlyStop,
    monitor: { train: flags.monitorTrain, validation: flags.monitorValidation, test: flags.monitorTest },
    signal: controller.signal,
    hooks: {
      onBatch: bar
        ? (e) => {
            if (e.epoch !== barEpoch) {
              barEpoch = e.epoch;
              barStart = performance.now();
              bar.start(split.train.count, 0, { epoch: e.epoch, rate: '-' });
            }
            const rate = Math.round(e.examples / ((performance.now() - barStart) / 1000 || 1));
            bar.update(e.examples, { epoch: e.epoch, rate });
          }
        : undefined,
      onEpoch: async (metrics, next) => {
        bar?.stop();
        barEpoch = 0;
        history.push(metrics);
        state = next;
        out(tableRow(metrics));
        if (flags.metrics) await writeFileAtomic(flags.metrics, history.map((m) => JSON.stringify({ ...m, config: runConfig })).join('\n') + '\n');
        if (flags.plot) {
          // Loaded on demand: the charting stack costs memory a plain run does not need.
          const [{ learningCurvesSpec }, { writeChart }] = await Promise.all([import('../plot/curves.js'), import('../plot/render-node.js')]);
          await writeChart(flags.plot, learningCurvesSpec([{ metrics: history }]));
        }
        if (flags.checkpoint) await saveModel(flags.checkpoint, snapshot());
      },
    },
  });
  const result = await run.catch((error: unknown) => {
    bar?.stop();
    if (error instanceof DivergenceError) {
      const kept = flags.checkpoint && state ? `; the last good checkpoint (${state.epochsDone} epochs) is kept in ${flags.checkpoint}` : '';
      throw new DivergenceError(`${error.message}${kept}`);
    }
    throw error;
  });
  bar?.stop();
  network.dispose();
  process.off('SIGINT', interrupt);
  process.off('SIGTERM', interrupt);
  state = result.state;

  if (flags.save) await saveModel(flags.save, snapshot());
  if (result.stopped === 'aborted') {
    const file = flags.checkpoint ?? flags.save;
    if (file) await saveModel(file, snapshot());
    log(file
      ? `interrupted in epoch ${state.epochsDone + 1} after ${state.batchesDone} mini-batches; saved to ${file}. Resume with: mnist-wasm train --resume ${file}${flags.data ? ` --data ${flags.data}` : ''} --epochs ${config.epochs}`
      : 'interrupted; nothing saved (use --checkpoint FILE to be able to resume)');
    process.exitCode = 130;
  }
  const last = history[history.length - 1];
  if (!json) {
    if (result.bestEpoch !== undefined) log(`best epoch ${result.bestEpoch}; ${result.stopped}${flags.save ? `; model saved to ${flags.save}` : ''}`);
    return;
  }
  out(JSON.stringify({
    command: 'train',
    spec,
    training: config,
    epochs: history,
    bestEpoch: result.bestEpoch,
    stopped: result.stopped,
    final: last ?? null,
    model: flags.save ?? flags.checkpoint ?? null,
  }));
}
