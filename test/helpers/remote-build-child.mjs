// One `vite build` with the plugin as published (dist/), in its own process with its own environment
// (a "machine" of a team sharing a remote store), writing dist/ and printing the plugin's lines.
// argv: <root> <plugin options as JSON>.
import { build } from 'vite';
import meshy from '../../dist/index.js';

const [root, options] = [process.argv[2], JSON.parse(process.argv[3] ?? '{}')];
await build({ root, configFile: false, logLevel: 'info', plugins: [meshy(options)], build: { write: true, emptyOutDir: true } });
process.stdout.write('BUILD_OK\n');
