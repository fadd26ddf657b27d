// train --recipe: the flags a recipe expands to, where they stand among the others, --help, the model file, resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandRecipe, findRecipe, RECIPE_NAMES, RECIPES } from '../src/cli/recipes.js';
import { trainCommand } from '../src/cli/train.js';
import { resolveTrainConfig } from '../src/cli/train-config.js';
import type { TrainFlags, TrainSettings } from '../src/cli/train-config.js';
import { ConfigError } from '../src/errors.js';
import { parseModel, serializeModel } from '../src/model/file.js';
import { loadModel } from '../src/model/file-node.js';
import { MNIST_DIR, runCli } from './helpers.js';

const dir = await mkdtemp(join(tmpdir(), 'mnist-recipes-'));

/** The settings train would run with for these arguments, parsed by train's own command (its action replaced). */
async function settingsFor(args: string[]): Promise<TrainSettings> {
  const command = trainCommand().exitOverride().action(() => undefined);
  await command.parseAsync(args, { from: 'user' });
  return resolveTrainConfig(command.opts<TrainFlags>(), (flag) => command.getOptionValueSource(flag));
}

test('a recipe expands where it stands: flags after it override it, flags before it are overridden', async () => {
  const after = await settingsFor(['--recipe', 'simard-elastic', '--eta', '0.2', '--augment', 'both']);
  assert.deepEqual(after.spec, { layers: [784, 800, 10], activation: 'relu', outputActivation: 'softmax', cost: 'cross-entropy' });
  assert.equal(after.eta, 0.2);
  assert.equal(after.augment.mode, 'both');
  assert.equal(after.optimizer.name, 'momentum');
  assert.equal(after.schedule.name, 'cosine');
  assert.deepEqual(after.recipe, { name: 'simard-elastic', flags: [...findRecipe('simard-elastic').flags] });

  const before = await settingsFor(['--eta', '0.2', '--layers', '784,30,10', '--recipe=simard-elastic']);
  assert.equal(before.eta, 0.01);
  assert.deepEqual(before.spec.layers, [784, 800, 10]);
  assert.equal(before.augment.mode, 'elastic');
});

test("assignment is today's defaults and every recipe's flags parse to checked settings", async () => {
  const defaults = await settingsFor([]);
  const { recipe, ...assignment } = await settingsFor(['--recipe', 'assignment']);
  assert.equal(recipe?.name, 'assignment');
  assert.deepEqual(assignment, defaults);
  assert.equal(defaults.recipe, undefined);
  for (const name of RECIPE_NAMES) {
    const settings = await settingsFor(['--recipe', name]);
    assert.equal(settings.recipe?.name, name);
    // Only flags with a value, as pairs: a later flag replaces each one (a bare switch could not be undone).
    findRecipe(name).flags.forEach((word, i) => assert.equal(word.startsWith('--'), i % 2 === 0, `${name}: ${word}`));
  }
});

test('an unknown, missing or repeated recipe is refused in one line naming the known ones', async () => {
  assert.throws(() => expandRecipe(['--recipe', 'simard']), (error: unknown) => error instanceof ConfigError && error.message === `unknown recipe 'simard' (known: ${RECIPE_NAMES.join(', ')})`);
  assert.throws(() => expandRecipe(['--recipe']), /--recipe needs a name \(known: assignment,/);
  assert.throws(() => expandRecipe(['--recipe', 'assignment', '--recipe', 'simard-plain']), /--recipe is given twice/);
  // After "--" nothing is an option.
  assert.deepEqual(expandRecipe(['--', '--recipe', 'nope']), ['--', '--recipe', 'nope']);

  const run = await runCli(['train', '--recipe', 'simard', '--data', MNIST_DIR]);
  assert.equal(run.code, 1);
  assert.equal(run.stderr, `mnist-wasm: unknown recipe 'simard' (known: ${RECIPE_NAMES.join(', ')})\n`);
  assert.equal(run.stdout, '');
});

test('train --help lists every recipe with its one-line summary and says later flags override', async () => {
  const run = await runCli(['train', '--help']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /--recipe <name>/);
  assert.match(run.stdout, /flags after it override it/);
  for (const recipe of RECIPES) assert.match(run.stdout, new RegExp(`^  ${recipe.name} +${recipe.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
});

test('the model file records the recipe and its flags; --resume keeps them and continues exactly', async () => {
  // simard-plain's settings on a small network and data set, so the test stays quick; --epochs 2 then 1 + 1.
  const small = ['--recipe', 'simard-plain', '--layers', '784,30,10', '--data', MNIST_DIR, '--train-size', '300', '--simd', 'standard', '--no-progress', '--no-monitor-train', '--no-monitor-test'];
  const straight = join(dir, 'straight.json');
  const first = join(dir, 'first.json');
  const resumed = join(dir, 'resumed.json');
  assert.equal((await runCli(['train', ...small, '--epochs', '2', '--save', straight])).code, 0);
  const one = await runCli(['train', ...small, '--epochs', '1', '--save', first]);
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /momentum 0\.9, cosine eta down to 0, recipe simard-plain$/m);
  const saved = await loadModel(first);
  assert.deepEqual(saved.training?.recipe, { name: 'simard-plain', flags: [...findRecipe('simard-plain').flags] });
  assert.deepEqual(saved.spec.layers, [784, 30, 10]);

  const again = await runCli(['train', '--resume', first, '--epochs', '2', '--data', MNIST_DIR, '--no-progress', '--save', resumed]);
  assert.equal(again.code, 0, again.stderr);
  const [a, b] = [await loadModel(straight), await loadModel(resumed)];
  assert.deepEqual(b.training?.recipe, saved.training?.recipe);
  assert.equal(b.training?.schedule?.name, 'cosine');
  assert.equal(b.training?.optimizer?.name, 'momentum');
  assert.deepEqual(b.parameters, a.parameters);
});

test('a recorded recipe round-trips through the model file and a malformed one is refused', async () => {
  const model = await loadModel(join(dir, 'first.json'));
  assert.deepEqual(parseModel(serializeModel(model), 'x.json').training?.recipe, model.training?.recipe);
  const doc = JSON.parse(serializeModel(model)) as { training: Record<string, unknown> };
  for (const [bad, reason] of [
    [{ name: 'Simard!', flags: [] }, /"recipe\.name" must be/],
    [{ name: 'simard-plain', flags: ['--eta', 3] }, /"recipe\.flags" must be a list/],
    [{ name: 'simard-plain', flags: ['\u0007'] }, /"recipe\.flags" must be a list/],
    ['simard-plain', /"recipe" must be an object/],
  ] as const) {
    doc.training.recipe = bad;
    assert.throws(() => parseModel(JSON.stringify(doc), 'x.json'), (error: unknown) => error instanceof Error && reason.test(error.message) && error.message.startsWith('x.json: invalid training settings: '));
  }
});
