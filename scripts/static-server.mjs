// A plain static file server, as GitHub Pages or any static host is: it serves a folder (dist/)
// under a subfolder path (/head-atlas/, like a GitHub Pages project site) and sends no
// Cross-Origin-Opener-Policy / Cross-Origin-Embedder-Policy headers. The e2e project `static`
// uses it to check that the build works from a subfolder and gets its WASM threads from the
// service-worker shim. Node built-ins only.
// Usage: node scripts/static-server.mjs [port=4174] [base=/head-atlas/] [dir=dist]
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
};

export function startStaticServer(port = 4174, base = '/head-atlas/', dir = 'dist') {
  const root = resolve(dir);
  const prefix = base.endsWith('/') ? base : `${base}/`;
  const server = createServer((req, res) => {
    const send = (status, text) => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'Method not allowed');
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      return send(400, 'Bad request');
    }
    if (`${pathname}/` === prefix) {
      res.writeHead(301, { Location: prefix });
      return res.end();
    }
    if (!pathname.startsWith(prefix)) return send(404, 'Not found');
    let path = resolve(root, `.${sep}${pathname.slice(prefix.length)}`);
    if (path !== root && !path.startsWith(root + sep)) return send(404, 'Not found');
    // Files are looked up on each request, so a build that finishes later is served as it is.
    let stat;
    try {
      stat = statSync(path);
      if (stat.isDirectory()) {
        path = join(path, 'index.html');
        stat = statSync(path);
      }
    } catch {
      return send(404, 'Not found');
    }
    if (!stat.isFile()) return send(404, 'Not found');
    res.writeHead(200, {
      'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream',
      'Content-Length': stat.size,
      'Cache-Control': 'no-cache',
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(path).pipe(res);
  });
  return new Promise((done) => server.listen(port, '127.0.0.1', () => done(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [port = '4174', base = '/head-atlas/', dir = 'dist'] = process.argv.slice(2);
  const server = await startStaticServer(Number(port), base, dir);
  const { port: bound } = server.address();
  console.log(`Serving ${resolve(dir)} at http://127.0.0.1:${bound}${base} (no COOP/COEP headers)`);
}
