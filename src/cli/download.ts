import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { defaultMirrors, downloadDataset } from '../data/download.js';
import { dataPlaces } from '../data/locate.js';
import type { DatasetName } from '../data/mnist.js';
import { datasetOption } from './options.js';

export function downloadCommand(): Command {
  return new Command('download')
    .description('download and verify the four dataset files (SHA-256 of their content)')
    .addOption(datasetOption())
    .addOption(new Option('--dir <dir>', 'where to put them (default: MNIST_DIR or FASHION_MNIST_DIR when set, else the package\'s data/mnist or data/fashion-mnist)'))
    .addOption(new Option('--mirror <url>', 'mirror to try first, http(s):// or file:// (repeatable); MNIST_WASM_MIRRORS or the public mirrors follow').argParser((v: string, prev: string[] = []) => [...prev, v]))
    .option('--only-mirrors', 'try only the --mirror URLs')
    .action(async (flags: { dataset: DatasetName; dir?: string; mirror?: string[]; onlyMirrors?: boolean }) => {
      const dir = flags.dir ? resolve(flags.dir) : dataPlaces(flags.dataset).downloadTo;
      const mirrors = flags.onlyMirrors ? (flags.mirror ?? []) : [...(flags.mirror ?? []), ...defaultMirrors(flags.dataset)];
      await downloadDataset(flags.dataset, dir, {
        mirrors,
        onFile: (e) => {
          if (e.status === 'present') process.stdout.write(`${e.file}: already present and verified\n`);
          else if (e.status === 'downloaded') process.stdout.write(`${e.file}: downloaded from ${e.mirror} and verified\n`);
          else process.stderr.write(`${e.file}: ${e.mirror} failed (${e.reason})${e.nextMirror ? ', trying the next mirror' : ''}\n`);
        },
      });
      process.stdout.write(`${flags.dataset} is ready in ${dir}\n`);
    });
}
