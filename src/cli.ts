#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { Command, CommanderError } from 'commander';
import { MnistWasmError } from './errors.js';
import { trainCommand } from './cli/train.js';
import { evaluateCommand } from './cli/evaluate.js';
import { downloadCommand } from './cli/download.js';
import { reportCommand } from './cli/report.js';
import { compareCommand } from './cli/compare.js';
import { predictCommand } from './cli/predict.js';
import { benchCommand } from './cli/bench.js';
import { exportCommand } from './cli/export.js';
import { importCommand } from './cli/import.js';
import { augmentCommand } from './cli/augment.js';

// Node 20 ships relaxed SIMD behind a flag; enabling it before any wasm compiles lets --simd auto pick the FMA build.
setFlagsFromString('--experimental-wasm-relaxed-simd');

// Usage errors as one line: "mnist-wasm: unknown option '--x'".
const output = { outputError: (message: string, write: (text: string) => void) => write(`mnist-wasm: ${message.replace(/^error: /, '')}`) };
// dist/cli.js and src/cli.ts both sit one folder below package.json.
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
const program = new Command('mnist-wasm')
  .description('Train fully connected networks on MNIST with a WebAssembly SIMD core')
  .version(version, '-V, --version', 'print the version')
  .showSuggestionAfterError()
  .exitOverride()
  .configureOutput(output);
const commands = [trainCommand, evaluateCommand, predictCommand, reportCommand, compareCommand, downloadCommand, benchCommand, exportCommand, importCommand, augmentCommand];
for (const command of commands.map((make) => make())) {
  program.addCommand(command.exitOverride().configureOutput(output).showSuggestionAfterError());
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof MnistWasmError) {
    process.stderr.write(`mnist-wasm: ${error.message}\n`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
