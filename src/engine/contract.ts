// What the TypeScript host and the AssemblyScript core must agree on, defined once here. assembly/constants.ts
// declares the same constants and the core exports them; loadWasmCore compares them (and every kernel's arity)
// at load, and the TypeScript twin imports this table.
import type { Kernels } from './kernels.js';
import type { CostName, HiddenActivation, OutputActivation } from '../model/spec.js';

export const CORE_CONSTANTS = {
  SIGMOID: 0,
  RELU: 1,
  SOFTMAX: 2,
  CROSS_ENTROPY: 0,
  QUADRATIC: 1,
  /** Bytes of a block list's header (u32 count, u32 zeroCount) before its entries. */
  LIST_HEADER: 8,
  /** A block's example mask has one bit per example: larger batches count every example as having ink. */
  MASK_EXAMPLES: 32,
  /** Flags of an augment record (src/engine/augment-record.ts): which transforms a training gather applies. */
  AUGMENT_AFFINE: 1,
  AUGMENT_ELASTIC: 2,
  AUGMENT_DROPOUT: 4,
  /** Byte offset of the Gaussian taps in an augment record, after its fixed fields. */
  AUGMENT_TAPS: 80,
} as const;

/** Activation and cost codes as the kernels take them. */
export const ACTIVATION_CODE = { sigmoid: CORE_CONSTANTS.SIGMOID, relu: CORE_CONSTANTS.RELU, softmax: CORE_CONSTANTS.SOFTMAX } as const satisfies Record<HiddenActivation | OutputActivation, number>;
export const COST_CODE = { 'cross-entropy': CORE_CONSTANTS.CROSS_ENTROPY, quadratic: CORE_CONSTANTS.QUADRATIC } as const satisfies Record<CostName, number>;

/** Every kernel's parameter count; the compiler checks it against the Kernels interface, the loader against the core. */
export const KERNEL_ARITY = {
  gatherBatch: 13,
  denseLists: 3,
  denseForward: 12,
  forwardExamples: 11,
  outputDelta: 8,
  denseBackwardInput: 10,
  denseAccumulate: 12,
  accumulateColumns: 10,
  scaleAdd: 4,
  scoreOutputs: 7,
  scoreGroups: 9,
  sumSquares: 2,
  fillUniform: 3,
  maxNormRows: 5,
  momentumRows: 12,
  adamRows: 15,
  dropoutMask: 6,
  applyMask: 3,
} as const satisfies { [K in keyof Kernels]: Parameters<Kernels[K]>['length'] };

/** Throws unless a core's exports carry every constant with the host's value and every kernel with its arity. */
export function checkCoreContract(exports: Record<string, unknown>, build: string): void {
  const wrong: string[] = [];
  for (const [name, value] of Object.entries(CORE_CONSTANTS)) {
    const global = exports[name];
    const got = global instanceof WebAssembly.Global ? global.value : global;
    if (got !== value) wrong.push(`${name} is ${String(got)}, the host expects ${value}`);
  }
  for (const [name, arity] of Object.entries(KERNEL_ARITY)) {
    // The loader wraps each export; `original` is the wasm function itself.
    const kernel = exports[name] as ((...args: number[]) => unknown) & { original?: { length: number } } | undefined;
    const got = typeof kernel === 'function' ? (kernel.original ?? kernel).length : undefined;
    if (got !== arity) wrong.push(`${name} takes ${got ?? 'no'} arguments, the host passes ${arity}`);
  }
  if (wrong.length) throw new Error(`${build}: the core does not match this host (${wrong.join('; ')}): rebuild with npm run build`);
}
