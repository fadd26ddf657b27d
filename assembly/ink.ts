// Gathering a mini-batch and the block lists of where its examples have ink.
import { distortRow, distorts, dropRow, dropsInputs } from './augment';
import { LIST_HEADER, MASK_EXAMPLES } from './constants';

// Block lists name the input columns a kernel must visit, as byte offsets into an f64 input row: a header
// (u32 count, u32 zeroCount), then entries. denseForward's entries are u32 offsets of 2-column blocks;
// denseAccumulate's are (u32 offset, u32 mask) of 2-column blocks (the columns below n & ~3), mask bit e set
// when example e has a non-zero input there, the zeroCount blocks without any first. Columns left out are zero, so skipping
// them leaves every sum as the dense loop makes it (x * w adds an exact zero). One list entry per block
// rather than runs of blocks keeps each inner loop's trip count fixed, so its exit branch is predicted.

/** Gathers a mini-batch: bytes scaled to [0,1] as f64 rows, and labels. indices == 0 means rows first..first+count.
 *  With an augment record (assembly/augment.ts; 0: none), each row distorted and its inputs dropped as it says,
 *  and the block lists made from those values instead of the bytes. Optionally also the block lists the sparse
 *  kernels skip by (each pointer may be 0): pairLists, for each example pair p (the last example alone when count is odd), the 2-column blocks with ink in example 2p or
 *  2p+1 (a training batch's own pairs, see pairByInk), pairStride bytes apart; accumulateList, every 2-column block below inputSize & ~3 with a mask of the examples that have
 *  ink there (count <= 32; above that every example counts as having ink), those without any first. */
export function gatherBatch(
  images: usize,  // (n, inputSize) u8
  labels: usize,  // (n) u8
  indices: usize, // (count) u32, or 0
  first: i32, count: i32, inputSize: i32,
  inputs: usize,  // (count, inputSize) f64 out
  targets: usize, // (count) u8 out
  pairLists: usize, pairStride: i32, // (ceil(count / 2)) lists out, or 0
  accumulateList: usize, // list out, or 0
  scratch: usize, // gatherScratchBytes(inputSize) bytes (src/engine/pointers.ts), or 0
  augment: usize, // augment record, or 0
): void {
  assert(count >= 0 && inputSize > 0, 'gatherBatch: a negative count or an empty row');
  assert(!augment || !distorts(augment) || load<i32>(augment, 68) * load<i32>(augment, 68) == inputSize, 'gatherBatch: the augment record is for another image size');
  // One read per cache line of every image first: their misses to memory overlap instead of coming one image at a time.
  let touched: u32 = 0;
  for (let e = 0; e < count; e++) {
    const src = images + rowOf(indices, first, e) * inputSize;
    for (let k = 0; k < inputSize; k += 64) touched |= load<u8>(src + k);
    touched |= load<u8>(src + inputSize - 1) | load<u8>(labels + rowOf(indices, first, e));
  }
  if (count > 0) store<u8>(targets, <u8>touched); // (overwritten below) so that the reads are kept
  for (let e = 0; e < count; e++) {
    const row = rowOf(indices, first, e);
    store<u8>(targets + e, load<u8>(labels + row));
    const src = images + row * inputSize;
    const dst = inputs + ((<usize>e * inputSize) << 3);
    if (augment) {
      if (distorts(augment)) distortRow(src, dst, inputSize, augment);
      else scaleRow(src, dst, inputSize);
      if (dropsInputs(augment)) dropRow(dst, inputSize, augment);
    } else scaleRow(src, dst, inputSize);
  }
  if (augment) {
    // The lists of the values gathered: a distortion moves ink, dropout removes it.
    if (pairLists) {
      for (let e = 0; e < count; e += 2) {
        const a = inputs + ((<usize>e * inputSize) << 3);
        const b = e + 1 < count ? a + (<usize>inputSize << 3) : a;
        pairInkValues(a, b, inputSize, pairLists + <usize>(e >> 1) * pairStride);
      }
    }
    if (accumulateList) blockInk(images, indices, first, count, inputSize, accumulateList, scratch, inputs);
    return;
  }
  // Pairs by ink when given scratch: training batches, and evaluation's score groups (which threads never split).
  if (pairLists && scratch && count <= MASK_EXAMPLES) pairByInk(images, indices, first, count, inputSize, pairLists, pairStride, scratch + pairingScratch(inputSize));
  else if (pairLists) {
    for (let e = 0; e < count; e += 2) {
      const a = images + rowOf(indices, first, e) * inputSize;
      const b = e + 1 < count ? images + rowOf(indices, first, e + 1) * inputSize : a;
      pairInk(a, b, inputSize, pairLists + <usize>(e >> 1) * pairStride);
    }
  }
  if (accumulateList) blockInk(images, indices, first, count, inputSize, accumulateList, scratch, 0);
}

