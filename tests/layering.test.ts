// The source reads top-down: a room imports only from rooms below it (the errors, then util, at the bottom, the
// entries at the top), never from one above it or beside it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO_ROOT } from './helpers.js';

/** Each room's level; a file may import its own room or rooms of a lower level. */
const LEVELS: Record<string, number> = {
  'errors.ts': 0,
  util: 1,
  data: 2,
  image: 2,
  model: 2,
  engine: 3,
  train: 4,
  interop: 4,
  plot: 5,
  report: 6,
  bench: 7,
  cli: 8,
  'common.ts': 9,
  'index.ts': 10,
  'browser.ts': 10,
  'infer.ts': 10,
  'cli.ts': 10,
};

/** The room of a path relative to the repository: the folder (or .ts file) under src/, or a top-level folder. */
function roomOf(path: string): string {
  const parts = path.split(/[\\/]/);
  if (parts[0] !== 'src') return parts[0];
  return parts.length === 2 ? parts[1].replace(/\.js$/, '.ts') : parts[1];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Relative import specifiers of a module: static imports, re-exports and dynamic import() of string literals. */
export function relativeImports(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*(?:\/\*.*?\*\/\s*)?|^\s*import\s+)['"](\.[^'"]+)['"]/gm)) found.push(match[1]);
  return found;
}

/** Every import that goes up or sideways, as "from -> to (room level -> room level)"; paths relative to the repository. */
export function upwardImports(modules: { path: string; source: string }[]): string[] {
  const wrong: string[] = [];
  for (const { path, source } of modules) {
    const room = roomOf(path);
    for (const specifier of relativeImports(source)) {
      const to = relative(REPO_ROOT, resolve(REPO_ROOT, dirname(path), specifier));
      const target = roomOf(to);
      if (target === room) continue;
      const [a, b] = [LEVELS[room], LEVELS[target]];
      if (a === undefined || b === undefined || b >= a) wrong.push(`${path} -> ${to} (${room} ${a ?? '?'} -> ${target} ${b ?? '?'})`);
    }
  }
  return wrong;
}

test('the import scanner sees static, re-exported and dynamic imports', () => {
  const source = "import { a } from './a.js';\nexport type { B } from '../b.js';\nimport './side.js';\nconst m = await import(/* @vite-ignore */ './c.js');\nimport x from 'node:fs';";
  assert.deepEqual(relativeImports(source), ['./a.js', '../b.js', './side.js', './c.js']);
});

test('the rule flags an upward import (model -> train), a sideways one (data -> model) and an unknown room', () => {
  const wrong = upwardImports([
    { path: 'src/model/file.ts', source: "import type { TrainerState } from '../train/trainer.js';\nimport { crc32 } from '../util/bytes.js';" },
    { path: 'src/data/mnist.ts', source: "import { Random } from '../model/init.js';" },
    { path: 'src/engine/network.ts', source: "import { x } from '../gadgets/x.js';\nimport { Network } from './network.js';" },
  ]);
  assert.deepEqual(wrong, [
    'src/model/file.ts -> src/train/trainer.js (model 2 -> train 4)',
    'src/data/mnist.ts -> src/model/init.js (data 2 -> model 2)',
    'src/engine/network.ts -> src/gadgets/x.js (engine 3 -> gadgets ?)',
  ]);
});

test('no module under src/ imports from a room above or beside its own', () => {
  const files = sourceFiles(join(REPO_ROOT, 'src'));
  assert.ok(files.length > 40, `found only ${files.length} source files`);
  assert.deepEqual(upwardImports(files.map((file) => ({ path: relative(REPO_ROOT, file), source: readFileSync(file, 'utf8') }))), []);
});
