// The host side of the optimizers beyond fused SGD: their moment buffers in engine memory (the layout of the
// parameters), the step count, and the kernel step each layer's update is.
import { ConfigError } from '../errors.js';
import type { AugmentSettings } from '../model/augment.js';
import { MOMENT_COUNT, validateOptimizer, validateRegularization } from '../model/learning.js';
import type { OptimizerSettings, OptimizerState } from '../model/learning.js';
import type { Arena } from './arena.js';
import type { LayerPointers, NetworkPointers } from './pointers.js';
import type { ThreadStep } from './threads.js';

/** How a network learns besides the eta of each step: the optimizer, hidden-layer dropout and max-norm. */
export interface LearningOptions {
  /** The update rule and its constants (default: plain SGD, the fused step). */
  optimizer?: Partial<OptimizerSettings>;
  /** Probability of dropping each hidden unit while training (inverted dropout; 0: off). */
  dropout?: number;
  /** Largest L2 norm of each unit's incoming weights, enforced after every step (0: off). */
  maxNorm?: number;
  /** Distortions of each training example (default none) and input pixel dropout (default 0): see augment-record.ts. */
  augment?: AugmentSettings;
  inputDropout?: number;
}

export interface Learning {
  optimizer: OptimizerSettings;
  dropout: number;
  maxNorm: number;
}

export function validateLearning(options: LearningOptions): Learning {
  const { dropout, maxNorm } = validateRegularization({ dropout: options.dropout, maxNorm: options.maxNorm });
  return { optimizer: validateOptimizer(options.optimizer), dropout, maxNorm };
}

/** One step's eta, and the L2 strength lambda over the training set size n. */
export interface OptimizerStep {
  eta: number;
  lambda: number;
  trainingSize: number;
}

export class Optimizer {
  settings: OptimizerSettings;
  /** Steps taken (Adam's bias correction uses it). */
  steps = 0;
  /** Byte pointers of the moment buffers, allocated as first needed and reused. */
  private readonly buffers: number[] = [];
  private readonly arena: Arena;
  private readonly pointers: NetworkPointers;

  constructor(arena: Arena, pointers: NetworkPointers, settings: OptimizerSettings) {
    this.arena = arena;
    this.pointers = pointers;
    this.settings = settings;
    this.reset(settings);
  }

  /** Switches to `settings`; another rule starts from zero moments and step 0, the same rule keeps its state. */
  reset(settings: OptimizerSettings, keep = settings.name === this.settings.name): void {
    this.settings = settings;
    while (this.buffers.length < MOMENT_COUNT[settings.name]) this.buffers.push(this.arena.alloc(this.pointers.size * 8));
    if (keep) return;
    this.steps = 0;
    for (const at of this.moments()) this.arena.f64.fill(0, at >> 3, (at >> 3) + this.pointers.size);
  }

  private moments(): number[] {
    return this.buffers.slice(0, MOMENT_COUNT[this.settings.name]);
  }

  getState(): OptimizerState {
    const { size } = this.pointers;
    return { step: this.steps, moments: this.moments().map((at) => this.arena.f64.slice(at >> 3, (at >> 3) + size)) };
  }

  /** Restores a saved state: its moments must be the rule's count, each the size of the parameters, all finite. */
  setState(state: OptimizerState): void {
    const { name } = this.settings;
    const { size } = this.pointers;
    const count = MOMENT_COUNT[name];
    if (!Number.isSafeInteger(state.step) || state.step < 0) throw new ConfigError(`optimizer state: the step count must be a whole number >= 0 (got ${state.step})`);
    if (!Array.isArray(state.moments) || state.moments.length !== count) {
      throw new ConfigError(`optimizer state: ${name} keeps ${count} moment buffer${count === 1 ? '' : 's'}, got ${Array.isArray(state.moments) ? state.moments.length : 'none'}`);
    }
    state.moments.forEach((moment, i) => {
      if (!(moment instanceof Float64Array) || moment.length !== size) throw new ConfigError(`optimizer state: moment ${i + 1} must hold ${size} values (one per parameter), got ${moment?.length ?? 'none'}`);
      if (!moment.every(Number.isFinite)) throw new ConfigError(`optimizer state: moment ${i + 1} holds a NaN or Infinity`);
    });
    this.moments().forEach((at, i) => this.arena.f64.set(state.moments[i], at >> 3));
    this.steps = state.step;
  }

  /** The kernel step that updates one layer (max-norm included) from the mean gradient; counts the step first. */
  layerSteps(step: OptimizerStep, maxNorm: number): (layer: LayerPointers) => ThreadStep {
    const { settings } = this;
    const t = ++this.steps;
    const { parameters, gradient } = this.pointers;
    const [first, second] = this.moments().map((at) => at - parameters);
    const gradientOffset = gradient - parameters;
    const perExample = step.lambda / step.trainingSize;
    if (settings.name === 'momentum' || settings.name === 'nesterov') {
      const nesterov = settings.name === 'nesterov' ? 1 : 0;
      return (layer) => ({ op: 'momentumRows', args: [layer.weights, layer.biases, gradientOffset, first, layer.inputs, step.eta, settings.momentum, perExample, nesterov, maxNorm] });
    }
    if (settings.name === 'adam') {
      // Adam's bias corrections: m / (1 - beta1^t) folded into the step, sqrt(v / (1 - beta2^t)) as sqrt(v) times a constant.
      const stepSize = step.eta / (1 - settings.beta1 ** t);
      const rootCorrection = 1 / Math.sqrt(1 - settings.beta2 ** t);
      const decay = 1 - step.eta * perExample;
      return (layer) => ({ op: 'adamRows', args: [layer.weights, layer.biases, gradientOffset, first, second, layer.inputs, stepSize, settings.beta1, settings.beta2, settings.epsilon, rootCorrection, decay, maxNorm] });
    }
    throw new Error(`${settings.name} is the fused step: it has no separate update`);
  }
}
