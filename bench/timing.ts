// One round of timing a contender: tinybench runs stretches of its training and its evaluation in turn. The
// same code times a contender in its own worker thread (bench/contender.ts) and one in the bench's thread.
import { Bench } from 'tinybench';
import { Random } from '../util/random.js';

export const BATCH = 10;
/** Mini-batches per timed run of training. */
export const BATCHES_PER_RUN = 200;
/** Examples per timed run of evaluation. */
export const INFER_COUNT = 2000;

/** tinybench's settings for one round. */
export interface RoundOptions {
  time: number;
  iterations: number;
  warmupIterations: number;
  warmupTime: number;
}

/** Milliseconds per run of training (BATCHES_PER_RUN mini-batches) and of evaluation (INFER_COUNT examples). */
export interface RoundSamples {
  train: number[];
  infer: number[];
}

/** What is timed: a step on the given rows, and an evaluation of INFER_COUNT examples. */
export interface Timed {
  trainBatch(rows: Uint32Array): void;
  infer(): void;
}

/** The training order every contender walks: the training set shuffled with seed 1. */
export function benchOrder(count: number): Uint32Array {
  const order = new Uint32Array(count).map((_, i) => i);
  new Random(1).shuffle(order);
  return order;
}

/** Times one round; `cursor` keeps the place in `order` from round to round. */
export async function timeRound(timed: Timed, order: Uint32Array, cursor: { at: number }, options: RoundOptions): Promise<RoundSamples> {
  const bench = new Bench({ ...options, retainSamples: true });
  bench.add('train', () => {
    for (let b = 0; b < BATCHES_PER_RUN; b++) {
      if (cursor.at + BATCH > order.length) cursor.at = 0;
      timed.trainBatch(order.subarray(cursor.at, cursor.at + BATCH));
      cursor.at += BATCH;
    }
  });
  bench.add('infer', () => timed.infer());
  await bench.run();
  const samples = (name: string): number[] => {
    const result = bench.getTask(name)?.result;
    if (!result || !('latency' in result) || !result.latency.samples) {
      const why = result && 'error' in result ? `: ${String(result.error)}` : '';
      throw new Error(`the benchmark of ${name} did not complete${why}`);
    }
    return [...result.latency.samples];
  };
  return { train: samples('train'), infer: samples('infer') };
}
