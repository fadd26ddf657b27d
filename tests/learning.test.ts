// The learning-rate schedules and the checks of optimizer, schedule and regularisation settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etaForEpoch, validateOptimizer, validateRegularization, validateSchedule } from '../src/model/learning.js';

const rates = (schedule: Parameters<typeof validateSchedule>[0], epochs: number, eta = 1): number[] =>
  Array.from({ length: epochs }, (_, i) => etaForEpoch(eta, validateSchedule(schedule), i + 1, epochs));

test('schedules give the documented rate per epoch', () => {
  assert.deepEqual(rates({ name: 'constant' }, 3, 0.5), [0.5, 0.5, 0.5]);
  assert.deepEqual(rates({ name: 'step', stepSize: 2, gamma: 0.5 }, 5), [1, 1, 0.5, 0.5, 0.25]);
  assert.deepEqual(rates({ name: 'exponential', gamma: 0.5 }, 3), [1, 0.5, 0.25]);
  const cosine = rates({ name: 'cosine', etaMin: 0.1 }, 4);
  assert.equal(cosine[0], 1);
  assert.ok(Math.abs(cosine[2] - 0.55) < 1e-15, `half-way is the mean of eta and eta-min: ${cosine[2]}`);
  assert.ok(cosine.every((v, i) => i === 0 || v < cosine[i - 1]), 'cosine falls every epoch');
  assert.deepEqual(rates({ name: 'step', stepSize: 1, gamma: 0.5, warmup: 3 }, 5), [0.25, 0.5, 0.75, 1, 0.5]);
});

test('defaults: sgd, constant rate, no dropout or max-norm; gamma defaults by schedule', () => {
  assert.deepEqual(validateOptimizer(), { name: 'sgd', momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
  assert.equal(validateSchedule({ name: 'step' }).gamma, 0.1);
  assert.equal(validateSchedule({ name: 'exponential' }).gamma, 0.9);
  assert.deepEqual(validateRegularization({ dropout: undefined }), { dropout: 0, inputDropout: 0, maxNorm: 0 });
});

test('bad settings are refused with one line naming the setting', () => {
  assert.throws(() => validateOptimizer({ name: 'rmsprop' as never }), /^ConfigError: optimizer must be one of sgd, momentum, nesterov, adam \(got "rmsprop"\)$/);
  assert.throws(() => validateOptimizer({ momentum: 1 }), /momentum must be at least 0 and below 1 \(got 1\)/);
  assert.throws(() => validateOptimizer({ epsilon: 0 }), /epsilon must be a positive number/);
  assert.throws(() => validateSchedule({ name: 'step', stepSize: 0 }), /step size must be a positive whole number/);
  assert.throws(() => validateSchedule({ gamma: 1.5 }), /gamma must be above 0 and at most 1/);
  assert.throws(() => validateSchedule({ warmup: -1 }), /warm-up must be a whole number/);
  assert.throws(() => validateRegularization({ dropout: 1 }), /dropout must be at least 0 and below 1 \(got 1\)/);
  assert.throws(() => validateRegularization({ maxNorm: -2 }), /max-norm must be zero \(off\) or positive/);
});
