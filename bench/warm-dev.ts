/**
 * Child process of `npm run bench:warm`: starts a Vite dev server on a project (with the project's own
 * vite.config.mjs), then does what a browser's first visit does: GET main.js, the first module it
 * imports, and the asset that module's default export points to. Prints one JSON line: ms from this
 * process's start to listening, and each request's ms. Requests use node:http, not fetch, whose first
 * call loads its HTTP client and would be timed with the request.
 *
 *   node warm-dev.js PROJECT_DIR
 */
import { request } from 'node:http';
import { createServer } from 'vite';

interface Answer {
  ms: number;
  body: Buffer;
}

function get(port: number, path: string): Promise<Answer> {
  const started = performance.now();
  return new Promise((done, fail) => {
    // Vite writes import paths with spaces as they are; a request line may not have them.
    request({ host: '127.0.0.1', port, path: path.replace(/[^\x21-\x7e]/gu, encodeURIComponent) }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', fail);
      response.on('end', () => {
        const body = Buffer.concat(chunks);
        if (response.statusCode !== 200) fail(new Error(`GET ${path}: ${response.statusCode} ${body.toString().slice(0, 500)}`));
        else done({ ms: performance.now() - started, body });
      });
    })
      .on('error', fail)
      .end();
  });
}

function match(pattern: RegExp, text: string, what: string): string {
  const found = pattern.exec(text)?.[1];
  if (!found) throw new Error(`no ${what} in:\n${text.slice(0, 1000)}`);
  return found;
}

const root = process.argv[2]!;
// Nothing is transformed ahead of the timed requests: each one does its own work, as on a first visit.
const server = await createServer({ root, logLevel: 'silent', server: { host: '127.0.0.1', port: 0, preTransformRequests: false } });
await server.listen();
const listeningMs = performance.now();
const address = server.httpServer?.address();
if (!address || typeof address === 'string') throw new Error('the dev server has no TCP address');
const main = await get(address.port, '/main.js');
const modulePath = match(/\bfrom\s+"([^"]+)"/, main.body.toString(), 'import in main.js');
const module = await get(address.port, modulePath);
const assetPath = JSON.parse(match(/export default ("[^"]+")/, module.body.toString(), `default export in ${modulePath}`)) as string;
const asset = await get(address.port, assetPath);
if (asset.body.toString('latin1', 0, 4) !== 'glTF') throw new Error(`${assetPath} is not a GLB`);
await server.close();
process.stdout.write(`${JSON.stringify({ listeningMs, mainMs: main.ms, moduleMs: module.ms, assetMs: asset.ms, modulePath })}\n`);
// A handle left open by a plugin must not hang the benchmark; the figures are written.
process.exit(0);
