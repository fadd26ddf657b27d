// llm.c's check_tensor: compares two tensors element by element and says where they differ, not only how much.

export interface TensorCheck {
  label: string;
  maxDifference: number;
  /** The first five elements that differ by more than the tolerance: index, a, b. */
  firstDiffering: [index: number, a: number, b: number][];
  ok: boolean;
}

/** Compares a and b within `tolerance` (absolute); the report names the worst difference and the first five pairs. */
export function checkTensor(a: ArrayLike<number>, b: ArrayLike<number>, label: string, tolerance = 1e-12): TensorCheck {
  if (a.length !== b.length) return { label: `${label} (lengths ${a.length} and ${b.length})`, maxDifference: Infinity, firstDiffering: [], ok: false };
  let maxDifference = 0;
  const firstDiffering: TensorCheck['firstDiffering'] = [];
  for (let i = 0; i < a.length; i++) {
    const difference = Math.abs(a[i] - b[i]);
    // NaN compares false everywhere: count it as differing.
    if (!(difference <= tolerance)) {
      if (firstDiffering.length < 5) firstDiffering.push([i, a[i], b[i]]);
      maxDifference = Math.max(maxDifference, Number.isNaN(difference) ? Infinity : difference);
    } else {
      maxDifference = Math.max(maxDifference, difference);
    }
  }
  return { label, maxDifference, firstDiffering, ok: firstDiffering.length === 0 };
}

/** One line per check: "label: max diff 1.2e-16 OK" or with the first differing pairs. */
export function describeCheck(check: TensorCheck): string {
  const pairs = check.firstDiffering.map(([i, a, b]) => `[${i}] ${a} vs ${b}`).join(', ');
  return `${check.label}: max diff ${check.maxDifference.toExponential(2)} ${check.ok ? 'OK' : `NOT OK, first: ${pairs}`}`;
}
