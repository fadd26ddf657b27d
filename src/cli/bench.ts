import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { runBenchmark } from '../bench/run.js';
import { locateAndLoad } from '../data/locate.js';
import { writeFileAtomic } from '../util/atomic.js';
import { dataOption } from './options.js';

export function benchCommand(): Command {
  return new Command('bench')
    .description('measure training and inference speed of the canonical network, every engine side by side')
    .addOption(dataOption())
    .addOption(new Option('--out <dir>', 'where to write the JSON results').default('bench/results'))
    .option('--quick', 'shorter measurements (less precise)')
    .option('--json', 'print the summary (epochSeconds per contender) as the last line of stdout')
    .action(async (flags: { data?: string; out: string; quick?: boolean; json?: boolean }) => {
      const { split } = await locateAndLoad({ data: flags.data, log: (m) => void process.stderr.write(`${m}\n`) });
      const summary = await runBenchmark(split, { quick: flags.quick, log: (line) => void process.stderr.write(`${line}\n`) });
      process.stdout.write(`canonical network [${summary.network.join(', ')}], batch ${summary.batch}, ${summary.machine.cpu} (${summary.machine.cores} cores), node ${summary.machine.node}\n`);
      console.table(summary.results);
      for (const [name, why] of Object.entries(summary.skipped)) process.stdout.write(`skipped ${name}: ${why}\n`);
      const dir = resolve(flags.out);
      await mkdir(dir, { recursive: true });
      const json = JSON.stringify(summary, null, 2);
      await writeFileAtomic(join(dir, `bench-${summary.date.replace(/[:.]/g, '-')}.json`), json);
      await writeFileAtomic(join(dir, 'bench-latest.json'), json);
      process.stdout.write(`results written to ${join(dir, 'bench-latest.json')}\n`);
      if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    });
}
