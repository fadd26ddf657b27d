// `mnist-wasm export` and `import` as a user runs them (the files they write, a model that evaluates the same and
// trains further with --resume), and one line for every input we cannot use (checked through the library, whose
// error message is the CLI's line after "mnist-wasm: ", and through the CLI for one of each format).
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import protobuf from 'protobufjs/light.js';
import { Network } from '../src/engine/network.js';
import { ModelFormatError } from '../src/errors.js';
import { loadOnnx, loadTfjs, saveOnnx, saveTfjs } from '../src/interop/files-node.js';
import { ONNX_SCHEMA } from '../src/interop/onnx-schema.js';
import { loadModel, saveModel } from '../src/model/file-node.js';
import type { SavedModel } from '../src/model/file.js';
import { lastJson, MNIST_DIR, runCli } from './helpers.js';
import { trainFixture } from './interop-fixture.js';
import type { Fixture } from './interop-fixture.js';

let dir: string;
let fixture: Fixture;
let model: SavedModel;
const path = (name: string): string => join(dir, name);

before(async () => {
  fixture = await trainFixture();
  model = fixture.trained[0].model;
  dir = await mkdtemp(join(tmpdir(), 'mnist-interop-cli-'));
  await saveModel(path('m.json'), model);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Exit status 1 and exactly one line on stderr, which names the file and says what is wrong. */
async function oneLineError(args: string[], pattern: RegExp): Promise<void> {
  const { code, stderr } = await runCli(args);
  assert.equal(code, 1, stderr);
  assert.equal(stderr.trimEnd().split('\n').length, 1, stderr);
  assert.match(stderr.trimEnd(), pattern);
}

/** The library refuses with a ModelFormatError of one line; the CLI prints it after "mnist-wasm: ". */
async function refused(load: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(load, (error: unknown) => {
    assert.ok(error instanceof ModelFormatError, String(error));
    assert.ok(!error.message.includes('\n'), error.message);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('export and import', () => {
  test('export writes model.json + shards and an .onnx file; import gives a model that evaluates the same and trains on', async () => {
    const tfjs = await runCli(['export', '--model', path('m.json'), '--format', 'tfjs', '--out', path('tfjs')]);
    assert.equal(tfjs.code, 0, tfjs.stderr);
    assert.match(tfjs.stdout, /exported \[784, 30, 10\] sigmoid\/sigmoid as a TF\.js Layers model \(float32\): .*model\.json, .*group1-shard1of1\.bin/);
    const onnx = await runCli(['export', '--model', path('m.json'), '--format', 'onnx', '--dtype', 'float64', '--out', path('m.onnx')]);
    assert.equal(onnx.code, 0, onnx.stderr);
    assert.match(onnx.stdout, /as ONNX \(opset 13, float64\)/);

    for (const [source, out] of [[path('tfjs'), 'from-tfjs.json'], [path('m.onnx'), 'from-onnx.json']]) {
      const imported = await runCli(['import', source, '--out', path(out)]);
      assert.equal(imported.code, 0, imported.stderr);
      assert.match(imported.stdout, /imported \[784, 30, 10\] sigmoid\/sigmoid \(23860 parameters\)/);
    }
    const evaluate = async (file: string): Promise<number> => {
      const saved = await loadModel(path(file));
      const network = await Network.create(saved.spec, { parameters: saved.parameters });
      return network.evaluate(network.upload(fixture.data.test)).correct;
    };
    const original = await evaluate('m.json');
    assert.equal(await evaluate('from-onnx.json'), original, 'float64 ONNX is exact');
    assert.ok(Math.abs((await evaluate('from-tfjs.json')) - original) <= 2, 'float32 rounding moves at most a couple of test digits');

    const resumed = await runCli(['train', '--resume', path('from-tfjs.json'), '--data', MNIST_DIR, '--train-size', '2000', '--epochs', '1', '--no-monitor-train', '--save', path('more.json'), '--json']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.ok(lastJson<{ final: { testAccuracy: number } }>(resumed.stdout).final.testAccuracy > 0.8);
  });

  test('an earlier export or model file is not replaced without --force', async () => {
    await mkdir(path('again'), { recursive: true });
    assert.equal((await runCli(['export', '--model', path('m.json'), '--format', 'tfjs', '--out', path('again')])).code, 0);
    await oneLineError(['export', '--model', path('m.json'), '--format', 'tfjs', '--out', path('again')], /^mnist-wasm: .*again\/model\.json: already exists \(pass --force to replace it\)$/);
    assert.equal((await runCli(['export', '--model', path('m.json'), '--format', 'tfjs', '--out', path('again'), '--force'])).code, 0);
    await oneLineError(['import', path('again'), '--out', path('m.json')], /^mnist-wasm: .*m\.json: already exists/);
  });
});

test('export and import --out through a file, under /proc or where a file stands: one line, and no folder made before the model loads', async () => {
  await writeFile(path('a-file'), 'not a folder\n');
  await oneLineError(['export', '--model', path('m.json'), '--format', 'onnx', '--out', join(path('a-file'), 'm.onnx')], /^mnist-wasm: .*m\.onnx: \S+a-file is a file, not a folder$/);
  await oneLineError(['export', '--model', path('m.json'), '--format', 'tfjs', '--out', path('a-file')], /^mnist-wasm: .*a-file: is a file, not a folder$/);
  await oneLineError(['export', '--model', path('m.json'), '--format', 'onnx', '--out', '/proc/mnist-wasm-test/m.onnx'], /^mnist-wasm: \/proc\/mnist-wasm-test\/m\.onnx: cannot write into \/proc/);
  await oneLineError(['import', path('none.onnx'), '--out', join(path('a-file'), 'x', 'm.json')], /^mnist-wasm: .*m\.json: \S+a-file is a file, not a folder$/);
  await oneLineError(['export', '--model', path('typo.json'), '--format', 'tfjs', '--out', path('new/tfjs')], /^mnist-wasm: .*typo\.json: model file not found$/);
  assert.equal(await stat(path('new')).catch(() => undefined), undefined, 'no folder made for a model that did not load');
  const deep = await runCli(['export', '--model', path('m.json'), '--format', 'onnx', '--out', path('new/deeper/m.onnx')]);
  assert.equal(deep.code, 0, deep.stderr);
  assert.ok((await stat(path('new/deeper/m.onnx'))).isFile());
});

describe('inputs import cannot use: one line naming the file', () => {
  /** A TF.js folder made from our export with model.json edited. */
  async function tfjsVariant(name: string, edit: (doc: { modelTopology: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } } }) => void): Promise<string> {
    const out = path(name);
    await saveTfjs(out, model);
    const doc = JSON.parse(await readFile(join(out, 'model.json'), 'utf8'));
    edit(doc);
    await writeFile(join(out, 'model.json'), JSON.stringify(doc));
    return out;
  }

  test('TF.js: corrupt model.json, missing or short shards', async () => {
    const corrupt = await tfjsVariant('corrupt', () => undefined);
    await writeFile(join(corrupt, 'model.json'), '{"format": "layers-model", "modelTo');
    await oneLineError(['import', corrupt, '--out', path('out.json')], /^mnist-wasm: .*corrupt\/model\.json: not a TF\.js model: invalid JSON/);
    assert.equal(await stat(path('out.json')).catch(() => undefined), undefined, 'nothing written');
    const missing = await tfjsVariant('missing', () => undefined);
    await unlink(join(missing, 'group1-shard1of1.bin'));
    await refused(loadTfjs(missing), /missing\/group1-shard1of1\.bin: weight file listed in .*model\.json not found$/);
    const short = await tfjsVariant('short', () => undefined);
    await truncate(join(short, 'group1-shard1of1.bin'), 1000);
    await refused(loadTfjs(short), /short\/model\.json: the weight files group1-shard1of1\.bin hold 1000 bytes; the manifest lists 95440$/);
    await refused(loadTfjs(path('nowhere')), /nowhere\/model\.json: TF\.js model\.json not found$/);
  });

  test('TF.js: other layer types, activations and input shapes name the layer', async () => {
    const conv = await tfjsVariant('conv', (doc) => doc.modelTopology.config.layers.splice(1, 0, { class_name: 'Conv2D', config: { name: 'conv2d_1' } }));
    await refused(loadTfjs(conv), /conv\/model\.json: layer "conv2d_1" \(Conv2D\) cannot be represented: only Dense layers/);
    const tanh = await tfjsVariant('tanh', (doc) => (doc.modelTopology.config.layers[0].config.activation = 'tanh'));
    await refused(loadTfjs(tanh), /tanh\/model\.json: layer "dense_1": activation "tanh" is not supported/);
    const relu = await tfjsVariant('relu-out', (doc) => (doc.modelTopology.config.layers[1].config.activation = 'relu'));
    await refused(loadTfjs(relu), /relu-out\/model\.json: layer "dense_2": output activation "relu" is not supported \(sigmoid or softmax\)$/);
    const image = await tfjsVariant('image', (doc) => (doc.modelTopology.config.layers[0].config.batch_input_shape = [null, 28, 28]));
    await refused(loadTfjs(image), /image\/model\.json: layer "dense_1": input shape \[null,28,28\] is not supported: the model must take flat vectors \[null, N\]$/);
    const huge = await tfjsVariant('huge', (doc) => (doc.modelTopology.config.layers[0].config.units = 1e9));
    await refused(loadTfjs(huge), /huge\/model\.json: layer "dense_1": units 1000000000 is not supported/);
  });

  test('ONNX: not a model, or a graph we cannot map', async () => {
    await writeFile(path('junk.onnx'), 'this is not protobuf at all');
    await oneLineError(['import', path('junk.onnx'), '--out', path('out.json')], /^mnist-wasm: .*junk\.onnx: not an ONNX model/);
    await saveOnnx(path('tanh.onnx'), model);
    const ModelProto = protobuf.Root.fromJSON(ONNX_SCHEMA as protobuf.INamespace).lookupType('onnx.ModelProto');
    const onnx = ModelProto.decode(await readFile(path('tanh.onnx'))) as unknown as { graph: { node: { opType: string }[] } };
    onnx.graph.node[1].opType = 'Tanh';
    await writeFile(path('tanh.onnx'), ModelProto.encode(onnx as unknown as protobuf.Message).finish());
    await refused(loadOnnx(path('tanh.onnx')), /tanh\.onnx: node "dense_1\.sigmoid" \(Tanh\) cannot be mapped: only Gemm \(or MatMul \+ Add\) with Sigmoid, Relu or Softmax$/);
    await copyFile(path('m.json'), path('model-as.onnx'));
    await refused(loadOnnx(path('model-as.onnx')), /model-as\.onnx: not an ONNX model/);
  });
});
