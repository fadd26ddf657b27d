// The browser demo end to end in real headless Chromium: the built page with real MNIST behind it, its numbers
// checked against the library run in Node, and every transition of its state machine (web/state.ts) taken.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Page, Worker } from 'playwright-core';
import { loadMnist } from '../src/data/mnist.js';
import { gatherTransformed } from '../src/engine/augment-record.js';
import { Network } from '../src/engine/network.js';
import { loadWasmCore } from '../src/engine/wasm.js';
import { readWasmFromDisk } from '../src/engine/wasm-node.js';
import { validateAugment } from '../src/model/augment.js';
import { Random } from '../src/util/random.js';
import type { SimdBuild } from '../src/engine/wasm.js';
import { initParameters } from '../src/model/init.js';
import { parseModel, serializeModel } from '../src/model/file.js';
import { parameterLayout, validateSpec } from '../src/model/spec.js';
import { train } from '../src/train/trainer.js';
import { etaForEpoch, validateOptimizer, validateSchedule } from '../src/model/learning.js';
import { digitVerdict } from '../src/image/verdict.js';
import type { DigitVerdict } from '../src/image/verdict.js';
import { controlsFor, STATES, TRANSITIONS } from '../web/state.js';
import type { DemoState } from '../web/state.js';
import { MNIST_DIR, REPO_ROOT } from './helpers.js';
import { serveFolder } from './serve.js';
import { browserTest as test, chromiumForFile, watchErrors } from './browser.js';

// The browser, launched in this one place (closed after the file; nothing is launched when browser tests are skipped).
const browser = await chromiumForFile();

await promisify(execFile)('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: REPO_ROOT, maxBuffer: 1 << 26 });
const server = await serveFolder(join(REPO_ROOT, 'web/dist'), { mounts: { 'data/': MNIST_DIR } });
// The same site, cross-origin isolated: shared memory, so the engine can use worker threads.
const isolated = await serveFolder(join(REPO_ROOT, 'web/dist'), {
  mounts: { 'data/': MNIST_DIR },
  headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
});
const scratch = await mkdtemp(join(tmpdir(), 'mnist-web-'));
after(async () => {
  server.server.close();
  isolated.server.close();
  await rm(scratch, { recursive: true, force: true });
});

/**
 * MNIST to pick in a page, uncompressed (a busy machine takes seconds to gunzip it in a browser) and with the
 * training file cut to the images the default split uses: the first 10,000 (training) and the last 10,000
 * (validation). Runs on it give the numbers runs on the full files give.
 */
async function writeDemoMnist(dir: string): Promise<string[]> {
  const idx = async (name: string): Promise<Buffer> => gunzipSync(await readFile(join(MNIST_DIR, `${name}.gz`)));
  const cut = (bytes: Buffer, header: number, size: number): Buffer => {
    const count = bytes.readUInt32BE(4);
    const head = Buffer.from(bytes.subarray(0, header));
    head.writeUInt32BE(20_000, 4);
    return Buffer.concat([head, bytes.subarray(header, header + 10_000 * size), bytes.subarray(header + (count - 10_000) * size)]);
  };
  const files: [string, Buffer][] = [
    ['train-images-idx3-ubyte', cut(await idx('train-images-idx3-ubyte'), 16, 784)],
    ['train-labels-idx1-ubyte', cut(await idx('train-labels-idx1-ubyte'), 8, 1)],
    ['t10k-images-idx3-ubyte', await idx('t10k-images-idx3-ubyte')],
    ['t10k-labels-idx1-ubyte', await idx('t10k-labels-idx1-ubyte')],
  ];
  await Promise.all(files.map(([name, bytes]) => writeFile(join(dir, name), bytes)));
  return files.map(([name]) => join(dir, name));
}
const DEMO_MNIST = await writeDemoMnist(scratch);
/** Presses Train with "files I pick" chosen, and picks DEMO_MNIST. */
async function trainOnPickedFiles(page: Page): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await page.click('#train');
  await (await chooser).setFiles(DEMO_MNIST);
}
/** Transitions taken in every page of this file, "from>event>to". */
const taken = new Set<string>();

interface Observed {
  layoutShifts: number[];
  weightUpdates: { epoch: number; checksum: number }[];
  /** Each redraw of the distorted training digits: its epoch and the red channel of every pixel. */
  distortedUpdates: { epoch: number; shades: number[] }[];
}

