import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { ConfigError, DivergenceError } from '../errors.js';
import { locateAndLoad } from '../data/locate.js';
import type { MnistSplit } from '../data/split.js';
import { Network } from '../engine/network.js';
import { loadModel, saveFallback, saveModel, saveModelOrFallback } from '../model/file-node.js';
import type { SavedModel, TrainingConfig } from '../model/file.js';
import { etaForEpoch } from '../model/learning.js';
import type { NetworkSpec } from '../model/spec.js';
import { chartFormat } from '../plot/chart-file.js';
import { train, validateTrainOptions } from '../train/trainer.js';
import type { TrainerState, TrainResult } from '../train/trainer.js';
import type { EpochMetrics } from '../train/metrics.js';
import { writeFileAtomic } from '../util/atomic.js';
import { checkOutputFile, describeWriteError, OutputError, prepareOutputFile } from '../util/output.js';
import { tableHeader, tableRow } from './format.js';
import { interruptSignal } from './interrupt.js';
import { checkNetworkFitsData, checkStateFitsData } from './model-fit.js';
import { AUTO_THREADS_MAX, dataOption, datasetOption, engineOption, nonNegativeInteger, positiveInteger, positiveNumber, simdOption, specOptions, threadsArgument } from './options.js';
import { learningOptions } from './learning-options.js';
import { epochProgress } from './progress.js';
import { defaultModelPath, resolveTrainConfig, trainingRecord } from './train-config.js';
import { augmentOptions, describeAugment } from './augment-flags.js';
import { expandRecipe, RECIPE_NAMES, recipesHelp } from './recipes.js';
import type { TrainFlags, TrainSettings } from './train-config.js';

/** train's command, whose --recipe is expanded into its flags before they are parsed (src/cli/recipes.ts). */
class TrainCommand extends Command {
  override parseOptions(args: string[]): { operands: string[]; unknown: string[] } {
    return super.parseOptions(expandRecipe(args));
  }
}

export function trainCommand(): Command {
  const command = new TrainCommand('train').description('train a network on MNIST and report cost and accuracy per epoch');
  command.addOption(new Option('--recipe <name>', `start from a named group of flags (${RECIPE_NAMES.join(', ')}; listed below), expanded where it stands: flags after it override it`));
  for (const option of specOptions()) command.addOption(option);
  for (const option of augmentOptions()) command.addOption(option);
  command
    .addOption(new Option('--epochs <n>', 'epochs (in total, when resuming)').argParser(positiveInteger('epochs')).default(20))
    .addOption(new Option('--batch <n>', 'mini-batch size; the training set size gives full-batch gradient descent').argParser(positiveInteger('batch')).default(10))
    .addOption(new Option('--eta <x>', 'learning rate').argParser(positiveNumber('eta')).default(0.5))
    .addOption(new Option('--lambda <x>', 'L2 regularisation strength (weight decay 1 - eta*lambda/n)').argParser(positiveNumber('lambda', true)).default(0))
    .addOption(new Option('--seed <n>', 'seed of the initial weights and the shuffle').argParser(nonNegativeInteger('seed')).default(1))
    .addOption(engineOption())
    .addOption(simdOption())
    .addOption(new Option('--threads <n>', `worker threads sharing the wasm memory (results are identical to 1 thread); auto: ${AUTO_THREADS_MAX} on a machine with ${AUTO_THREADS_MAX} cores or more (wasm engine), else 1`).argParser(threadsArgument).default('auto'))
    .addOption(dataOption())
    .addOption(datasetOption())
    .addOption(new Option('--train-size <n>', 'use only the first N of the 50,000 training images').argParser(positiveInteger('train size')))
    .addOption(new Option('--save <file>', 'write the trained model here, atomically (default: models/<settings>_<time>.json)'))
    .addOption(new Option('--checkpoint <file>', 'save the model after every epoch and on Ctrl-C, for --resume'))
    .addOption(new Option('--resume <file>', 'continue training a saved model: every setting not given on the command line comes from the file'))
    .addOption(new Option('--metrics <file>', 'write per-epoch metrics as JSON Lines (each line also carries the run configuration)'))
    .addOption(new Option('--plot <file>', 'draw cost and accuracy per epoch (training and test) as .svg or .png'))
    .addOption(new Option('--early-stop <n>', 'stop when validation accuracy has not improved for N epochs, with the best epoch\'s parameters restored').argParser(positiveInteger('early stop')));
  for (const option of learningOptions()) command.addOption(option);
  command
    .option('--no-monitor-train', 'skip evaluating the training set after each epoch')
    .option('--no-monitor-validation', 'skip evaluating the validation set')
    .option('--no-monitor-test', 'skip evaluating the test set')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print a machine-readable summary as the last line of stdout')
    .action(async (flags: TrainFlags, cmd: Command) => runTrain(flags, cmd))
    .addHelpText('after', recipesHelp());
  return command;
}

