// What `mnist-wasm bench` does (src/cli/bench.ts declares the command and loads this file when it runs).
import { join } from 'node:path';
import type { RunBench } from '../cli/bench.js';
import { locateAndLoad } from '../data/locate.js';
import { writeFileAtomic } from '../util/atomic.js';
import { checkOutputDir, prepareOutputDir } from '../util/output.js';
import { runBenchmark } from './run.js';

export const runBench: RunBench = async (flags) => {
  // Checked first (a bad --out must not cost a whole benchmark run), created at the end (a failed run leaves no folder).
  await checkOutputDir(flags.out);
  const { split } = await locateAndLoad({ data: flags.data, log: (m) => void process.stderr.write(`${m}\n`) });
  const summary = await runBenchmark(split, { quick: flags.quick, log: (line) => void process.stderr.write(`${line}\n`) });
  const { machine } = summary;
  process.stdout.write(`canonical network [${summary.network.join(', ')}], batch ${summary.batch}, ${machine.cpu} (${machine.cores} cores), node ${machine.node}, load average ${machine.loadAverage.join(' ')} at the end\n`);
  console.table(summary.results);
  process.stdout.write('microseconds per mini-batch of training, and per as many examples evaluated, in each kernel (one thread):\n');
  console.table(summary.kernels);
  for (const [name, why] of Object.entries(summary.skipped)) process.stdout.write(`skipped ${name}: ${why}\n`);
  const dir = await prepareOutputDir(flags.out);
  const json = JSON.stringify(summary, null, 2);
  await writeFileAtomic(join(dir, `bench-${summary.date.replace(/[:.]/g, '-')}.json`), json);
  await writeFileAtomic(join(dir, 'bench-latest.json'), json);
  process.stdout.write(`results written to ${join(dir, 'bench-latest.json')}\n`);
  if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
};
