import type { WorkerSpawner } from './threads.js';

/** Web Workers running thread-worker-browser; needs a cross-origin isolated page (COOP + COEP) for shared memory. */
export const spawnWebWorker: WorkerSpawner = (init) =>
  new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./thread-worker-browser.js', import.meta.url), { type: 'module' });
    worker.onmessage = () => resolve(worker);
    worker.onerror = (event) => reject(new Error(`a compute worker failed to start: ${event.message}`));
    worker.postMessage(init);
  });
