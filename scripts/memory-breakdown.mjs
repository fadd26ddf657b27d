// Where a run's resident memory is when it exits, on stderr: `node --import ./scripts/memory-breakdown.mjs
// dist/cli.js train ...`. Linux only (/proc/self/smaps); the numbers are MB of resident pages.
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';

const MB = 2 ** 20;

/** Resident MB per kind of mapping: the wasm memory is the one anonymous mapping of 64 MB or more. */
function residentByMapping() {
  const kinds = {};
  let kind;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const size = (parseInt(head[2], 16) - parseInt(head[1], 16)) / MB;
      const name = head[3];
      if (!name) kind = size >= 64 ? 'anonymous, 64 MB or more (wasm memory)' : 'anonymous, smaller (V8 heap, compiled code, ...)';
      else if (name.startsWith('/')) kind = /\.so|\.node$/.test(name) ? 'shared libraries' : `file ${name.split('/').pop()}`;
      else kind = name;
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && kind) kinds[kind] = (kinds[kind] ?? 0) + Number(rss[1]) / 1024;
  }
  return Object.entries(kinds).filter(([, mb]) => mb >= 0.5).sort((a, b) => b[1] - a[1]);
}

process.on('exit', () => {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)[1]);
  const lines = [`memory at exit: ${(kb('VmRSS') / 1024).toFixed(1)} MB resident, peak ${(kb('VmHWM') / 1024).toFixed(1)} MB`];
  for (const [kind, mb] of residentByMapping()) lines.push(`${mb.toFixed(1).padStart(7)} ${kind}`);
  lines.push('  V8 heap spaces (resident):');
  for (const space of v8.getHeapSpaceStatistics()) {
    if (space.physical_space_size >= MB / 2) lines.push(`${(space.physical_space_size / MB).toFixed(1).padStart(7)} ${space.space_name}`);
  }
  process.stderr.write(`${lines.join('\n')}\n`);
});
