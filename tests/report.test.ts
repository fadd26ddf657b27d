// The HTML report of a trained model opens in headless Chromium without errors, and its numbers add up.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MNIST_DIR, runCli } from './helpers.js';
import { browserTest as test, chromiumForFile, watchErrors } from './browser.js';

const dir = await mkdtemp(join(tmpdir(), 'mnist-report-'));
const browser = await chromiumForFile();

test('report writes a self-contained page: curves, a confusion matrix over all 10,000 test images, precision/recall, mistakes', async () => {
  const model = join(dir, 'model.json');
  const trained = await runCli(['train', '--data', MNIST_DIR, '--train-size', '3000', '--epochs', '2', '--no-progress', '--save', model, '--simd', 'standard']);
  assert.equal(trained.code, 0, trained.stderr);
  const out = join(dir, 'report');
  const run = await runCli(['report', '--model', model, '--data', MNIST_DIR, '--out', out]);
  assert.equal(run.code, 0, run.stderr);
  const evaluated = await runCli(['evaluate', '--model', model, '--data', MNIST_DIR, '--json']);
  const testAccuracy = JSON.parse(evaluated.stdout.trim().split('\n').pop() as string).testAccuracy as number;

  const page = await browser.newPage();
  const errors = watchErrors(page);
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(pathToFileURL(join(out, 'index.html')).href);
  const data = JSON.parse((await page.textContent('#report-data')) as string) as { confusion: number[][]; accuracy: number };
  const total = data.confusion.flat().reduce((a, b) => a + b, 0);
  assert.equal(total, 10_000);
  assert.equal(data.confusion.length, 10);
  const diagonal = data.confusion.reduce((sum, row, i) => sum + row[i], 0);
  assert.equal(diagonal / 10_000, data.accuracy);
  assert.equal(data.accuracy, testAccuracy, 'the report agrees with evaluate');
  assert.equal(await page.locator('#curves svg').count(), 1);
  assert.equal(await page.locator('#confusion svg').count(), 1);
  assert.equal(await page.locator('#per-class tbody tr').count(), 10);
  assert.equal(await page.locator('#gallery img').count(), 24);
  // The gallery images decode (naturalWidth > 0) and are the 28x28 digits scaled 3x.
  const widths = await page.$$eval('#gallery img', (images) => images.map((img) => (img as HTMLImageElement).naturalWidth));
  assert.ok(widths.every((w) => w === 84), JSON.stringify(widths));
  assert.deepEqual(errors, []);
  assert.deepEqual(requests.filter((url) => !url.startsWith('file:') && !url.startsWith('data:')), [], 'self-contained: no network requests');
  await page.screenshot({ path: join(dir, 'report.png'), fullPage: true });
});