// dst (n f64) = the u8 row at src scaled to [0, 1].
// @ts-ignore: decorator
@inline function scaleRow(src: usize, dst: usize, inputSize: i32): void {
  const scale = f64x2.splat(1.0 / 255.0);
  const vecEnd = inputSize & ~7;
  for (let k = 0; k < vecEnd; k += 8) {
    const wide = v128.load8x8_u(src + k); // 8 pixels as u16
    const lo = i32x4.extend_low_i16x8_u(wide), hi = i32x4.extend_high_i16x8_u(wide);
    const out = dst + (<usize>k << 3);
    v128.store(out, f64x2.mul(f64x2.convert_low_i32x4_s(lo), scale));
    v128.store(out, f64x2.mul(f64x2.convert_low_i32x4_s(i32x4.shuffle(lo, lo, 2, 3, 0, 1)), scale), 16);
    v128.store(out, f64x2.mul(f64x2.convert_low_i32x4_s(hi), scale), 32);
    v128.store(out, f64x2.mul(f64x2.convert_low_i32x4_s(i32x4.shuffle(hi, hi, 2, 3, 0, 1)), scale), 48);
  }
  for (let k = vecEnd; k < inputSize; k++) store<f64>(dst + (<usize>k << 3), <f64>load<u8>(src + k) * (1.0 / 255.0));
}

// @ts-ignore: decorator
@inline function rowOf(indices: usize, first: i32, e: i32): usize {
  return indices ? <usize>load<u32>(indices + (<usize>e << 2)) : <usize>(first + e);
}

// Where pairByInk's scratch starts: after blockInk's masks.
// @ts-ignore: decorator
@inline function pairingScratch(n: i32): usize {
  return (<usize>(n >> 2)) << 3;
}

// Pairs the images (at most MASK_EXAMPLES) so that each pair's union of ink is small, greedily: of the images
// left, the two whose union has the fewest 2-column blocks. Pair p's list says which images it holds in its header's
// second word (pairWord), the last image alone when count is odd. On MNIST batches of 10 the forward pass then
// visits 7% fewer blocks than with pairs in batch order. scratch: count bit rows of ink, then count^2 u16 union sizes.
function pairByInk(images: usize, indices: usize, first: i32, count: i32, n: i32, pairLists: usize, pairStride: i32, scratch: usize): void {
  const words = ((n >> 1) + 63) >> 6;
  const rowBytes = <usize>words << 3;
  const unions = scratch + <usize>count * rowBytes;
  for (let e = 0; e < count; e++) inkBits(images + rowOf(indices, first, e) * n, n, scratch + <usize>e * rowBytes, words);
  for (let i = 0; i < count; i++) {
    for (let j = i + 1; j < count; j++) {
      let size: u64 = 0;
      for (let w: usize = 0; w < rowBytes; w += 8) size += popcnt(load<u64>(scratch + <usize>i * rowBytes + w) | load<u64>(scratch + <usize>j * rowBytes + w));
      store<u16>(unions + ((<usize>i * count + j) << 1), <u16>size);
    }
  }
  let left: u64 = (<u64>1 << <u64>count) - 1;
  for (let p = 0; p < count >> 1; p++) {
    let best: u32 = 0xffffffff, a = 0, b = 0;
    for (let rest = left; rest; rest &= rest - 1) {
      const i = <i32>ctz(rest);
      for (let others = rest & (rest - 1); others; others &= others - 1) {
        const j = <i32>ctz(others);
        const size = <u32>load<u16>(unions + ((<usize>i * count + j) << 1));
        if (size < best) { best = size; a = i; b = j; }
      }
    }
    left &= ~((<u64>1 << a) | (<u64>1 << b));
    writePairList(scratch + <usize>a * rowBytes, scratch + <usize>b * rowBytes, rowBytes, pairLists + <usize>p * pairStride, pairWord(p, a, b));
  }
  if (count & 1) {
    const p = count >> 1, a = <i32>ctz(left);
    writePairList(scratch + <usize>a * rowBytes, scratch + <usize>a * rowBytes, rowBytes, pairLists + <usize>p * pairStride, pairWord(p, a, 2 * p + 1));
  }
}

