// Seeded fuzzing of every reader: each mutated input is either a correct load or the reader's typed error.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataFormatError, ModelFormatError } from '../src/errors.js';
import { parseIdx, idxToDataset } from '../src/data/idx.js';
import { readIdxFile } from '../src/data/files.js';
import { Network } from '../src/engine/network.js';
import { parseCsv } from '../src/data/csv.js';
import { parseModel, serializeModel } from '../src/model/file.js';
import { initParameters } from '../src/model/init.js';
import { parameterLayout } from '../src/model/spec.js';
import { Random } from '../src/util/random.js';
import { idxBytes, spec } from './helpers.js';

const PER_KIND = 600;
const random = new Random(2024);

function mutate(input: Uint8Array, headerBytes: number): Uint8Array {
  let bytes = input.slice();
  const steps = 1 + random.below(3);
  for (let s = 0; s < steps; s++) {
    // Half of the mutations hit the header, where most of the checking is.
    const at = (limit: number): number => (random.below(2) === 0 ? random.below(Math.max(1, Math.min(headerBytes, limit))) : random.below(Math.max(1, limit)));
    switch (random.below(7)) {
      case 0: { const i = at(bytes.length); bytes[i] ^= 1 << random.below(8); break; }
      case 1: { bytes[at(bytes.length)] = [0, 255, random.below(256)][random.below(3)]; break; }
      case 2: bytes = bytes.slice(0, random.below(bytes.length + 1)); break;
      case 3: bytes = new Uint8Array([...bytes, ...new Uint8Array(1 + random.below(40)).map(() => random.below(256))]); break;
      case 4: { const i = at(bytes.length); bytes = new Uint8Array([...bytes.subarray(0, i), ...bytes.subarray(i + 1 + random.below(16))]); break; }
      case 5: { const i = at(bytes.length); const n = 1 + random.below(16); bytes = new Uint8Array([...bytes.subarray(0, i), ...bytes.subarray(i, i + n), ...bytes.subarray(i)]); break; }
      default: { const i = at(bytes.length); for (let k = i; k < Math.min(bytes.length, i + 4); k++) bytes[k] = random.below(256); }
    }
  }
  return bytes;
}

interface Tally { loaded: number; rejected: number }

async function check(kind: string, run: () => void | Promise<void>, expected: new (...args: never[]) => Error, tally: Tally, sample: Uint8Array): Promise<void> {
  try {
    await run();
    tally.loaded++;
  } catch (error) {
    if (!(error instanceof expected)) {
      assert.fail(`${kind}: ${String(error)} is not a ${expected.name} (input ${Buffer.from(sample.subarray(0, 48)).toString('hex')}...)`);
    }
    tally.rejected++;
  }
}

const images = idxBytes([12, 28, 28], new Uint8Array(12 * 784).map((_, i) => (i * 37) % 256));
const labels = idxBytes([12], new Uint8Array(12).map((_, i) => i % 10));
const csv = new TextEncoder().encode(['label,' + Array.from({ length: 784 }, (_, i) => `p${i}`).join(','), ...Array.from({ length: 5 }, (_, r) => [r, ...Array.from({ length: 784 }, (_, i) => (i * r) % 256)].join(','))].join('\n'));
const modelSpec = spec([16, 8, 4], { activation: 'relu', outputActivation: 'softmax' });
const layout = parameterLayout(modelSpec.layers);
const model = new TextEncoder().encode(serializeModel({ spec: modelSpec, layout, parameters: initParameters(layout, { seed: 1 }), metrics: [], state: { epochsDone: 1, batchesDone: 0, rngState: [1, 2, 3, 4] } }));

const scratch = mkdtempSync(join(tmpdir(), 'mnist-fuzz-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const gzFile = join(scratch, 'fuzz-labels.gz');
const store = (await Network.create({ layers: [12, 2] }, { engine: 'ts' })).byteStore;

const kinds: { name: string; input: Uint8Array; header: number; run: (bytes: Uint8Array) => void | Promise<void>; error: new (...args: never[]) => Error }[] = [
  {
    name: 'raw IDX images',
    input: images,
    header: 16,
    error: DataFormatError,
    run: (bytes) => {
      const tensor = parseIdx(bytes, 'fuzz-images');
      assert.equal(tensor.data.length, tensor.dims.reduce((a, b) => a * b, 1));
      idxToDataset(tensor, parseIdx(labels, 'labels'), 'fuzz-images', 'labels');
    },
  },
  {
    name: 'gzip IDX labels',
    input: gzipSync(labels),
    header: 24,
    error: DataFormatError,
    // Through the file reader the product uses: the streaming inflate that stops at the declared size, and the one
    // into an engine's memory (pako's), which must load the same bytes or fail too, in one line naming the file
    // (which of two faults is named first depends on where the chunks end, so the words may differ).
    run: async (bytes) => {
      writeFileSync(gzFile, bytes);
      const outcome = (read: Promise<{ data: Uint8Array }>): Promise<string> => read.then(
        (t) => `loaded ${[...t.data].join(',')}`,
        (e: Error) => (e instanceof DataFormatError && e.message.startsWith(`${gzFile}: `) && !e.message.includes('\n') ? 'refused in one line' : String(e)),
      );
      const [plain, stored] = await Promise.all([outcome(readIdxFile(gzFile)), outcome(readIdxFile(gzFile, store))]);
      assert.equal(stored, plain);
      const tensor = await readIdxFile(gzFile);
      assert.equal(tensor.data.length, tensor.dims.reduce((a, b) => a * b, 1));
    },
  },
  {
    name: 'CSV',
    input: csv,
    header: 400,
    error: DataFormatError,
    run: (bytes) => {
      const data = parseCsv(new TextDecoder().decode(bytes), 'fuzz.csv');
      assert.equal(data.images.length, data.count * data.inputSize);
    },
  },
  {
    name: 'model file',
    input: model,
    header: 600,
    error: ModelFormatError,
    run: (bytes) => {
      const loaded = parseModel(new TextDecoder().decode(bytes), 'fuzz.json');
      assert.equal(loaded.parameters.length, loaded.layout.size);
      assert.ok(loaded.parameters.every(Number.isFinite));
    },
  },
];

test(`fuzz: ${PER_KIND * kinds.length} mutated IDX, gzip, CSV and model inputs each load correctly or raise the typed error`, async (t) => {
  const started = performance.now();
  let total = 0;
  for (const kind of kinds) {
    const tally: Tally = { loaded: 0, rejected: 0 };
    for (let i = 0; i < PER_KIND; i++) {
      const sample = mutate(kind.input, kind.header);
      await check(kind.name, () => kind.run(sample), kind.error, tally, sample);
      total++;
    }
    t.diagnostic(`${kind.name}: ${tally.loaded} loaded, ${tally.rejected} rejected with ${kind.error.name}`);
    assert.ok(tally.rejected > PER_KIND / 4, `${kind.name}: the mutations reach the checks`);
  }
  t.diagnostic(`${total} inputs, 0 crashes, ${((performance.now() - started) / 1000).toFixed(1)} s`);
  assert.ok(total >= 2000);
});