/**
 * The files a run writes, all checked before the data is read; the folders of those given are created then, the
 * default models/ only when the model is saved.
 */
interface Destinations {
  save: string;
  checkpoint?: string;
  metrics?: string;
  plot?: string;
}

async function prepareDestinations(flags: TrainFlags, settings: TrainSettings): Promise<Destinations> {
  if (flags.plot) chartFormat(flags.plot);
  const save = flags.save ?? defaultModelPath(settings, new Date());
  const files = [['--save', save], ['--checkpoint', flags.checkpoint], ['--metrics', flags.metrics], ['--plot', flags.plot]] as const;
  const seen = new Map<string, string>();
  for (const [flag, file] of files) {
    if (!file) continue;
    const other = seen.get(resolve(file));
    if (other) throw new ConfigError(`${flag} ${file} is the same file as ${other}; give each output its own file`);
    seen.set(resolve(file), `${flag} ${file}`);
  }
  // The default models/ is only checked here and created when the model is saved: a failed run leaves no empty folder.
  for (const [flag, file] of files) if (file) await (flag === '--save' && !flags.save ? checkOutputFile(file) : prepareOutputFile(file));
  return { save, checkpoint: flags.checkpoint, metrics: flags.metrics, plot: flags.plot };
}

/** A path as a shell word, so a printed command can be pasted back. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command that continues this run: every setting is in the file, so only the files are named. */
function resumeCommand(from: string, dataDir: string, out: Destinations): string {
  const words = ['npx', 'mnist-wasm', 'train', '--resume', from, '--data', dataDir, '--save', out.save];
  for (const [flag, file] of [['--checkpoint', out.checkpoint], ['--metrics', out.metrics], ['--plot', out.plot]] as const) if (file) words.push(flag, file);
  return words.map(shellWord).join(' ');
}

async function writeOutput(file: string, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    throw new OutputError(file, `could not be written: ${describeWriteError(error)}`);
  }
}

function headerLine(settings: TrainSettings, network: Network, dir: string, split: MnistSplit): string {
  const { spec } = settings;
  const build = network.simd ? ` (${network.simd} SIMD${network.threads > 1 ? `, ${network.threads} threads` : ''})` : '';
  return `mnist-wasm: training [${spec.layers.join(', ')}] ${spec.activation}/${spec.outputActivation}, ${spec.cost}, init ${settings.init.weights}, ` +
    `${settings.engine}${build}, ${settings.dataset} from ${dir}: ${split.train.count} train / ${split.validation.count} validation / ${split.test.count} test, ` +
    `batch ${settings.batchSize}, eta ${settings.eta}, lambda ${settings.lambda}, seed ${settings.seed}${learningWords(settings)}`;
}

