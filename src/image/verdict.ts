// Whether a prediction is a reading or a guess. The network always answers; this says when not to believe it.

/**
 * Below this top probability (outputs normalised to sum to 1) a digit is reported as unsure. The canonical
 * network after 20 epochs is sure of 9,852 of MNIST's 10,000 test digits and right on 98.84% of them; of the
 * 148 it is unsure of it gets 58% right (README, "Your own handwriting").
 */
export const UNSURE_BELOW = 0.8;
/** Ink whose bounding box is shorter than this on its longer side (source pixels) is too small to read. */
export const MIN_INK_PIXELS = 8;
/** Ink whose darkest pixel differs from the paper by less than this fraction of full scale is too faint. */
export const MIN_INK_CONTRAST = 0.12;

/** What the image showed of one digit before it was framed in 28x28. */
export interface InkMeasure {
  /** Bounding box of the digit's ink in the source image, in pixels. */
  width: number;
  height: number;
  /** The darkest ink against the paper around it, 0-1. */
  contrast: number;
}

/** One digit's reading: the top classes, and whether the reading is to be trusted. */
export interface DigitVerdict {
  digit: number;
  probability: number;
  top: { digit: number; probability: number }[];
  unsure: boolean;
  /** Why it is unsure: "top probability 54% < 80%", "ink too small (5 px)", "ink too faint (6% contrast)". */
  reason?: string;
}

/** The top three classes of one output row (sigmoid outputs normalised to sum to 1), and the verdict. */
export function digitVerdict(outputs: ArrayLike<number>, ink?: InkMeasure): DigitVerdict {
  let sum = 0;
  for (let i = 0; i < outputs.length; i++) sum += outputs[i];
  const ranked = Array.from(outputs, (p, digit) => ({ digit, probability: p / (sum || 1) })).sort((a, b) => b.probability - a.probability);
  const top = ranked.slice(0, 3);
  const { digit, probability } = top[0];
  let reason: string | undefined;
  const side = ink ? Math.max(ink.width, ink.height) : Infinity;
  if (ink && side < MIN_INK_PIXELS) reason = `ink too small (${side} px)`;
  else if (ink && ink.contrast < MIN_INK_CONTRAST) reason = `ink too faint (${Math.round(ink.contrast * 100)}% contrast)`;
  else if (!(probability >= UNSURE_BELOW)) reason = `top probability ${(probability * 100).toFixed(0)}% < ${UNSURE_BELOW * 100}%`;
  return reason ? { digit, probability, top, unsure: true, reason } : { digit, probability, top, unsure: false };
}