/** A page of the demo, its engine started; records layout shifts and every redraw of the weight images. */
async function openDemo(url: string, viewport = { width: 1280, height: 800 }): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport });
  const errors = watchErrors(page);
  page.on('worker', (worker) => {
    if (!/\/worker-[^/]*\.js$/.test(worker.url())) return;
    demoWorkers.set(page, worker);
    worker.on('close', () => demoWorkers.get(page) === worker && demoWorkers.delete(page));
  });
  await page.addInitScript(() => {
    const seen: Observed = { layoutShifts: [], weightUpdates: [], distortedUpdates: [] };
    (window as unknown as { observed: Observed }).observed = seen;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) seen.layoutShifts.push((entry as PerformanceEntry & { value: number }).value);
    }).observe({ type: 'layout-shift', buffered: true });
    document.addEventListener('DOMContentLoaded', () => {
      const canvas = document.getElementById('weights') as HTMLCanvasElement;
      new MutationObserver(() => {
        const pixels = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, canvas.width, canvas.height).data;
        let checksum = 0;
        for (let i = 0; i < pixels.length; i++) checksum = (Math.imul(checksum, 31) + pixels[i]) | 0;
        seen.weightUpdates.push({ epoch: Number(canvas.dataset.epoch), checksum });
      }).observe(canvas, { attributes: true, attributeFilter: ['data-epoch'] });
      const strip = document.getElementById('distorted') as HTMLCanvasElement;
      new MutationObserver(() => {
        if (strip.dataset.epoch === undefined) return;
        const pixels = (strip.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, strip.width, strip.height).data;
        seen.distortedUpdates.push({ epoch: Number(strip.dataset.epoch), shades: Array.from({ length: pixels.length / 4 }, (_, i) => pixels[4 * i]) });
      }).observe(strip, { attributes: true, attributeFilter: ['data-epoch'] });
    });
  });
  await page.goto(`${url}index.html`);
  await page.locator('#engine[data-engine]').waitFor({ timeout: 30_000 });
  return { page, errors };
}

async function closeDemo(page: Page): Promise<void> {
  for (const t of ((await page.getAttribute('body', 'data-transitions')) ?? '').split(' ').filter(Boolean)) taken.add(t);
  await page.close();
}

const stateOf = async (page: Page): Promise<DemoState> => (await page.getAttribute('body', 'data-state')) as DemoState;
const waitState = (page: Page, state: DemoState, timeout = 120_000): Promise<void> => page.locator(`body[data-state="${state}"]`).waitFor({ timeout, state: 'attached' });

/** Every control is as the state machine says for the state the page is in. */
async function assertControls(page: Page, expected: DemoState): Promise<void> {
  assert.equal(await stateOf(page), expected);
  const want = controlsFor(expected);
  const enabled = async (selector: string): Promise<boolean> => page.locator(selector).isEnabled();
  assert.deepEqual(
    { train: await enabled('#train'), pause: await enabled('#pause'), pauseLabel: await page.textContent('#pause'), stop: await enabled('#stop'), save: await enabled('#save'), loadModel: await enabled('#load-button'), settings: await enabled('#layers') },
    { train: want.train, pause: want.pause, pauseLabel: want.pauseLabel, stop: want.stop, save: want.save, loadModel: want.loadModel, settings: want.settings },
    `controls in state ${expected}`,
  );
}

const epochsShown = async (page: Page): Promise<number[]> => (await page.locator('#epochs-table tbody tr td:first-child').allTextContents()).map(Number);
const validationShown = async (page: Page): Promise<number[]> =>
  Promise.all((await page.locator('.validation-accuracy').all()).map(async (cell) => Number(await cell.getAttribute('data-value'))));
/** The page's current demo worker (a new one replaces a dead one when Train is pressed). */
const demoWorkers = new WeakMap<Page, Worker>();
async function demoWorker(page: Page): Promise<Worker> {
  for (let tries = 0; tries < 100 && !demoWorkers.has(page); tries++) await new Promise((resolve) => setTimeout(resolve, 50));
  const worker = demoWorkers.get(page);
  assert.ok(worker, 'the demo worker runs');
  return worker;
}
/** An uncaught error inside the worker, as an out-of-memory or broken worker raises. */
const crashWorker = async (page: Page): Promise<void> => (await demoWorker(page)).evaluate(() => void setTimeout(() => { throw new Error('injected crash'); }));
/** A reply about the current run, as the worker sends it when a run ends or fails at a moment no test can time. */
type Reply = { type: 'failed'; message: string } | { type: 'ended'; reason: 'completed'; epochsDone: number; examplesDone: number } | { type: 'sample'; pixels: number[]; label: number; probabilities: number[] };
async function replyFromWorker(page: Page, reply: Reply): Promise<void> {
  const run = Number(await page.getAttribute('body', 'data-run'));
  await (await demoWorker(page)).evaluate((message) => {
    const pixels = 'pixels' in message ? { pixels: Uint8Array.from(message.pixels) } : {};
    postMessage({ ...message, ...pixels });
  }, { ...reply, run });
}
/** Waits until the run is in its first epoch, so a pause lands mid-run. */
const waitForProgress = (page: Page): Promise<unknown> =>
  page.waitForFunction(() => (document.getElementById('progress') as HTMLProgressElement).value > 0 && document.body.dataset.state === 'training', undefined, { timeout: 120_000, polling: 10 });