/** The learning settings that differ from plain SGD at a constant eta, for the header line. */
function learningWords({ optimizer, schedule, regularization, keepBest, augment, recipe }: TrainSettings): string {
  const words: string[] = [];
  if (optimizer.name === 'momentum' || optimizer.name === 'nesterov') words.push(`${optimizer.name} ${optimizer.momentum}`);
  if (optimizer.name === 'adam') words.push(`adam (beta1 ${optimizer.beta1}, beta2 ${optimizer.beta2}, epsilon ${optimizer.epsilon})`);
  if (schedule.name === 'step') words.push(`eta x${schedule.gamma} every ${schedule.stepSize} epochs`);
  if (schedule.name === 'exponential') words.push(`eta x${schedule.gamma} per epoch`);
  if (schedule.name === 'cosine') words.push(`cosine eta down to ${schedule.etaMin}`);
  if (schedule.warmup) words.push(`${schedule.warmup} warm-up epochs`);
  if (regularization.dropout) words.push(`dropout ${regularization.dropout}`);
  if (regularization.maxNorm) words.push(`max-norm ${regularization.maxNorm}`);
  if (keepBest) words.push('keeping the best epoch');
  if (augment.mode !== 'none' || regularization.inputDropout) words.push(describeAugment(augment, regularization.inputDropout));
  if (recipe) words.push(`recipe ${recipe.name}`);
  return words.map((w) => `, ${w}`).join('');
}

/** After each epoch: the metrics file, the chart and the checkpoint, each failure naming its file. */
function epochWriter(out: Destinations, runConfig: Record<string, unknown>): (history: EpochMetrics[], snapshot: () => SavedModel) => Promise<void> {
  return async (history, snapshot) => {
    if (out.metrics) await writeOutput(out.metrics, () => writeFileAtomic(out.metrics as string, history.map((m) => JSON.stringify({ ...m, config: runConfig })).join('\n') + '\n'));
    if (out.plot) {
      // Loaded on demand: the charting stack costs memory a plain run does not need.
      const [{ learningCurvesSpec }, { writeChart }] = await Promise.all([import('../plot/curves.js'), import('../plot/render-node.js')]);
      await writeOutput(out.plot, () => writeChart(out.plot as string, learningCurvesSpec([{ metrics: history }])));
    }
    if (out.checkpoint) await writeOutput(out.checkpoint, () => saveModel(out.checkpoint as string, snapshot()));
  };
}

