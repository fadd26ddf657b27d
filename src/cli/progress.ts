import cliProgress from 'cli-progress';
import type { BatchEvent } from '../train/trainer.js';

/**
 * A per-epoch progress bar on stderr (only on a terminal), with the learning rate the epoch trains at;
 * `onBatch` is undefined when there is none to draw.
 */
export function epochProgress(enabled: boolean, examplesPerEpoch: number, etaOf: (epoch: number) => number): { onBatch?: (event: BatchEvent) => void; stop(): void } {
  if (!enabled || !process.stderr.isTTY) return { stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'epoch {epoch} at eta {rate_eta} [{bar}] {percentage}% | {value}/{total} examples | {rate} ex/s | {eta}s left', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let epoch = 0;
  let started = 0;
  return {
    onBatch: (event) => {
      if (event.epoch !== epoch) {
        epoch = event.epoch;
        started = performance.now();
        bar.start(examplesPerEpoch, 0, { epoch, rate: '-', rate_eta: formatEta(etaOf(epoch)) });
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

/** A learning rate in at most 4 significant digits: 0.5, 0.04522, 1e-7. */
export function formatEta(eta: number): string {
  return String(Number(eta.toPrecision(4)));
}
