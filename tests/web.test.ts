// The browser demo end to end in real headless Chromium: the built page with real MNIST behind it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadMnist } from '../src/data/mnist.js';
import { MNIST_DIR, REPO_ROOT } from './helpers.js';
import { serveFolder } from './serve.js';
import { browserTest as test, chromiumForFile, watchErrors } from './browser.js';

await promisify(execFile)('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: REPO_ROOT, maxBuffer: 1 << 26 });
const server = await serveFolder(join(REPO_ROOT, 'web/dist'), { mounts: { 'data/': MNIST_DIR } });
// The same site, cross-origin isolated: shared memory, so the engine can use worker threads.
const isolated = await serveFolder(join(REPO_ROOT, 'web/dist'), {
  mounts: { 'data/': MNIST_DIR },
  headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
});
const browser = await chromiumForFile();
let oneThreadAccuracy: number | undefined;
const { test: testSet } = await loadMnist(MNIST_DIR);

test('the demo trains one epoch on 10,000 images in a worker, then reads a digit drawn with the mouse', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  const errors = watchErrors(page);
  await page.goto(`${server.url}index.html`);

  const engine = page.locator('#engine[data-engine]');
  await engine.waitFor({ timeout: 30_000 });
  assert.equal(await engine.getAttribute('data-engine'), 'wasm');
  assert.match((await engine.getAttribute('data-simd')) as string, /^(standard|relaxed)$/, 'a SIMD build of the core runs');

  await page.fill('#train-size', '10000');
  await page.fill('#epochs', '1');
  await page.click('#train');
  await page.locator('#status[data-done="true"]').waitFor({ timeout: 180_000 });
  const accuracy = Number(await page.locator('.validation-accuracy').first().getAttribute('data-value'));
  assert.ok(accuracy >= 0.9, `validation accuracy ${accuracy}`);
  oneThreadAccuracy = accuracy;
  assert.ok(server.requests.some((r) => r === 'data/train-images-idx3-ubyte.gz'), 'the page fetched the served MNIST');
  assert.equal(await page.locator('#curves svg').count(), 1, 'the curves are drawn');

  // Draw test image 2 (a 1) with the mouse: one stroke per run of ink in each pixel row, 10 canvas px per pixel.
  const index = 2;
  const pixels = testSet.images.subarray(index * 784, (index + 1) * 784);
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
  await page.waitForTimeout(500);
  assert.equal(await page.locator('#prediction').getAttribute('data-digit'), String(testSet.labels[index]));
  assert.equal(await page.locator('#bars .bar').count(), 10);

  await mkdir(join(REPO_ROOT, 'test-artifacts'), { recursive: true });
  await page.screenshot({ path: join(REPO_ROOT, 'test-artifacts/web-demo.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test('cross-origin isolated, the demo trains with 2 threads (Web Workers over shared memory) to the same result', async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(`${isolated.url}index.html`);
  assert.equal(await page.evaluate(() => crossOriginIsolated), true);
  await page.locator('#engine[data-engine]').waitFor({ timeout: 30_000 });
  await page.fill('#train-size', '10000');
  await page.fill('#epochs', '1');
  await page.fill('#threads', '2');
  await page.click('#train');
  await page.locator('#status[data-done="true"]').waitFor({ timeout: 180_000 });
  assert.equal(await page.locator('#engine').getAttribute('data-threads'), '2');
  const accuracy = Number(await page.locator('.validation-accuracy').first().getAttribute('data-value'));
  assert.equal(accuracy, oneThreadAccuracy, 'splitting rows across threads changes no sum');
  assert.deepEqual(errors, []);
});

test('data picked as files; pause then resume ends exactly where an uninterrupted run does', async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(`${server.url}index.html`);
  await page.locator('#engine[data-engine]').waitFor({ timeout: 30_000 });
  await page.selectOption('#source', 'files');
  await page.fill('#train-size', '30000');
  await page.fill('#epochs', '2');
  await page.fill('#seed', '5');
  const chooser = page.waitForEvent('filechooser');
  await page.click('#train');
  const files = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
  await (await chooser).setFiles(files.map((f) => join(MNIST_DIR, f)));
  // Pause in the middle of the second epoch, then resume.
  await page.waitForFunction(() => document.querySelectorAll('.validation-accuracy').length === 1 && (document.getElementById('progress') as HTMLProgressElement).value > 0.3, undefined, { timeout: 120_000, polling: 5 });
  await page.click('#pause');
  await page.locator('#status', { hasText: 'Paused' }).waitFor({ timeout: 30_000 });
  await page.click('#pause');
  await page.locator('#status[data-done="true"]').waitFor({ timeout: 180_000 });
  const resumed = await page.locator('.validation-accuracy').nth(1).getAttribute('data-value');

  // The same settings again, without interruption, in the same page.
  await page.evaluate(() => delete (document.getElementById('status') as HTMLElement).dataset.done);
  await page.click('#train');
  await page.locator('#status[data-done="true"]').waitFor({ timeout: 180_000 });
  assert.equal(await page.locator('.validation-accuracy').count(), 2);
  assert.equal(await page.locator('.validation-accuracy').nth(1).getAttribute('data-value'), resumed);
  assert.deepEqual(errors, []);
});
