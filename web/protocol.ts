// Messages between the page (main.ts) and the training worker (worker.ts).
import type { EpochMetrics, NetworkSpec } from 'mnist-wasm';

export interface TrainSettings {
  spec: NetworkSpec;
  trainSize: number;
  epochs: number;
  batchSize: number;
  eta: number;
  lambda: number;
  seed: number;
  threads: number;
}

export type ToWorker =
  | { type: 'load-served'; base: string }
  | { type: 'load-files'; files: File[] }
  | { type: 'train'; settings: TrainSettings }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'save' }
  | { type: 'load-model'; text: string; name: string }
  | { type: 'predict'; inputs: Float64Array }
  | { type: 'sample' };

export type FromWorker =
  | { type: 'ready'; engine: string; simd: string }
  | { type: 'data'; train: number; test: number }
  | { type: 'threads'; threads: number }
  | { type: 'progress'; epoch: number; examples: number; total: number }
  | { type: 'epoch'; metrics: EpochMetrics }
  | { type: 'stopped'; reason: 'completed' | 'early-stopping' | 'aborted' | 'paused'; metrics: EpochMetrics[] }
  | { type: 'model'; text: string }
  | { type: 'model-loaded'; name: string; layers: number[] }
  | { type: 'prediction'; probabilities: number[] }
  | { type: 'sample'; pixels: Uint8Array; label: number; probabilities: number[] }
  | { type: 'error'; message: string };
