// One `vite build` with the plugin as published (dist/), in its own process, so that a test can
// SIGKILL it at any moment. argv: <root> <plugin options as JSON>.
import { build } from 'vite';
import meshy from '../../dist/index.js';

const [root, options] = [process.argv[2], JSON.parse(process.argv[3] ?? '{}')];
await build({ root, configFile: false, logLevel: 'warn', plugins: [meshy(options)], build: { write: false } });
process.stdout.write('BUILD_OK\n');