/** The second header word of pair p's forward list when it holds examples a and b: their offsets from 2p and
 *  2p + 1 as two i16 (0: the pair in batch order, as every list but pairByInk's says). */
// @ts-ignore: decorator
@inline function pairWord(p: i32, a: i32, b: i32): u32 {
  return (<u32>(a - 2 * p) & 0xffff) | (<u32>(b - 2 * p - 1) << 16);
}

// Bit g of the row at bits (words u64) set when the u8 image at src has ink in its 2-column block g.
function inkBits(src: usize, n: i32, bits: usize, words: i32): void {
  const zero = i16x8.splat(0);
  const blocks = n >> 1;
  memory.fill(bits, 0, <usize>words << 3);
  let g = 0;
  for (; g + 8 <= blocks; g += 8) store<u8>(bits + (<usize>g >> 3), <u8>i16x8.bitmask(i16x8.ne(v128.load(src + (<usize>g << 1)), zero)));
  for (; g < blocks; g++) {
    const at = bits + (<usize>g >> 3);
    store<u8>(at, load<u8>(at) | (<u8>(load<u16>(src + (<usize>g << 1)) != 0) << <u8>(g & 7)));
  }
}

// The forward list of the blocks set in bit row a or b (rowBytes bytes), with the header's pair word.
function writePairList(a: usize, b: usize, rowBytes: usize, list: usize, pair: u32): void {
  const entries = list + LIST_HEADER;
  let count: usize = 0;
  for (let w: usize = 0; w < rowBytes; w += 8) {
    for (let ink = load<u64>(a + w) | load<u64>(b + w); ink; ink &= ink - 1) {
      store<u32>(entries + (count << 2), (<u32>(w << 3) + <u32>ctz(ink)) << 4);
      count++;
    }
  }
  store<u32>(list, <u32>count);
  store<u32>(list, pair, 4);
}

// The list of 2-column blocks with ink in image a or image b (u8 rows of n pixels).
function pairInk(a: usize, b: usize, n: i32, list: usize): void {
  const zero = i16x8.splat(0);
  const blocks = n >> 1;
  const entries = list + LIST_HEADER;
  let count: usize = 0;
  let g = 0;
  // Eight blocks (16 bytes) per step; every offset is written, and the count advances past those with ink.
  for (; g + 8 <= blocks; g += 8) {
    const k = <usize>g << 1;
    const ink = i16x8.bitmask(i16x8.ne(v128.or(v128.load(a + k), v128.load(b + k)), zero));
    for (let i = 0; i < 8; i++) {
      store<u32>(entries + (count << 2), <u32>(g + i) << 4);
      count += <usize>((ink >> i) & 1);
    }
  }
  for (; g < blocks; g++) {
    store<u32>(entries + (count << 2), <u32>g << 4);
    count += <usize>((load<u16>(a + (<usize>g << 1)) | load<u16>(b + (<usize>g << 1))) != 0);
  }
  store<u32>(list, <u32>count);
  store<u32>(list, 0, 4);
}

// The list of 2-column blocks (of the columns below n & ~3) with their example masks: blocks without ink first,
// then the others in column order (ordering them by example count to steady the loop branch was measured no
// faster). Ink is read from the u8 images (values 0) or, when distorted, from the gathered f64 rows at values (count x n).
function blockInk(images: usize, indices: usize, first: i32, count: i32, n: i32, list: usize, masks: usize, values: usize): void {
  const blocks = (n >> 2) << 1;
  const masked = count <= MASK_EXAMPLES;
  if (values) {
    for (let g = 0; g < blocks; g++) {
      let ink: u32 = 0;
      for (let e = 0; e < count; e++) ink |= <u32>v128.any_true(v128.load(values + ((<usize>e * n) << 3) + (<usize>g << 4))) << (masked ? e : 0);
      store<u32>(masks + (<usize>g << 2), masked ? ink : ink ? 0xffffffff : 0);
    }
  } else inkMasks(images, indices, first, count, blocks, n, masks, masked);
  writeBlockList(list, masks, blocks);
}

