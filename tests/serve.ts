import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

/** Serves files from a folder on 127.0.0.1; `corrupt` names files served with one byte flipped. */
export async function serveFolder(dir: string, options: { corrupt?: string[] } = {}): Promise<{ url: string; server: Server; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer(async (req, res) => {
    const name = decodeURIComponent((req.url ?? '/').split('?')[0]).replace(/^\/+/, '');
    requests.push(name);
    try {
      if (name.includes('..')) throw new Error('no');
      const bytes = await readFile(join(dir, name));
      if (options.corrupt?.includes(name)) bytes[bytes.length >> 1] ^= 0x40;
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(bytes);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, server, requests };
}