// The library itself, in Node, on the demo's default settings: what the page must show, to the last bit.
interface DemoDefaults { layers: number[]; trainSize: number; epochs: number; batchSize: number; eta: number; lambda: number; seed: number }
interface Expected {
  validation: number[];
  /** The first misclassified test digits with the library's verdict on them (the page's rule). */
  mistakes: { label: number; verdict: DigitVerdict }[];
  /** The first test digit the library's verdict is unsure of, with the network's outputs. */
  unsure: { pixels: number[]; label: number; probabilities: number[] };
}
let expectedRun: Promise<Expected> | undefined;
function libraryRun(defaults: DemoDefaults, simd: SimdBuild): NonNullable<typeof expectedRun> {
  expectedRun ??= (async () => {
    const split = await loadMnist(MNIST_DIR, { trainSize: defaults.trainSize });
    const network = await Network.create({ layers: defaults.layers }, { init: { weights: 'scaled', biases: 'normal', seed: defaults.seed }, simd });
    const result = await train(network, split, { epochs: defaults.epochs, batchSize: defaults.batchSize, eta: defaults.eta, lambda: defaults.lambda, seed: defaults.seed, monitor: { train: false, test: false } });
    const outputs = network.predict(Float64Array.from(split.test.images.subarray(0, 1000 * 784), (v) => v / 255));
    const mistakes: Expected['mistakes'] = [];
    let unsure: Expected['unsure'] | undefined;
    for (let i = 0; i < 1000; i++) {
      const row = outputs.subarray(i * 10, (i + 1) * 10);
      const verdict = digitVerdict(row);
      if (verdict.digit !== split.test.labels[i] && mistakes.length < 12) mistakes.push({ label: split.test.labels[i], verdict });
      if (verdict.unsure) unsure ??= { pixels: [...split.test.images.subarray(i * 784, (i + 1) * 784)], label: split.test.labels[i], probabilities: [...row] };
    }
    assert.ok(unsure, 'a digit the network is unsure of among the first 1000');
    return { validation: result.metrics.map((m) => m.validationAccuracy as number), mistakes, unsure };
  })();
  return expectedRun;
}
async function pageDefaults(page: Page): Promise<DemoDefaults> {
  const value = async (id: string): Promise<string> => page.inputValue(`#${id}`);
  assert.equal(await value('activation'), 'sigmoid');
  assert.equal(await value('output-activation'), 'sigmoid');
  return {
    layers: (await value('layers')).split(',').map(Number),
    trainSize: Number(await value('train-size')),
    epochs: Number(await value('epochs')),
    batchSize: Number(await value('batch')),
    eta: Number(await value('eta')),
    lambda: Number(await value('lambda')),
    seed: Number(await value('seed')),
  };
}
let defaultSimd: SimdBuild | undefined;

/** Draws 28x28 test image `index` on the pad with the mouse: one stroke per run of ink in each pixel row. */
async function drawTestImage(page: Page, pixels: Uint8Array): Promise<void> {
  const box = (await page.locator('#pad').boundingBox()) as { x: number; y: number; width: number };
  const scale = box.width / 28;
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      if (pixels[y * 28 + x] < 128 || (x > 0 && pixels[y * 28 + x - 1] >= 128)) continue;
      let end = x;
      while (end + 1 < 28 && pixels[y * 28 + end + 1] >= 128) end++;
      await page.mouse.move(box.x + (x + 0.5) * scale, box.y + (y + 0.5) * scale);
      await page.mouse.down();
      await page.mouse.move(box.x + (end + 0.5) * scale, box.y + (y + 0.5) * scale, { steps: 2 });
      await page.mouse.up();
    }
  }
}

const boxesOf = (page: Page) => page.evaluate(() => ['setup', 'curves-section', 'draw-section', 'inside', 'pad', 'bars', 'weights', 'distorted', 'distorted-caption', 'mistakes'].map((id) => {
  const r = (document.getElementById(id) as HTMLElement).getBoundingClientRect();
  return `${id} ${r.x},${r.y},${r.width},${r.height}`;
}));

