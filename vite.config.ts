// The browser demo (web/): `npm run web` serves it with MNIST at /data/, found by the CLI's rule (MNIST_DIR,
// else data/mnist, else ../shared/data/mnist); `npm run build:web` writes the static site to web/dist (put the
// four .gz files in web/dist/data/ to deploy it).
import { createReadStream, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineConfig } from 'vite';
import { dataPlaces, findDataDir } from './src/data/locate.js';

const dataDir = findDataDir('mnist') ?? dataPlaces('mnist').downloadTo;

export default defineConfig({
  root: 'web',
  resolve: { alias: { 'mnist-wasm': resolve('src/browser.ts') } },
  // vega and vega-lite make up most of the page's script.
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1200 },
  worker: { format: 'es' },
  // Cross-origin isolation, so that shared memory (the Threads setting) is available.
  server: { headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } },
  preview: { headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } },
  plugins: [
    {
      name: 'serve-mnist',
      configureServer(server) {
        server.middlewares.use('/data/', (req, res, next) => {
          const file = join(dataDir, (req.url ?? '').replace(/^\/+/, '').replace(/\.\./g, ''));
          if (!existsSync(file)) return next();
          res.setHeader('content-type', 'application/octet-stream');
          createReadStream(file).pipe(res);
        });
      },
    },
  ],
});
