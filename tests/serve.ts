import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { after } from 'node:test';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};
import type { AddressInfo } from 'node:net';

/**
 * Serves files from a folder on 127.0.0.1 with their content types; `mounts` maps path prefixes ("data/") to other
 * folders; `corrupt` names files served with one byte flipped. The server is closed after the test file however
 * it ends (registered before it listens), and never by itself keeps the process alive.
 */
export async function serveFolder(dir: string, options: { corrupt?: string[]; headers?: Record<string, string>; mounts?: Record<string, string> } = {}): Promise<{ url: string; server: Server; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer(async (req, res) => {
    const name = decodeURIComponent((req.url ?? '/').split('?')[0]).replace(/^\/+/, '');
    requests.push(name);
    try {
      if (name.includes('..')) throw new Error('no');
      const mount = Object.keys(options.mounts ?? {}).find((prefix) => name.startsWith(prefix));
      const bytes = await readFile(mount ? join((options.mounts as Record<string, string>)[mount], name.slice(mount.length)) : join(dir, name));
      if (options.corrupt?.includes(name)) bytes[bytes.length >> 1] ^= 0x40;
      res.writeHead(200, { 'content-type': TYPES[extname(name)] ?? 'application/octet-stream', ...options.headers }).end(bytes);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  after(() => {
    server.closeAllConnections();
    if (server.listening) server.close();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, server, requests };
}
