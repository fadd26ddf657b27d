// `npm run train` runs this first: it builds only when a source is newer than what the build made (or that is missing).
import { execSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const mtime = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
};
const filesUnder = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));

const sources = [...filesUnder('assembly'), ...filesUnder('src'), ...filesUnder('bench').filter((f) => f.endsWith('.ts')), 'package.json', 'tsconfig.json', 'bench/tsconfig.json', 'asconfig.json'];
// Every release wasm the build makes (debug builds are not needed to train), and the CLI itself.
const targets = Object.values(JSON.parse(readFileSync('asconfig.json', 'utf8')).targets).filter((t) => !t.debug).map((t) => t.outFile);
const outputs = [...targets, 'dist/cli.js'];

const newestSource = Math.max(...sources.map((f) => mtime(f) ?? 0));
const builtAt = outputs.map(mtime);
if (builtAt.some((t) => t === undefined) || newestSource > Math.min(...builtAt)) {
  execSync('npm run build', { stdio: 'inherit' });
} else {
  process.stderr.write('mnist-wasm: build is up to date (skipped)\n');
}
