// The package as users get it: npm pack, install the tarball into a fresh project, use the CLI, the Node API,
// and a Vite-bundled page in headless Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MNIST_DIR, REPO_ROOT } from './helpers.js';
import { serveFolder } from './serve.js';
import { browserTest, watchErrors, withChromium } from './browser.js';

const execFileAsync = promisify(execFile);
/** Runs a command; npm and vite get five minutes, then they are killed and the test fails (never a hang). */
const run = (command: string, args: string[], options: { cwd?: string } = {}) => execFileAsync(command, args, { maxBuffer: 1 << 26, timeout: 5 * 60_000, ...options });
const project = await mkdtemp(join(tmpdir(), 'mnist-user-'));
const packed = await run('npm', ['pack', '--pack-destination', project, '--json'], { cwd: REPO_ROOT });
const tarball = join(project, (JSON.parse(packed.stdout) as { filename: string }[])[0].filename);
await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
const viteVersion = (JSON.parse(await readFile(join(REPO_ROOT, 'node_modules/vite/package.json'), 'utf8')) as { version: string }).version;
await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, `vite@${viteVersion}`], { cwd: project });

test('the tarball holds the built code, both wasm builds, types, README, LICENSE and CHANGELOG, and no sources or data', async () => {
  const listing = await run('tar', ['-tzf', tarball]);
  const files = listing.stdout.trim().split('\n').map((f) => f.replace(/^package\//, ''));
  for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/browser.js', 'dist/browser.d.ts', 'dist/cli.js', 'dist/bench/run.js', 'build/mnist.wasm', 'build/mnist-relaxed.wasm', 'README.md', 'LICENSE', 'CHANGELOG.md']) {
    assert.ok(files.includes(f), f);
  }
  assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('tests/') || f.startsWith('bench/') || f.startsWith('data/') || f.endsWith('.gz') || f.endsWith('.map')), files.join(' '));
});

test('npx mnist-wasm bench runs from the installed package (built from bench/), without TensorFlow.js there', async () => {
  const out = join(project, 'bench-results');
  const { stdout, stderr } = await run('npx', ['mnist-wasm', 'bench', '--data', MNIST_DIR, '--quick', '--json', '--out', out], { cwd: project });
  const summary = JSON.parse(stdout.trim().split('\n').pop() as string) as { epochSeconds: Record<string, number>; skipped: Record<string, string> };
  assert.ok(summary.epochSeconds['wasm standard SIMD'] > 0, stdout);
  assert.match(summary.skipped['tfjs-cpu'], /TensorFlow\.js is not installed/);
  assert.doesNotMatch(stderr, /tfjs-node/);
  assert.ok((await readdir(out)).includes('bench-latest.json'));
});

test('npx mnist-wasm train runs from the installed package', async () => {
  const { stdout } = await run('npx', ['mnist-wasm', 'train', '--data', MNIST_DIR, '--train-size', '2000', '--epochs', '1', '--json', '--no-progress'], { cwd: project });
  const summary = JSON.parse(stdout.trim().split('\n').pop() as string) as { epochs: { testAccuracy: number }[] };
  assert.equal(summary.epochs.length, 1);
  assert.ok(summary.epochs[0].testAccuracy > 0.5);
});

test('examples/node-train.mjs (also the README example) runs as written against the installed package', async () => {
  const example = await readFile(join(REPO_ROOT, 'examples/node-train.mjs'), 'utf8');
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  assert.ok(readme.includes(example), 'the README shows the example verbatim');
  await writeFile(join(project, 'node-train.mjs'), example);
  const { stdout } = await run('node', ['node-train.mjs', MNIST_DIR], { cwd: project });
  assert.match(stdout, /^engine wasm \((standard|relaxed) SIMD\), test accuracy 0\.\d+$/m);
  assert.match(stdout, /^first test image: label 7, predicted \d$/m);
});

browserTest('a page importing the package bundles with Vite, ships the .wasm, and trains in headless Chromium', async () => {
  await cp(join(REPO_ROOT, 'examples/browser'), join(project, 'page'), { recursive: true });
  await run('npx', ['vite', 'build', 'page', '--outDir', 'dist', '--emptyOutDir', '--logLevel', 'warn'], { cwd: project });
  const assets = await readdir(join(project, 'page/dist/assets'));
  assert.ok(assets.some((f) => /^mnist-[\w-]+\.wasm$/.test(f)), assets.join(' '));
  const server = await serveFolder(join(project, 'page/dist'));
  await withChromium(async (browser) => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(`${server.url}index.html`);
    const output = page.locator('#result[data-accuracy]');
    await output.waitFor({ timeout: 30_000 });
    assert.equal(await output.getAttribute('data-engine'), 'wasm');
    assert.match((await output.getAttribute('data-simd')) as string, /^(standard|relaxed)$/);
    assert.ok(Number(await output.getAttribute('data-accuracy')) > 0.9);
    assert.ok(server.requests.some((r) => r.endsWith('.wasm')), 'the page fetched a .wasm');
    assert.deepEqual(errors, []);
  });
});
