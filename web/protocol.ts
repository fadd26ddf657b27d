// Messages between the page (main.ts) and the training worker (worker.ts). Every reply about a run carries the
// run number the page gave it (at Train or Load model; a resumed run keeps its number), so a late reply from a
// run the page has left behind is recognised and ignored.
import type { AugmentSettings, EpochMetrics, InkMeasure, NetworkSpec, OptimizerSettings, RegularizationSettings, ScheduleSettings, TrainerState, TrainingConfig } from 'mnist-wasm';

/** The form's settings, checked by the library's rules before they are sent. */
export interface TrainSettings {
  spec: NetworkSpec;
  trainSize: number;
  epochs: number;
  batchSize: number;
  eta: number;
  lambda: number;
  seed: number;
  threads: number;
  optimizer: OptimizerSettings;
  schedule: ScheduleSettings;
  regularization: RegularizationSettings;
  /** Distortions of the training inputs (mode none: the images as they are). */
  augment: AugmentSettings;
}

/** Where the worker gets MNIST when it has none yet: served beside the page, or files the user picked. */
export type DataSource = { kind: 'served'; base: string } | { kind: 'files'; files: File[] };

export type ToWorker =
  | { type: 'train'; run: number; settings: TrainSettings; data?: DataSource }
  | { type: 'pause' }
  | { type: 'resume'; run: number }
  | { type: 'stop' }
  | { type: 'save' }
  | { type: 'load-model'; run: number; name: string; spec: NetworkSpec; parameters: Float64Array; metrics: EpochMetrics[]; training?: TrainingConfig; state?: TrainerState }
  /** ink: the drawn digit's measure, handed back with the prediction for the page's verdict. */
  | { type: 'predict'; inputs: Float64Array; ink: InkMeasure }
  | { type: 'sample'; index?: number };

/** Test digits the network reads wrongly: their indices, pixels (count x 784), true labels and what it read. */
export interface Mistakes {
  indices: number[];
  pixels: Uint8Array;
  labels: number[];
  predicted: number[];
}

export type FromWorker =
  | { type: 'ready'; engine: string; simd: string }
  /** The engine could not start in this worker: nothing will work until a new one is made. */
  | { type: 'broken'; message: string }
  | { type: 'data'; train: number; test: number }
  | { type: 'started'; run: number; threads: number; epochsDone: number }
  | { type: 'progress'; run: number; epoch: number; examples: number; total: number }
  | { type: 'epoch'; run: number; metrics: EpochMetrics; mistakes: Mistakes }
  /** The first hidden layer's incoming weights, `count` rows of 784, after `epoch` epochs. */
  | { type: 'weights'; run: number; epoch: number; count: number; units: number; weights: Float32Array }
  /** `count` training digits (count x 784, 0..1) as the distortions of the run make them, shown while epoch `epoch` trains. */
  | { type: 'distorted'; run: number; epoch: number; count: number; inputs: Float64Array }
  /** examplesDone: training images of the next epoch already trained (a run paused or stopped mid-epoch). */
  | { type: 'ended'; run: number; reason: 'completed' | 'early-stopping' | 'aborted' | 'paused'; epochsDone: number; examplesDone: number }
  | { type: 'failed'; run: number; message: string }
  | { type: 'model'; text: string }
  | { type: 'model-loaded'; run: number; name: string; layers: number[] }
  | { type: 'prediction'; probabilities: number[]; ink: InkMeasure }
  | { type: 'sample'; pixels: Uint8Array; label: number; probabilities: number[] }
  /** A command that changes no state (save, predict, sample) could not be done. */
  | { type: 'notice'; message: string };
