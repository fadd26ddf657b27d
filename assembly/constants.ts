// The constants the host and the core share, with the values of src/engine/contract.ts. They are exported, and
// the host compares them with its own at load, so a mismatch is an error instead of a wrong answer.
export const SIGMOID: i32 = 0;
export const RELU: i32 = 1;
export const SOFTMAX: i32 = 2;
export const CROSS_ENTROPY: i32 = 0;
export const QUADRATIC: i32 = 1;
/** Bytes of a block list's header (u32 count, u32 zeroCount) before its entries. */
export const LIST_HEADER: usize = 8;
/** A block's example mask has one bit per example. */
export const MASK_EXAMPLES: i32 = 32;
/** Flags of an augment record (assembly/augment.ts): which transforms a training gather applies. */
export const AUGMENT_AFFINE: u32 = 1;
export const AUGMENT_ELASTIC: u32 = 2;
export const AUGMENT_DROPOUT: u32 = 4;
/** Byte offset of the Gaussian taps in an augment record, after its fixed fields. */
export const AUGMENT_TAPS: usize = 80;
