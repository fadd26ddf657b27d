// How often `mnist-wasm predict` reads the digits of scripts/synthetic-digits.mjs as their labels, per variant
// folder and model (the same images for every model). A reading counts when predict's guess is the label
// (one digit found, and it is the right one; an "unsure?" flag is not held against it); the last column counts
// the images whose ink predict split into several digits (always wrong here, whatever the model).
//   node scripts/synthetic-accuracy.mjs [--single] DIR MODEL.json [MODEL.json...]   (after `npm run build`)
// --single passes predict's --single: all the ink read as one digit, as the demo's pad reads it.
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';

const single = process.argv[2] === '--single';
const [dir, ...models] = process.argv.slice(single ? 3 : 2);
if (!dir || !models.length) throw new Error('usage: node scripts/synthetic-accuracy.mjs [--single] DIR MODEL.json [MODEL.json...]');
const cli = new URL('../dist/cli.js', import.meta.url).pathname;

/** predict's --json summary of one folder under one model. */
async function predictFolder(folder, model) {
  const { stdout } = await promisify(execFile)(process.execPath, [...process.execArgv, cli, 'predict', '--json', ...(single ? ['--single'] : []), '--model', model, folder], { maxBuffer: 1 << 28 })
    .catch((error) => error); // a file predict cannot read sets the exit code; its line is still in the summary
  return JSON.parse(stdout.trimEnd().split('\n').at(-1)).results;
}

process.stdout.write(`| variant | images | ${models.map((m) => basename(m)).join(' | ')} | read as several marks |\n|---|---:|${models.map(() => '---:|').join('')}---:|\n`);
for (const variant of (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
  const cells = [];
  let images = 0, several = 0;
  for (const model of models) {
    const results = await predictFolder(join(dir, variant), model);
    images = results.length;
    const right = results.filter((r) => r.guess === basename(r.file)[0]).length;
    cells.push(`${(100 * right / results.length).toFixed(1)}%`);
    // Segmentation does not depend on the model: the count is the same for every one.
    several = results.filter((r) => r.digits?.length > 1).length;
  }
  process.stdout.write(`| ${variant} | ${images} | ${cells.join(' | ')} | ${several} |\n`);
}
