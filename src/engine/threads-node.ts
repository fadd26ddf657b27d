import { parentPort, Worker, workerData } from 'node:worker_threads';
import type { Kernels } from './kernels.js';
import { recordExit, serve } from './thread-worker.js';
import type { WorkerInit, WorkerSpawner } from './threads.js';

/**
 * Node worker threads running `entry` (a module that calls serveNodeWorker): the built .js, or the .ts source
 * through tsx in development. `data` is passed on beside the pool's init (tests).
 */
export function nodeWorkerSpawner(entry: URL, data: Record<string, unknown> = {}): WorkerSpawner {
  return (init, events) =>
    new Promise((resolve, reject) => {
      let worker: Worker;
      const workerData = { ...data, init };
      if (entry.pathname.endsWith('.ts')) {
        // A worker does not inherit the parent's --import hooks, so register tsx in it first.
        const tsx = import.meta.resolve('tsx/esm/api');
        worker = new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`, { eval: true, workerData });
      } else {
        worker = new Worker(entry, { workerData });
      }
      worker.unref();
      let started = false;
      worker.once('message', () => {
        started = true;
        resolve(worker);
      });
      // Kept after the start: a later error or exit reaches the pool (which ignores them once it has stopped).
      worker.on('error', (error) => (started ? events.failed(error.message) : reject(error)));
      worker.on('exit', (code) => (started ? events.failed(`exited with code ${code}`) : reject(new Error(`exited with code ${code} before it started`))));
    });
}

const ownEntry = new URL(`./thread-worker-node.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url);

/** The engine's own workers. */
export const spawnNodeWorker: WorkerSpawner = nodeWorkerSpawner(ownEntry);

/** The body of a Node worker: serves the pool it was started for; `kernels` replaces the core's (tests). */
export async function serveNodeWorker(kernels?: (core: Kernels) => Kernels): Promise<void> {
  const init = (workerData as { init: WorkerInit }).init;
  // process.exit in a worker ends only the thread; the pool must hear of it while it spins.
  process.on('exit', (code) => recordExit(init, `exited with code ${code}`));
  await serve(init, () => parentPort?.postMessage('ready'), kernels);
}