async function runTrain(flags: TrainFlags, cmd: Command): Promise<void> {
  const resumed = flags.resume ? { file: flags.resume, model: await loadModel(flags.resume) } : undefined;
  const settings = resolveTrainConfig(flags, (flag) => cmd.getOptionValueSource(flag), resumed);
  const out = await prepareDestinations(flags, settings);
  const log = (message: string): void => void process.stderr.write(`${message}\n`);
  const print = (line: string): void => void process.stdout.write(`${line}\n`);

  // The network first: the data is read straight into its memory, so that it is held once.
  const network = await Network.create(settings.spec, {
    engine: settings.engine, simd: settings.simd, threads: settings.threads,
    init: { ...settings.init, seed: settings.seed }, parameters: resumed?.model.parameters,
    augment: settings.augment, inputDropout: settings.regularization.inputDropout,
  });
  let loaded: Awaited<ReturnType<typeof locateAndLoad>>;
  try {
    loaded = await locateAndLoad({ data: flags.data, dataset: settings.dataset, trainSize: settings.trainSize, log, store: network.byteStore });
    checkNetworkFitsData(settings.spec, loaded.split, loaded.dir, resumed ? { modelFile: resumed.file } : { layersFlag: settings.spec.layers });
    validateTrainOptions(settings, loaded.split.train.count);
    if (resumed && settings.resume) checkStateFitsData(settings.resume, loaded.split.train.count, settings.batchSize, resumed.file);
  } catch (error) {
    network.dispose();
    throw error;
  }
  const { dir, split } = loaded;
  const training = trainingRecord(settings, split.train.count, network.simd);
  const history: EpochMetrics[] = [...(resumed?.model.metrics ?? [])];
  let state: TrainerState | undefined = settings.resume;
  const snapshot = (): SavedModel => ({ spec: settings.spec, layout: network.layout, parameters: network.getParameters(), training, state, metrics: history });
  const fallbackDirs = [...(out.checkpoint ? [dirname(out.checkpoint)] : []), tmpdir()];
  // What tells runs apart in `compare`.
  const { spec } = settings;
  const writeEpoch = epochWriter(out, { layers: spec.layers, activation: spec.activation, output: spec.outputActivation, cost: spec.cost, init: settings.init.weights, batch: settings.batchSize, eta: settings.eta, lambda: settings.lambda, seed: settings.seed, trainSize: split.train.count,
    optimizer: settings.optimizer.name, schedule: settings.schedule.name, dropout: settings.regularization.dropout });
  const progress = epochProgress(flags.progress, split.train.count, (epoch) => etaForEpoch(settings.eta, settings.schedule, epoch, settings.epochs));
  const interrupt = interruptSignal((signal) => {
    progress.stop();
    log(`\n${signal}: finishing the current mini-batch and saving (press again to quit at once)`);
  });

  let result: TrainResult;
  let trained: SavedModel;
  try {
    try {
      print(headerLine(settings, network, dir, split));
      print(tableHeader());
      result = await train(network, split, {
        ...settings, resume: state, signal: interrupt.signal,
        hooks: {
          onBatch: progress.onBatch,
          onEpoch: async (metrics, next) => {
            progress.stop();
            history.push(metrics);
            state = next;
            print(tableRow(metrics));
            await writeEpoch(history, snapshot);
          },
        },
      });
      state = result.state;
      trained = snapshot();
    } catch (error) {
      if (error instanceof DivergenceError) {
        const kept = out.checkpoint && state ? `; the last good checkpoint (${state.epochsDone} epochs) is kept in ${out.checkpoint}` : '';
        throw new DivergenceError(`${error.message}${kept}`);
      }
      if (!(error instanceof OutputError)) throw error;
      // A write failed mid-run: keep what was trained, elsewhere, and say where.
      const fallback = await saveFallback(out.save, snapshot(), fallbackDirs);
      throw new OutputError(error.file as string, `${error.detail}; ${fallback
        ? `the model trained so far is saved in ${fallback} (resume with: ${resumeCommand(fallback, dir, out)})`
        : 'no copy of the model could be written either'}`);
    } finally {
      progress.stop();
      network.dispose();
    }
    // The handlers stay through the final save: a Ctrl-C during it must not kill the write.
    await finishRun(result, trained, out, dir, fallbackDirs, flags.json ? { spec, training, history } : undefined);
  } finally {
    interrupt.dispose();
  }
}

/**
 * Saves where the run's outcome says (an interrupted run never replaces --save: its state goes to the checkpoint,
 * or to a file named as interrupted), tells the user where, and prints the --json summary when asked.
 */
async function finishRun(result: TrainResult, model: SavedModel, out: Destinations, dataDir: string, fallbackDirs: string[], summary?: { spec: NetworkSpec; training: TrainingConfig; history: EpochMetrics[] }): Promise<void> {
  const aborted = result.stopped === 'aborted';
  const file = aborted ? out.checkpoint ?? `${out.save}.interrupted.json` : out.save;
  // The default models/ is created only now; should that fail, the save below reports it and writes the fallback.
  await prepareOutputFile(file).catch(() => undefined);
  await saveModelOrFallback(file, model, fallbackDirs);
  const log = (message: string): void => void process.stderr.write(`${message}\n`);
  if (aborted) {
    log(`interrupted in epoch ${result.state.epochsDone + 1} after ${result.state.batchesDone} mini-batches; saved to ${file}. Resume with: ${resumeCommand(file, dataDir, out)}`);
    process.exitCode = 130;
  } else {
    const restored = result.restoredBestEpoch !== undefined ? `; ending with the parameters of epoch ${result.restoredBestEpoch}, the best by validation accuracy` : '';
    log(`${result.bestEpoch !== undefined ? `best epoch ${result.bestEpoch}; ` : ''}${result.stopped}${restored}; model saved to ${file}`);
  }
  if (!summary) return;
  const { spec, training, history } = summary;
  process.stdout.write(`${JSON.stringify({
    command: 'train', spec, training, epochs: history, bestEpoch: result.bestEpoch, stopped: result.stopped, restoredBestEpoch: result.restoredBestEpoch,
    final: history[history.length - 1] ?? null, model: file,
  })}\n`);
}