test('the default run (3 epochs on 10,000 images) shows what the library computes, live, without moving the page', async (t) => {
  const { page, errors } = await openDemo(server.url);
  assert.equal(await page.getAttribute('#engine', 'data-engine'), 'wasm');
  defaultSimd = (await page.getAttribute('#engine', 'data-simd')) as SimdBuild;
  assert.match(defaultSimd, /^(standard|relaxed)$/, 'a SIMD build of the core runs');
  const defaults = await pageDefaults(page);
  assert.deepEqual({ trainSize: defaults.trainSize, epochs: defaults.epochs }, { trainSize: 10_000, epochs: 3 });
  const expected = libraryRun(defaults, defaultSimd);
  await assertControls(page, 'idle');

  const before = await boxesOf(page);
  await page.evaluate(() => void ((window as unknown as { observed: Observed }).observed.layoutShifts.length = 0));
  await page.click('#train');
  await waitState(page, 'stopped', 180_000);
  await assertControls(page, 'stopped');
  assert.match((await page.textContent('#status')) as string, /^Done: 3 epochs/);
  assert.ok(server.requests.some((r) => r === 'data/train-images-idx3-ubyte.gz'), 'the page fetched the served MNIST');

  assert.deepEqual(await epochsShown(page), [1, 2, 3]);
  const { validation, mistakes, unsure } = await expected;
  assert.deepEqual(await validationShown(page), validation, 'every epoch to the last bit of the Node run');
  t.diagnostic(`validation accuracy by epoch, in the page and in Node: ${validation.map((v) => `${(100 * v).toFixed(2)}%`).join(', ')}`);
  assert.equal(await page.locator('#curves svg').count(), 1, 'the curves are drawn');
  const observed = await page.evaluate(() => (window as unknown as { observed: Observed }).observed);
  assert.deepEqual(observed.layoutShifts, [], 'nothing moved while the run filled the page');
  assert.deepEqual(await boxesOf(page), before);
  assert.deepEqual(observed.weightUpdates.map((u) => u.epoch), [0, 1, 2, 3], 'weight images at the start and after every epoch');
  assert.equal(new Set(observed.weightUpdates.map((u) => u.checksum)).size, 4, 'and they change every epoch');
  assert.match((await page.textContent('#weights-caption')) as string, /first 64 of the first layer's 192 units after 3 epochs/);

  // The misclassified digits are the first ones the Node network gets wrong; clicked, they read as in Node.
  const shown = await page.locator('.mistake span').allTextContents();
  assert.deepEqual(shown, mistakes.map((m) => `${m.label} → ${m.verdict.digit}`));
  for (const [i, mistake] of mistakes.slice(0, 4).entries()) {
    await page.locator('.mistake').nth(i).click();
    await page.locator('#truth', { hasText: `true label ${mistake.label}` }).waitFor({ timeout: 10_000 });
    const { digit, probability, unsure: doubtful, reason } = mistake.verdict;
    assert.equal(await page.getAttribute('#prediction', 'data-digit'), String(digit));
    assert.equal(await page.textContent('#confidence'), `${(100 * probability).toFixed(1)}%`);
    assert.equal(await page.isVisible('#unsure'), doubtful, `"unsure?" for ${probability}`);
    assert.equal(await page.getAttribute('#unsure', 'title'), reason ?? '');
  }
  // A test digit the network is unsure of (the Node run's outputs), shown as the worker shows a sample.
  await replyFromWorker(page, { type: 'sample', ...unsure });
  await page.locator('#truth', { hasText: `true label ${unsure.label}` }).waitFor({ timeout: 10_000 });
  const verdict = digitVerdict(unsure.probabilities);
  assert.equal(await page.textContent('#confidence'), `${(100 * verdict.probability).toFixed(1)}%`);
  assert.ok(await page.isVisible('#unsure'), `"unsure?" as digitVerdict says: ${verdict.reason}`);
  assert.equal(await page.getAttribute('#unsure', 'title'), verdict.reason, 'the reason on the marker');

  // Test image 2 (a 1), drawn with the mouse, is read as a 1; the bars stand beside the pad, in view.
  const { test: testSet } = await loadMnist(MNIST_DIR, { trainSize: 1 });
  await page.locator('#clear').click();
  await page.locator('#pad').scrollIntoViewIfNeeded();
  await drawTestImage(page, testSet.images.subarray(2 * 784, 3 * 784));
  await page.locator('#prediction[data-digit]').waitFor({ timeout: 10_000 });
  assert.equal(await page.getAttribute('#prediction', 'data-digit'), String(testSet.labels[2]));
  for (const height of [800, 1000]) {
    await page.setViewportSize({ width: 1280, height });
    if (height === 1000) await page.evaluate(() => window.scrollTo(0, 0));
    const [pad, bars] = await Promise.all([page.locator('#pad').boundingBox(), page.locator('#bars').boundingBox()]);
    assert.ok(pad && bars && bars.x >= pad.x + pad.width && bars.y >= pad.y && bars.y + bars.height <= Math.min(height, pad.y + pad.height + 1), `bars beside the pad at 1280x${height}`);
    assert.ok(pad.y >= 0 && pad.y + pad.height <= height, `the pad in view at 1280x${height}${height === 1000 ? ' without scrolling' : ''}`);
  }

  // Into the scratch folder unless SCREENSHOTS_DIR asks (SCREENSHOTS_DIR=docs refreshes the README's pictures).
  const shots = process.env.SCREENSHOTS_DIR ?? scratch;
  await mkdir(shots, { recursive: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(shots, 'web-demo.png') });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(shots, 'web-demo-phone.png'), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, 'nothing wider than a phone screen');
  assert.deepEqual(errors, []);
  await closeDemo(page);
});

