import { Command, Option } from 'commander';
import { dataOption } from './options.js';

export interface BenchFlags {
  data?: string;
  out: string;
  quick?: boolean;
  json?: boolean;
}

/** The benchmark's entry, bench/command.ts (which is checked against this type when it is compiled). */
export type RunBench = (flags: BenchFlags) => Promise<void>;

// bench/ is compiled after the library, into dist/bench/ (see bench/tsconfig.json), so this path is looked up
// only at run time.
const BENCH_MODULE = '../bench/command.js';

export function benchCommand(): Command {
  return new Command('bench')
    .description('measure training and inference speed of the canonical network, every engine side by side')
    .addOption(dataOption())
    .addOption(new Option('--out <dir>', 'where to write the JSON results').default('bench/results'))
    .option('--quick', 'shorter measurements (less precise)')
    .option('--json', 'print the summary (epochSeconds per contender) as the last line of stdout')
    .action(async (flags: BenchFlags) => {
      const { runBench } = (await import(BENCH_MODULE)) as { runBench: RunBench };
      await runBench(flags);
    });
}