// Each 2-byte block's mask of the images with ink there, eight blocks (16 bytes) per SIMD step, branch-free:
// bit e for image e when masked, else every bit for any image.
function inkMasks(images: usize, indices: usize, first: i32, count: i32, blocks: i32, n: i32, masks: usize, masked: bool): void {
  const groups = blocks & ~7;
  const zero = i16x8.splat(0);
  memory.fill(masks, 0, <usize>blocks << 2);
  for (let e = 0; e < count; e++) {
    const src = images + rowOf(indices, first, e) * n;
    const bit: u32 = masked ? <u32>1 << e : 0xffffffff;
    const bits = i32x4.splat(bit);
    for (let g = 0; g < groups; g += 8) {
      const at = masks + (<usize>g << 2);
      const ink = v128.not(i16x8.eq(v128.load(src + (<usize>g << 1)), zero));
      v128.store(at, v128.or(v128.load(at), v128.and(i32x4.extend_low_i16x8_s(ink), bits)));
      v128.store(at, v128.or(v128.load(at, 16), v128.and(i32x4.extend_high_i16x8_s(ink), bits)), 16);
    }
    for (let g = groups; g < blocks; g++) {
      const at = masks + (<usize>g << 2);
      store<u32>(at, load<u32>(at) | (load<u16>(src + (<usize>g << 1)) != 0 ? bit : 0));
    }
  }
}

// The accumulate list from each block's mask: header, then the blocks without ink, then the others; each
// entry goes to the cursor of its kind, chosen by a select rather than a branch on the mask.
function writeBlockList(list: usize, masks: usize, blocks: i32): void {
  let empty: usize = 0;
  for (let g = 0; g < blocks; g++) empty += <usize>(load<u32>(masks + (<usize>g << 2)) == 0);
  store<u32>(list, <u32>blocks);
  store<u32>(list, <u32>empty, 4);
  let zeroAt = list + LIST_HEADER;
  let inkAt = zeroAt + (empty << 3);
  for (let g = 0; g < blocks; g++) {
    const mask = load<u32>(masks + (<usize>g << 2));
    const entry = (<u64>mask << 32) | (<u64>g << 4);
    const ink = <usize>(mask != 0);
    store<u64>(select<usize>(inkAt, zeroAt, ink), entry);
    inkAt += ink << 3;
    zeroAt += (ink ^ 1) << 3;
  }
}

// pairInk over f64 rows a and b: a 2-column block has ink when a bit of either row's 16 bytes is set (a -0 is
// listed, which is exact too: listing a column never changes a sum).
function pairInkValues(a: usize, b: usize, n: i32, list: usize): void {
  const entries = list + LIST_HEADER;
  let count: usize = 0;
  for (let g = 0; g < n >> 1; g++) {
    const k = <usize>g << 4;
    store<u32>(entries + (count << 2), <u32>k);
    count += <usize>v128.any_true(v128.or(v128.load(a + k), v128.load(b + k)));
  }
  store<u32>(list, <u32>count);
  store<u32>(list, 0, 4);
}

/** The dense block lists of an nIn-wide row: every 2-column block (forward); every 2-column block of the columns
 *  below nIn & ~3, every example marked (accumulate). */
export function denseLists(forwardList: usize, accumulateList: usize, nIn: i32): void {
  const pairs = nIn >> 1, blocks = (nIn >> 2) << 1;
  store<u32>(forwardList, pairs);
  store<u32>(forwardList, 0, 4);
  for (let g = 0; g < pairs; g++) store<u32>(forwardList + LIST_HEADER + (<usize>g << 2), <u32>g << 4);
  store<u32>(accumulateList, blocks);
  store<u32>(accumulateList, 0, 4);
  for (let g = 0; g < blocks; g++) {
    store<u32>(accumulateList + LIST_HEADER + (<usize>g << 3), <u32>g << 4);
    store<u32>(accumulateList + LIST_HEADER + (<usize>g << 3), 0xffffffff, 4);
  }
}
