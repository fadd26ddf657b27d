// The demo's one state machine: every control's state is derived from where it is, never set on its own.
//
//   idle, stopped --train, load-model--> loading --started--> training --pause--> paused --resume--> training
//   loading --model-loaded--> stopped;   training, paused --stop, finished--> stopped
//   loading, training, paused, stopped --failed--> idle;   any but error --crashed--> error --train--> loading

export const STATES = ['idle', 'loading', 'training', 'paused', 'stopped', 'error'] as const;
export type DemoState = (typeof STATES)[number];

/** What the user did (train, load-model, pause, resume, stop) or what the worker reported (the rest). */
export type DemoEvent = 'train' | 'load-model' | 'started' | 'model-loaded' | 'pause' | 'resume' | 'stop' | 'finished' | 'failed' | 'crashed';

/** Every allowed transition; an event a state does not list is ignored (a second Train, a late reply). */
export const TRANSITIONS: Readonly<Record<DemoState, Readonly<Partial<Record<DemoEvent, DemoState>>>>> = {
  idle: { train: 'loading', 'load-model': 'loading', crashed: 'error' },
  loading: { started: 'training', 'model-loaded': 'stopped', failed: 'idle', crashed: 'error' },
  training: { pause: 'paused', stop: 'stopped', finished: 'stopped', failed: 'idle', crashed: 'error' },
  paused: { resume: 'training', stop: 'stopped', finished: 'stopped', failed: 'idle', crashed: 'error' },
  stopped: { train: 'loading', 'load-model': 'loading', failed: 'idle', crashed: 'error' },
  // The worker is gone: Train starts a new one.
  error: { train: 'loading' },
};

export function nextState(state: DemoState, event: DemoEvent): DemoState | undefined {
  return TRANSITIONS[state][event];
}

/** Which controls can be used, and what the Pause button says. */
export interface Controls {
  train: boolean;
  pause: boolean;
  pauseLabel: 'Pause' | 'Resume';
  stop: boolean;
  save: boolean;
  loadModel: boolean;
  settings: boolean;
  /** A network exists that can read drawn digits. */
  predict: boolean;
}

export function controlsFor(state: DemoState): Controls {
  const can = (event: DemoEvent): boolean => nextState(state, event) !== undefined;
  return {
    train: can('train'),
    pause: can('pause') || can('resume'),
    pauseLabel: can('resume') ? 'Resume' : 'Pause',
    stop: can('stop'),
    // Saving mid-run would read the parameters between two mini-batches of a run that is still going.
    save: state === 'paused' || state === 'stopped',
    loadModel: can('load-model'),
    settings: state === 'idle' || state === 'stopped' || state === 'error',
    predict: state === 'training' || state === 'paused' || state === 'stopped',
  };
}
