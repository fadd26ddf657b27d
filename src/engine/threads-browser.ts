import type { WorkerSpawner } from './threads.js';

/** Web Workers running thread-worker-browser; needs a cross-origin isolated page (COOP + COEP) for shared memory. */
export const spawnWebWorker: WorkerSpawner = (init, events) =>
  new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./thread-worker-browser.js', import.meta.url), { type: 'module' });
    let started = false;
    const fail = (message: string) => (started ? events.failed(message) : reject(new Error(`a compute worker failed to start: ${message}`)));
    // Kept after the start: a later error reaches the pool.
    worker.onmessage = (event: MessageEvent) => {
      const failed = (event.data as { failed?: string } | null)?.failed;
      if (typeof failed === 'string') return fail(failed);
      started = true;
      resolve(worker);
    };
    worker.onerror = (event) => fail(event.message || 'the worker script failed');
    worker.onmessageerror = () => fail('a message could not be read');
    worker.postMessage(init);
  });
