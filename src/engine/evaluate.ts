// Evaluation: the forward pass and scoring of contiguous rows. Rows are independent, so each chunk is one thread
// job split by examples. The cost is summed per group of SCORE_GROUP examples, and the groups in order, so the
// totals are the same bits whoever computed which group.
import type { Passes } from './passes.js';
import type { DatasetHandle } from './pointers.js';
import { MAX_STEPS, runStep } from './threads.js';
import type { ThreadPool, ThreadStep } from './threads.js';

/** Examples whose cost is summed before it joins the total (the grouping evaluation always had). */
const SCORE_GROUP = 16;
/** Score groups per thread in a chunk: enough slices (one group each) to keep a job's start-up small beside its work. */
const GROUPS_PER_THREAD = 4;

/** A network's evaluation chunk and group sizes, and where the groups' partial scores go. */
interface EvaluationBuffers {
  partials: number;
  chunk: number;
  group: number;
}

const buffers = new WeakMap<Passes, EvaluationBuffers>();

function buffersFor(passes: Passes, threads: number): EvaluationBuffers {
  let found = buffers.get(passes);
  if (!found) {
    const { chunkRows } = passes.pointers;
    // Dense kernels (sparseInputs false) score whole chunks, as they always did.
    const group = passes.sparseInputs ? Math.min(chunkRows, SCORE_GROUP) : chunkRows;
    const chunk = Math.max(group, Math.min(chunkRows - (chunkRows % group), group * GROUPS_PER_THREAD * threads));
    found = { partials: passes.arena.alloc(16 * Math.ceil(chunk / group)), chunk, group };
    buffers.set(passes, found);
  }
  return found;
}

/** Summed cost and correct count over rows first..first+count, on this thread or split across the pool's. */
export function scoreRows(passes: Passes, pool: ThreadPool | undefined, data: DatasetHandle, first: number, count: number): { total: number; correct: number } {
  const { kernels, pointers, arena } = passes;
  const { layers } = pointers;
  const top = layers[layers.length - 1];
  const { partials, chunk, group } = buffersFor(passes, pool?.threads ?? 1);
  const slot = pointers.batches[0];
  // Forward passes skip zeros by example pair; the update's block list is not needed.
  const sparse = passes.sparseInputs;
  const steps: ThreadStep[] = layers.map((layer, i): ThreadStep => {
    const input = i === 0 ? slot.inputs : layers[i - 1].output;
    const lists = i === 0 && sparse ? slot.pairLists : layer.forwardList;
    return { op: 'forwardExamples', args: [input, layer.inputs, layer.weights, layer.biases, layer.outputs, layer.output, layer.activation, lists, i === 0 && sparse ? pointers.pairStride : 0] };
  });
  steps.push({ op: 'scoreGroups', args: [top.output, pointers.targets, top.outputs, pointers.cost, top.activation, group, partials] });
  let total = 0;
  let correct = 0;
  for (let start = first; start < first + count; start += chunk) {
    const m = Math.min(chunk, first + count - start);
    // One gather per score group: its examples are paired by similar ink within the group, which threads never split.
    for (let g = 0; g < m; g += group) {
      const rows = Math.min(group, m - g);
      const lists = sparse ? slot.pairLists + (g >> 1) * pointers.pairStride : 0;
      kernels.gatherBatch(data.images, data.labels, 0, start + g, rows, data.inputSize, slot.inputs + g * data.inputSize * 8, pointers.targets + g, lists, pointers.pairStride, 0, sparse ? pointers.gatherScratch : 0, 0); // no augment record: evaluation sees the images as they are
    }
    for (let s = 0; s < steps.length; s += MAX_STEPS) {
      const job = steps.slice(s, s + MAX_STEPS);
      if (pool) pool.run(job, m, undefined, group);
      else for (const step of job) runStep(kernels, step, 0, m);
    }
    const f64 = arena.f64;
    for (let g = 0; g < Math.ceil(m / group); g++) {
      total += f64[(partials >> 3) + 2 * g];
      correct += f64[(partials >> 3) + 2 * g + 1];
    }
  }
  return { total, correct };
}
