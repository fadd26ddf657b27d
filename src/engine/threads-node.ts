import { Worker } from 'node:worker_threads';
import type { WorkerSpawner } from './threads.js';

/** Node worker threads running thread-worker-node: the built .js, or the .ts source through tsx in development. */
export const spawnNodeWorker: WorkerSpawner = (init) =>
  new Promise((resolve, reject) => {
    let worker: Worker;
    if (import.meta.url.endsWith('.ts')) {
      // A worker does not inherit the parent's --import hooks, so register tsx in it first.
      const tsx = import.meta.resolve('tsx/esm/api');
      const entry = new URL('./thread-worker-node.ts', import.meta.url).href;
      worker = new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`, { eval: true, workerData: init });
    } else {
      worker = new Worker(new URL('./thread-worker-node.js', import.meta.url), { workerData: init });
    }
    worker.unref();
    worker.once('message', () => resolve(worker));
    worker.once('error', reject);
  });