test('cross-origin isolated, the demo trains with 2 threads (Web Workers over shared memory) to the same result', async () => {
  const { page, errors } = await openDemo(isolated.url);
  assert.equal(await page.evaluate(() => crossOriginIsolated), true);
  assert.equal(await page.getAttribute('#engine', 'data-simd'), defaultSimd);
  await page.fill('#epochs', '1');
  await page.fill('#threads', '2');
  await page.selectOption('#source', 'files');
  await trainOnPickedFiles(page);
  await waitState(page, 'stopped', 180_000);
  assert.equal(await page.getAttribute('#engine', 'data-threads'), '2');
  const { validation } = await (expectedRun as NonNullable<typeof expectedRun>);
  assert.deepEqual(await validationShown(page), validation.slice(0, 1), 'splitting rows across threads changes no sum');
  assert.deepEqual(errors, []);
  await closeDemo(page);
});

test('data picked as files; paused mid-epoch and resumed, the run goes on from there to the uninterrupted numbers', async () => {
  const { page, errors } = await openDemo(server.url);
  await page.selectOption('#source', 'files');
  await page.fill('#epochs', '2');
  await trainOnPickedFiles(page);
  await page.waitForFunction(() => document.body.dataset.state === 'training' && (document.getElementById('progress') as HTMLProgressElement).value > 0.3, undefined, { timeout: 120_000, polling: 5 });
  await page.click('#pause');
  // The worker pauses at its next look at the page's messages: in epoch 1, or 2 on a busy machine.
  await page.locator('#status', { hasText: /^Paused (in epoch [12] after \d+ of 10000 images|after epoch 1): Resume continues exactly here\.$/ }).waitFor({ timeout: 30_000 });
  await assertControls(page, 'paused');
  await page.click('#pause');
  await waitState(page, 'stopped', 180_000);
  assert.deepEqual(await epochsShown(page), [1, 2], 'no epoch twice');
  const { validation } = await (expectedRun as NonNullable<typeof expectedRun>);
  assert.deepEqual(await validationShown(page), validation.slice(0, 2));
  assert.deepEqual(errors, []);
  await closeDemo(page);
});

test('momentum, a cosine schedule, dropout and input dropout, paused mid-epoch and resumed: the library\'s numbers, and each epoch\'s eta', async (t) => {
  const { page, errors } = await openDemo(server.url);
  assert.equal(await page.isDisabled('#momentum'), true, 'plain SGD has no momentum to set');
  await page.selectOption('#optimizer', 'momentum');
  await page.fill('#momentum', '0.5');
  await page.selectOption('#schedule', 'cosine');
  await page.fill('#dropout', '0.2');
  await page.fill('#input-dropout', '0.1');
  await page.fill('#epochs', '3'); // 2.7 epochs left after the pause point: a loaded machine still pauses mid-run
  await page.selectOption('#source', 'files');
  const optimizer = validateOptimizer({ name: 'momentum', momentum: 0.5 });
  const schedule = validateSchedule({ name: 'cosine' });
  const expected = (async () => {
    const split = await loadMnist(MNIST_DIR, { trainSize: 10_000 });
    const network = await Network.create({ layers: [784, 192, 30, 10] }, { init: { weights: 'scaled', biases: 'normal', seed: 1 }, simd: defaultSimd });
    const options = { epochs: 3, batchSize: 10, eta: 0.5, lambda: 0, seed: 1, optimizer, schedule, regularization: { dropout: 0.2, inputDropout: 0.1 }, monitor: { train: false, test: false } };
    return (await train(network, split, options)).metrics;
  })();
  await trainOnPickedFiles(page);
  await page.waitForFunction(() => document.body.dataset.state === 'training' && (document.getElementById('progress') as HTMLProgressElement).value > 0.3, undefined, { timeout: 120_000, polling: 5 });
  await page.click('#pause');
  await waitState(page, 'paused');
  assert.equal(await page.isDisabled('#optimizer'), true, 'the learning settings are locked during a run');
  await page.click('#pause');
  await waitState(page, 'stopped', 180_000);
  const metrics = await expected;
  assert.deepEqual(await validationShown(page), metrics.map((m) => m.validationAccuracy), 'the moments, dropout masks and dropped inputs go on exactly after the pause');
  const etas = metrics.map((m) => etaForEpoch(0.5, schedule, m.epoch, 3));
  assert.deepEqual(metrics.map((m) => m.eta), etas);
  assert.deepEqual(await page.locator('#epochs-table td.eta').allTextContents(), etas.map((eta) => String(Number(eta.toPrecision(3)))));
  t.diagnostic(`momentum 0.5, cosine, dropout 0.2, input dropout 0.1: validation ${metrics.map((m) => `${(100 * (m.validationAccuracy as number)).toFixed(2)}%`).join(', ')} at eta ${etas.join(', ')}`);
  assert.deepEqual(errors, []);
  await closeDemo(page);
});

