// train's flags for how the network learns: optimizer, learning-rate schedule, dropout, max-norm, best weights.
// Each value is checked by the rule a model file is checked by (model/learning.ts).
import { Option } from 'commander';
import { DEFAULT_GAMMA, DEFAULT_OPTIMIZER, DEFAULT_REGULARIZATION, DEFAULT_SCHEDULE, OPTIMIZER_NAMES, SCHEDULE_NAMES, validateOptimizer, validateRegularization, validateSchedule } from '../model/learning.js';
import { checkedNumber } from './options.js';

const optimizer = (key: 'momentum' | 'beta1' | 'beta2' | 'epsilon') => checkedNumber(key, (v) => validateOptimizer({ [key]: v }));
const schedule = (key: 'stepSize' | 'gamma' | 'etaMin' | 'warmup', what: string, integer = false) => checkedNumber(what, (v) => validateSchedule({ name: 'step', [key]: v }), integer);
const regularization = (key: 'dropout' | 'maxNorm', what: string) => checkedNumber(what, (v) => validateRegularization({ [key]: v }));

export const learningOptions = (): Option[] => [
  new Option('--optimizer <name>', 'update rule: sgd (plain mini-batch SGD), momentum, nesterov (both with L2 as weight decay), adam (with decoupled weight decay, AdamW)').choices([...OPTIMIZER_NAMES]).default(DEFAULT_OPTIMIZER.name),
  new Option('--momentum <mu>', 'momentum coefficient (momentum, nesterov)').argParser(optimizer('momentum')).default(DEFAULT_OPTIMIZER.momentum),
  new Option('--beta1 <b>', "decay of Adam's first moment (adam)").argParser(optimizer('beta1')).default(DEFAULT_OPTIMIZER.beta1),
  new Option('--beta2 <b>', "decay of Adam's second moment (adam)").argParser(optimizer('beta2')).default(DEFAULT_OPTIMIZER.beta2),
  new Option('--epsilon <e>', "added to the root of Adam's second moment (adam)").argParser(optimizer('epsilon')).default(DEFAULT_OPTIMIZER.epsilon),
  new Option('--schedule <name>', 'learning rate per epoch: constant, step (x gamma every step-size epochs), cosine (down to eta-min), exponential (x gamma per epoch)').choices([...SCHEDULE_NAMES]).default(DEFAULT_SCHEDULE.name),
  new Option('--step-size <k>', 'epochs between two steps of the rate (step)').argParser(schedule('stepSize', 'step size', true)).default(DEFAULT_SCHEDULE.stepSize),
  // No flag default: it depends on the schedule.
  new Option('--gamma <g>', `factor of the rate per step (step) or per epoch (exponential), in (0, 1] (default: ${DEFAULT_GAMMA.step} for step, ${DEFAULT_GAMMA.exponential} for exponential)`).argParser(schedule('gamma', 'gamma')),
  new Option('--eta-min <x>', 'the rate the cosine schedule ends near (cosine)').argParser(schedule('etaMin', 'eta-min')).default(DEFAULT_SCHEDULE.etaMin),
  new Option('--warmup <n>', 'epochs of linear warm-up before any schedule (epoch e of N at eta*e/(N+1))').argParser(schedule('warmup', 'warm-up', true)).default(DEFAULT_SCHEDULE.warmup),
  new Option('--dropout <p>', 'probability of dropping each hidden unit while training (inverted dropout; 0: off)').argParser(regularization('dropout', 'dropout')).default(DEFAULT_REGULARIZATION.dropout),
  new Option('--max-norm <c>', "largest L2 norm of each unit's incoming weights, clipped after every step (0: off)").argParser(regularization('maxNorm', 'max-norm')).default(DEFAULT_REGULARIZATION.maxNorm),
  new Option('--keep-best', "end with the best validation epoch's parameters (what --save writes), as --early-stop does"),
];
