import { serve } from './thread-worker.js';

// The first message carries the module, the shared memory and this worker's control block.
self.onmessage = (event: MessageEvent) => {
  self.onmessage = null;
  void serve(event.data, () => (self as unknown as Worker).postMessage('ready'));
};
