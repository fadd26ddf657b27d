import { serve } from './thread-worker.js';

// The first message carries the module, the shared memory and this worker's control block. A failure to
// instantiate is posted back, so that Network.create settles with it.
self.onmessage = (event: MessageEvent) => {
  self.onmessage = null;
  const post = (message: unknown) => (self as unknown as Worker).postMessage(message);
  serve(event.data, () => post('ready')).catch((error: unknown) => post({ failed: error instanceof Error ? error.message : String(error) }));
};
