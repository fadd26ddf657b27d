import cliProgress from 'cli-progress';
import type { BatchEvent } from '../train/trainer.js';

/** A per-epoch progress bar on stderr (only on a terminal); `onBatch` is undefined when there is none to draw. */
export function epochProgress(enabled: boolean, examplesPerEpoch: number): { onBatch?: (event: BatchEvent) => void; stop(): void } {
  if (!enabled || !process.stderr.isTTY) return { stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'epoch {epoch} [{bar}] {percentage}% | {value}/{total} examples | {rate} ex/s | ETA {eta}s', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let epoch = 0;
  let started = 0;
  return {
    onBatch: (event) => {
      if (event.epoch !== epoch) {
        epoch = event.epoch;
        started = performance.now();
        bar.start(examplesPerEpoch, 0, { epoch, rate: '-' });
      }
      bar.update(event.examples, { epoch, rate: Math.round(event.examples / ((performance.now() - started) / 1000 || 1)) });
    },
    // The next onBatch starts a fresh bar for the next epoch.
    stop: () => {
      bar.stop();
      epoch = 0;
    },
  };
}
