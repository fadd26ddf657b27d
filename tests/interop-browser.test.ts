// In Chromium: the recogniser page (examples/browser/recognise.html, bundled by Vite with only mnist-wasm/infer)
// loads a TF.js export and a model file, and TF.js itself loads the same export over HTTP; all give our
// probabilities on 1,000 MNIST test images.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { saveTfjs } from '../src/interop/files-node.js';
import { serializeModel } from '../src/model/file.js';
import { browserTest as test, chromiumForFile, SKIP_BROWSER, watchErrors } from './browser.js';
import { REPO_ROOT } from './helpers.js';
import { agreement, FLOAT32_TOLERANCE, trainFixture } from './interop-fixture.js';
import type { Fixture } from './interop-fixture.js';
import { serveFolder } from './serve.js';

let fixture: Fixture;
let dir: string;
let server: Server;
let url: string;
const browser: Browser = await chromiumForFile();

// Set up at the top level, not in a before() hook: serveFolder registers its close with after(), which in a hook
// would run as soon as the hook ends.
if (!SKIP_BROWSER) {
  fixture = await trainFixture();
  dir = await mkdtemp(join(tmpdir(), 'mnist-interop-browser-'));
  const root = join(REPO_ROOT, 'examples/browser');
  await build({
    configFile: false,
    root,
    logLevel: 'warn',
    resolve: { alias: { 'mnist-wasm/infer': join(REPO_ROOT, 'src/infer.ts') } },
    build: { outDir: join(dir, 'site'), emptyOutDir: true, target: 'es2022', rollupOptions: { input: join(root, 'recognise.html') } },
  });
  await saveTfjs(join(dir, 'model'), fixture.trained[1].model);
  await writeFile(join(dir, 'model', 'mnist-wasm.json'), serializeModel(fixture.trained[1].model));
  // The test images as float32, fetched by the pages (much faster than passing a million numbers to evaluate).
  await writeFile(join(dir, 'model', 'images.f32'), new Uint8Array(fixture.pixels32.buffer));
  await writeFile(join(dir, 'model', 'images.f64'), new Uint8Array(fixture.pixels64.buffer));
  ({ server, url } = await serveFolder(join(dir, 'site'), { mounts: { 'model/': join(dir, 'model'), 'tfjs/': join(REPO_ROOT, 'node_modules/@tensorflow/tfjs/dist') } }));
}

after(async () => {
  server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function openRecogniser(model: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(`${url}recognise.html?model=${model}`);
  await page.waitForSelector('#status[data-ready], #status[data-error]', { timeout: 60_000 });
  return { page, errors };
}

/** The page's classifier over the 1,000 test images. */
async function predictInPage(page: Page, images: 'images.f32' | 'images.f64'): Promise<number[]> {
  return page.evaluate(async (file) => {
    const bytes = await (await fetch(`model/${file}`)).arrayBuffer();
    const pixels = file.endsWith('f64') ? new Float64Array(bytes) : new Float32Array(bytes);
    return [...(window as unknown as { classifier: { predict(p: ArrayLike<number>): Float64Array } }).classifier.predict(pixels)];
  }, images);
}

test('the recogniser page (mnist-wasm/infer only) predicts our probabilities from a TF.js export and from a model file', async () => {
  const { probabilities, label } = fixture.trained[1];
  const tfjs = await openRecogniser('model/model.json');
  const fromTfjs = agreement(probabilities, await predictInPage(tfjs.page, 'images.f32'));
  assert.ok(fromTfjs.maxDiff < FLOAT32_TOLERANCE, `${label}: max difference ${fromTfjs.maxDiff}`);
  assert.equal(fromTfjs.argmaxDiffers, 0);
  assert.deepEqual(tfjs.errors, []);
  const own = await openRecogniser('model/mnist-wasm.json');
  const fromModel = agreement(probabilities, await predictInPage(own.page, 'images.f64'));
  // Same f64 arithmetic as the engines, summed in another order.
  assert.ok(fromModel.maxDiff < 1e-12, `${label}: max difference ${fromModel.maxDiff}`);
  assert.deepEqual(own.errors, []);
  // A drawn stroke goes through preprocessing into a digit.
  const box = (await own.page.locator('#pad').boundingBox())!;
  await own.page.mouse.move(box.x + 140, box.y + 40);
  await own.page.mouse.down();
  await own.page.mouse.move(box.x + 140, box.y + 240, { steps: 10 });
  await own.page.mouse.up();
  assert.match(await own.page.locator('#digit').innerText(), /^\d$/);
});

test('a missing model is one line in the page, naming the URL', async () => {
  const { page } = await openRecogniser('model/nothing.json');
  assert.match((await page.locator('#status').getAttribute('data-error')) ?? '', /nothing\.json: HTTP 404$/);
});

test('TensorFlow.js in Chromium loads the export over HTTP and predicts our probabilities', async () => {
  const { probabilities, label } = fixture.trained[1];
  const { page, errors } = await openRecogniser('model/model.json');
  await page.addScriptTag({ url: `${url}tfjs/tf.min.js` });
  const theirs = await page.evaluate(async () => {
    const pixels = new Float32Array(await (await fetch('model/images.f32')).arrayBuffer());
    const tf = (window as unknown as { tf: typeof import('@tensorflow/tfjs') }).tf;
    const model = await tf.loadLayersModel('model/model.json');
    const output = model.predict(tf.tensor2d(pixels, [pixels.length / 784, 784])) as import('@tensorflow/tfjs').Tensor;
    return [...(await output.data())];
  });
  const { maxDiff, argmaxDiffers } = agreement(probabilities, theirs);
  assert.ok(maxDiff < FLOAT32_TOLERANCE, `${label}: max difference ${maxDiff}`);
  assert.equal(argmaxDiffers, 0);
  assert.deepEqual(errors.filter((e) => !/backend|webgl/i.test(e)), []);
});
