import { serveNodeWorker } from './threads-node.js';

await serveNodeWorker();
