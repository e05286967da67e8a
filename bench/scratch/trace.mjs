import { readFile } from 'node:fs/promises';
import { optimizeGlb, optimizeOptionsSchema } from '../../node_modules/.cache/meshy-bench/src/optimize/index.js';
const input = new Uint8Array(await readFile('/work/shared/fixtures/meshy4-bear.glb'));
for (let i=0;i<2;i++){ const t=performance.now(); const r = await optimizeGlb(input, optimizeOptionsSchema.parse({})); console.log((performance.now()-t)|0, JSON.stringify(r.report.stepMs), r.bytes.length); }