test('elastic distortions: the strip of distorted training digits is the core\'s gather, new every epoch; the library\'s numbers', async (t) => {
  const { page, errors } = await openDemo(server.url);
  await page.selectOption('#augment', 'elastic');
  await page.fill('#epochs', '2');
  const augment = validateAugment({ mode: 'elastic' });
  const expected = (async () => {
    const split = await loadMnist(MNIST_DIR, { trainSize: 10_000 });
    const network = await Network.create({ layers: [784, 192, 30, 10] }, { init: { weights: 'scaled', biases: 'normal', seed: 1 }, simd: defaultSimd });
    const { metrics } = await train(network, split, { epochs: 2, batchSize: 10, eta: 0.5, lambda: 0, seed: 1, augment, monitor: { train: false, test: false } });
    // What the strip must show in epoch e: the first 8 training digits through the core's gather, seeded 1000 + e.
    const core = await loadWasmCore(readWasmFromDisk, defaultSimd);
    const first = split.train.images.subarray(0, 8 * 784);
    const strips = [1, 2].map((epoch) => {
      const { inputs } = gatherTransformed(core, first, 784, { augment }, { augment: new Random(1000 + epoch).getState(), inputDropout: new Random(1001 + epoch).getState() });
      return Array.from({ length: 28 * 238 }, (_, k) => {
        const [y, x] = [Math.floor(k / 238), k % 238];
        const [digit, column] = [Math.floor(x / 30), x % 30];
        return column >= 28 ? 255 : 255 - Math.round(255 * Math.min(1, Math.max(0, inputs[digit * 784 + y * 28 + column])));
      });
    });
    return { metrics, strips };
  })();
  const before = await boxesOf(page);
  await page.evaluate(() => void ((window as unknown as { observed: Observed }).observed.layoutShifts.length = 0));
  await page.click('#train');
  await waitState(page, 'training');
  assert.equal(await page.isDisabled('#augment'), true, 'the distortions are locked during a run');
  await waitState(page, 'stopped', 180_000);
  const { metrics, strips } = await expected;
  assert.deepEqual(await validationShown(page), metrics.map((m) => m.validationAccuracy), 'elastic training in the page is the Node run, to the bit');
  const observed = await page.evaluate(() => (window as unknown as { observed: Observed }).observed);
  assert.deepEqual(observed.distortedUpdates.map((u) => u.epoch), [1, 2], 'a strip for each epoch as it starts');
  assert.notDeepEqual(observed.distortedUpdates[0].shades, observed.distortedUpdates[1].shades, 'new distortions every epoch');
  assert.ok(observed.distortedUpdates[0].shades.some((v) => v < 128), 'the strip shows ink');
  observed.distortedUpdates.forEach((u, i) => assert.deepEqual(u.shades, strips[i], `epoch ${u.epoch}: the core's gather, pixel for pixel`));
  assert.match((await page.textContent('#distorted-caption')) as string, /first 8 training digits as the core distorts them \(elastic\) in epoch 2/);
  assert.deepEqual(observed.layoutShifts, [], 'nothing moved while the strip was drawn');
  assert.deepEqual(await boxesOf(page), before);
  const shots = process.env.SCREENSHOTS_DIR ?? scratch;
  await page.locator('#inside').screenshot({ path: join(shots, 'web-demo-distortions.png') });
  t.diagnostic(`elastic: validation ${metrics.map((m) => `${(100 * (m.validationAccuracy as number)).toFixed(2)}%`).join(', ')}`);
  assert.deepEqual(errors, []);
  await closeDemo(page);
});

