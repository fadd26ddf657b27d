// Recipes: named groups of train flags, expanded where --recipe stands, so that flags after it override them.
import { ConfigError } from '../errors.js';
import type { RecipeRecord } from '../model/file.js';

export interface Recipe {
  name: string;
  /** One line for train --help. */
  summary: string;
  /** Only flags that take a value (a later one replaces it) and apply to every optimizer and schedule. */
  flags: readonly string[];
}

/** Simard, Steinkraus and Platt's (2003) fully connected network: 800 hidden units, softmax, cross-entropy. */
const SIMARD_NETWORK = ['--layers', '784,800,10', '--activation', 'relu', '--output-activation', 'softmax', '--cost', 'cross-entropy', '--init', 'scaled', '--bias-init', 'zero'];
/** Chosen by validation accuracy in pilot runs (README, "Recipes"). */
const SIMARD_LEARNING = ['--optimizer', 'momentum', '--schedule', 'cosine', '--batch', '10', '--eta', '0.01', '--lambda', '0'];

export const RECIPES: readonly Recipe[] = [
  {
    name: 'assignment',
    summary: "today's defaults: [784,192,30,10] sigmoid, cross-entropy, plain SGD, eta 0.5, batch 10, 20 epochs",
    flags: ['--layers', '784,192,30,10', '--activation', 'sigmoid', '--output-activation', 'sigmoid', '--cost', 'cross-entropy', '--init', 'scaled', '--bias-init', 'normal',
      '--optimizer', 'sgd', '--schedule', 'constant', '--epochs', '20', '--batch', '10', '--eta', '0.5', '--lambda', '0', '--augment', 'none'],
  },
  {
    name: 'simard-plain',
    summary: 'Simard 2003: [784,800,10] relu/softmax, momentum, cosine eta, no distortions, 25 epochs',
    flags: [...SIMARD_NETWORK, ...SIMARD_LEARNING, '--epochs', '25', '--augment', 'none'],
  },
  {
    name: 'simard-affine',
    summary: 'Simard 2003: [784,800,10] relu/softmax, momentum, cosine eta, affine distortions, 25 epochs',
    flags: [...SIMARD_NETWORK, ...SIMARD_LEARNING, '--epochs', '25', '--augment', 'affine'],
  },
  {
    name: 'simard-elastic',
    summary: 'Simard 2003: [784,800,10] relu/softmax, momentum, cosine eta, elastic distortions (alpha 34, sigma 4), 50 epochs',
    flags: [...SIMARD_NETWORK, ...SIMARD_LEARNING, '--epochs', '50', '--augment', 'elastic', '--elastic-alpha', '34', '--elastic-sigma', '4'],
  },
  {
    name: 'best-canonical',
    summary: "the assignment's [784,192,30,10] sigmoid net at its best: softmax output, momentum, cosine eta, elastic distortions, 100 epochs",
    flags: ['--layers', '784,192,30,10', '--activation', 'sigmoid', '--output-activation', 'softmax', '--cost', 'cross-entropy', '--init', 'scaled', '--bias-init', 'zero',
      '--optimizer', 'momentum', '--schedule', 'cosine', '--batch', '10', '--eta', '0.05', '--lambda', '0', '--epochs', '100', '--augment', 'elastic'],
  },
];

export const RECIPE_NAMES = RECIPES.map((r) => r.name);

export function findRecipe(name: string): Recipe {
  const recipe = RECIPES.find((r) => r.name === name);
  if (!recipe) throw new ConfigError(`unknown recipe '${name}' (known: ${RECIPE_NAMES.join(', ')})`);
  return recipe;
}

/** What a model file records of a recipe. */
export function recipeRecord(name: string): RecipeRecord {
  const { flags } = findRecipe(name);
  return { name, flags: [...flags] };
}

/** The text train --help ends with: each recipe and its summary. */
export function recipesHelp(): string {
  const width = Math.max(...RECIPE_NAMES.map((n) => n.length));
  return ['', 'Recipes (--recipe NAME; flags after it override the recipe\'s):', ...RECIPES.map((r) => `  ${r.name.padEnd(width)}  ${r.summary}`)].join('\n');
}

/**
 * The arguments with the recipe's flags inserted right after its `--recipe NAME` (kept, so the run knows it).
 * Arguments after a `--` are not options and are left alone.
 */
export function expandRecipe(args: readonly string[]): string[] {
  const out: string[] = [];
  let recipe: Recipe | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      out.push(...args.slice(i));
      break;
    }
    const inline = arg.startsWith('--recipe=') ? arg.slice('--recipe='.length) : undefined;
    if (arg !== '--recipe' && inline === undefined) {
      out.push(arg);
      continue;
    }
    const name = inline ?? args[++i];
    if (name === undefined) throw new ConfigError(`--recipe needs a name (known: ${RECIPE_NAMES.join(', ')})`);
    if (recipe) throw new ConfigError(`--recipe is given twice (${recipe.name}, ${name}); give one and override its flags after it`);
    recipe = findRecipe(name);
    out.push('--recipe', name, ...recipe.flags);
  }
  return out;
}
