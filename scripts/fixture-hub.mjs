// Serves fixtures/hub/ in the Hugging Face Hub layout ({host}/{repo}/resolve/{revision}/{file}),
// so the app's real Hub-loading code runs against local files in tests. Revision "main" is the
// folder itself; another revision is served only if the folder's REVISIONS file lists it.
// A repo named `<name>-truncated` serves <name> with its weight files cut in half, as a broken
// download leaves them; `<name>-slow` serves <name> with weight files trickling at 16 KB/s.
// Usage: node scripts/fixture-hub.mjs [port]
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../fixtures/hub/', import.meta.url));

export function startFixtureHub(port = 0, root = ROOT) {
  const requests = [];
  const server = createServer((req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    const url = new URL(req.url, 'http://localhost');
    requests.push(url.pathname);
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const send404 = () => {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('Entry not found');
    };
    if (!m) return send404();
    const [, requested, revisionEncoded, file] = m;
    const truncated = requested.endsWith('-truncated');
    const slow = requested.endsWith('-slow');
    const repo = requested.replace(/-(truncated|slow)$/, '');
    const revision = decodeURIComponent(revisionEncoded);
    const folder = normalize(join(root, repo));
    if (!folder.startsWith(root)) return send404();
    if (revision !== 'main') {
      const listed = existsSync(join(folder, 'REVISIONS')) ? readFileSync(join(folder, 'REVISIONS'), 'utf8').split('\n') : [];
      if (!listed.includes(revision)) return send404();
    }
    const path = normalize(join(folder, decodeURIComponent(file)));
    if (!path.startsWith(folder) || !existsSync(path) || !statSync(path).isFile()) return send404();
    const size = statSync(path).size;
    const weights = /\.(safetensors|bin|onnx)$/.test(path);
    const length = truncated && weights ? Math.floor(size / 2) : size;
    res.writeHead(200, { 'Content-Length': length, 'Content-Type': 'application/octet-stream' });
    if (slow && weights) {
      const bytes = readFileSync(path);
      let sent = 0;
      const timer = setInterval(() => {
        if (res.destroyed || sent >= length) {
          clearInterval(timer);
          if (!res.destroyed) res.end();
          return;
        }
        res.write(bytes.subarray(sent, Math.min(sent + 1600, length)));
        sent += 1600;
      }, 100);
      req.on('close', () => clearInterval(timer));
      return;
    }
    createReadStream(path, { start: 0, end: length - 1 }).pipe(res);
  });
  // Clients close idle connections first (undici after 4 s): a server closing them at 5 s races a
  // reused connection's next request (ECONNRESET) when a busy machine delays the client.
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      resolve({ url: `http://127.0.0.1:${server.address().port}`, requests, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const hub = await startFixtureHub(Number(process.argv[2] ?? 8765));
  console.log(`fixture hub at ${hub.url}`);
}