test('the controls follow the state machine through pause, stop, save, load, a failed Train and replies at odd moments', async () => {
  const { page, errors } = await openDemo(server.url);
  await page.fill('#epochs', '5');
  await page.selectOption('#source', 'files');
  await trainOnPickedFiles(page);
  await waitForProgress(page);
  await assertControls(page, 'training');
  await page.click('#pause');
  await waitState(page, 'paused');
  // Resume, and pause again once the first epoch is in.
  await page.click('#pause');
  await page.locator('.validation-accuracy').first().waitFor({ timeout: 120_000 });
  await page.click('#pause');
  await page.locator('#status', { hasText: /^Paused (in epoch [2-5]|after epoch [1-4])/ }).waitFor({ timeout: 30_000 });
  const savedEpochs = await epochsShown(page);
  // Stop while paused.
  await page.click('#stop');
  await assertControls(page, 'stopped');
  await page.locator('#status', { hasText: 'Stopped' }).waitFor({ timeout: 30_000 });
  const download = page.waitForEvent('download');
  await page.click('#save');
  const saved = join(scratch, 'saved.json');
  await (await download).saveAs(saved);
  const savedModel = parseModel(await readFile(saved, 'utf8'), saved);
  assert.equal(savedModel.training?.trainSize, 10_000, 'the file says how it was trained');
  assert.ok(savedModel.state && savedModel.state.batchesDone + savedModel.state.epochsDone > 0, 'and where the paused run was');

  // Train again from stopped, pressed twice: one fresh run from epoch 1; Stop it in its first epoch.
  const runs = Number(await page.getAttribute('body', 'data-run'));
  await page.dblclick('#train');
  await waitForProgress(page);
  assert.equal(Number(await page.getAttribute('body', 'data-run')), runs + 1, 'two presses, one run');
  assert.deepEqual(await epochsShown(page), [], 'the old table went with the old run');
  await page.click('#stop');
  await assertControls(page, 'stopped');

  // Load the saved model while stopped: its epochs come back.
  await page.setInputFiles('#load', saved);
  await page.locator('#status', { hasText: 'Loaded saved.json: layers 784, 192, 30, 10' }).waitFor({ timeout: 30_000 });
  await assertControls(page, 'stopped');
  assert.deepEqual(await epochsShown(page), savedEpochs);

  // A Train the worker refuses returns the page to idle with nothing of the old run left.
  await page.fill('#batch', '20000');
  await page.click('#train');
  await page.locator('#status', { hasText: 'batch size 20000 is larger than the 10000 training examples' }).waitFor({ timeout: 60_000 });
  await assertControls(page, 'idle');
  assert.deepEqual(await epochsShown(page), []);
  assert.equal(await page.locator('#curves svg').count(), 0);
  assert.equal(await page.locator('.mistake').count(), 0);
  await page.fill('#batch', '10');

  // Load from idle; then a failure reported while stopped.
  await page.setInputFiles('#load', saved);
  await waitState(page, 'stopped', 30_000);
  await replyFromWorker(page, { type: 'failed', message: 'injected failure' });
  await waitState(page, 'idle', 10_000);
  await assertControls(page, 'idle');

  // A run that ends on its own just as Pause was pressed is finished; a failure while paused returns to idle.
  await page.click('#train');
  await waitForProgress(page);
  await page.click('#pause');
  await replyFromWorker(page, { type: 'ended', reason: 'completed', epochsDone: 5, examplesDone: 0 });
  await waitState(page, 'stopped', 10_000);
  await page.locator('#status', { hasText: 'Done' }).waitFor({ timeout: 10_000 });
  await page.click('#train');
  await waitForProgress(page);
  await page.click('#pause');
  await replyFromWorker(page, { type: 'failed', message: 'injected failure' });
  await waitState(page, 'idle', 10_000);
  assert.equal(await page.textContent('#status'), 'injected failure');
  assert.deepEqual(errors, []);
  await closeDemo(page);
});

test('a worker that dies or whose data fails is reported in the page, in every state, and Train starts a new one', async () => {
  const { page, errors } = await openDemo(server.url);
  await page.fill('#epochs', '3');
  const crashedIn = async (state: DemoState): Promise<void> => {
    assert.equal(await stateOf(page), state);
    await crashWorker(page);
    await waitState(page, 'error', 10_000);
    await assertControls(page, 'error');
    assert.match((await page.textContent('#status')) as string, /^The training worker failed: .*injected crash.*Press Train to start a new one\.$/);
  };
  // A promise nothing awaited, rejected inside the worker, is reported too.
  await (await demoWorker(page)).evaluate(() => void Promise.reject(new Error('injected rejection')));
  await page.locator('#status[data-kind="error"]', { hasText: 'injected rejection' }).waitFor({ timeout: 10_000 });
  await assertControls(page, 'idle');
  await crashedIn('idle');
  // Hold the data in flight, so the new worker is still loading when it dies; then let a load fail.
  let release: () => void = () => {};
  let gate = new Promise<void>((resolve) => (release = resolve));
  let failData = false;
  await page.route('**/data/*.gz', async (route) => {
    await gate;
    await (failData ? route.fulfill({ status: 404, body: 'gone' }) : route.continue());
  });
  await page.click('#train');
  await waitState(page, 'loading', 10_000);
  await crashedIn('loading');
  failData = true;
  release();
  await page.click('#train');
  await page.locator('#status', { hasText: 'HTTP 404' }).waitFor({ timeout: 30_000 });
  await assertControls(page, 'idle');
  failData = false;

  await page.selectOption('#source', 'files');
  for (const state of ['training', 'paused', 'stopped'] as const) {
    // The files picked once are read again by each new worker.
    await (state === 'training' ? trainOnPickedFiles(page) : page.click('#train'));
    await waitForProgress(page);
    if (state !== 'training') await page.click(state === 'paused' ? '#pause' : '#stop');
    await crashedIn(state);
  }
  assert.deepEqual(errors, []);
  await closeDemo(page);
});

test('a gzip bomb picked as a data file ends in one line in the page, inflated no further than its header declares', async () => {
  const { page, errors } = await openDemo(server.url);
  // Declares 10 images of 28x28 (7,856 bytes) and inflates to 32 MB of zeros: about 32 kB to pick.
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x803, 0);
  [10, 28, 28].forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  const bomb = join(scratch, 'train-images-idx3-ubyte.gz');
  await writeFile(bomb, gzipSync(Buffer.concat([header, Buffer.alloc(32 * 2 ** 20)]), { level: 9 }));
  await page.selectOption('#source', 'files');
  const chooser = page.waitForEvent('filechooser');
  await page.click('#train');
  await (await chooser).setFiles([bomb, ...DEMO_MNIST.slice(1)]);
  await page.locator('#status', { hasText: 'train-images-idx3-ubyte.gz: inflates past the 7,856 bytes its header declares' }).waitFor({ timeout: 30_000 });
  await assertControls(page, 'idle');
  assert.deepEqual(errors, []);
  await closeDemo(page);
});

test('a picked model file is refused in the page unless it is at most 64 MB, a valid model, and fits MNIST', async () => {
  const { page, errors } = await openDemo(server.url);
  const model = (layers: number[], poison = false): string => {
    const spec = validateSpec({ layers });
    const layout = parameterLayout(layers);
    const parameters = initParameters(layout, { seed: 1 });
    if (poison) parameters[5] = Number.NaN;
    return serializeModel({ spec, layout, parameters, metrics: [] });
  };
  const cases: [string, string | number, string][] = [
    ['huge.json', 65 * 2 ** 20, 'huge.json: is 65.0 MB; model files over 64 MB are refused'],
    ['one-input.json', model([1, 65536]), 'one-input.json: the network takes 1 inputs but digit images (28x28) have 784 pixels'],
    ['half-input.json', model([392, 30, 10]), 'half-input.json: the network takes 392 inputs but digit images (28x28) have 784 pixels'],
    ['two-classes.json', model([784, 30, 2]), 'two-classes.json: the network has 2 output classes but the digits go up to 9 (10 classes)'],
    ['nan.json', model([784, 10], true), 'nan.json: parameter 5 is NaN: a model must hold finite numbers'],
    ['text.json', 'hello', 'text.json: not a model file: invalid JSON'],
  ];
  for (const [name, content, message] of cases) {
    const file = join(scratch, name);
    if (typeof content === 'number') {
      await writeFile(file, '');
      await truncate(file, content); // sparse: no disk used
    } else {
      await writeFile(file, content);
    }
    await page.setInputFiles('#load', file);
    await page.locator('#status[data-kind="error"]', { hasText: message }).waitFor({ timeout: 10_000 });
    await assertControls(page, 'idle');
  }
  assert.equal(await page.getAttribute('body', 'data-transitions'), '', 'none of them reached the worker');
  // The settings are held to the same rule before a Train reaches the worker.
  await page.fill('#layers', '100,30,10');
  await page.click('#train');
  await page.locator('#status', { hasText: 'the network takes 100 inputs but digit images (28x28) have 784 pixels' }).waitFor({ timeout: 10_000 });
  await assertControls(page, 'idle');
  assert.deepEqual(errors, []);
  await closeDemo(page);
});

test('every transition of the state machine was taken in Chromium', async () => {
  const table = STATES.flatMap((from) => Object.entries(TRANSITIONS[from]).map(([event, to]) => `${from}>${event}>${to}`));
  assert.deepEqual([...taken].filter((t) => !table.includes(t)), [], 'no transition outside the table');
  assert.deepEqual(table.filter((t) => !taken.has(t)), [], 'transitions never taken');
});
