import { readFile, writeFile } from 'node:fs/promises';
import { optimizeGlb, optimizeOptionsSchema } from '../../node_modules/.cache/meshy-bench/src/optimize/index.js';
import { validateGlb } from '../../node_modules/.cache/meshy-bench/test/helpers/validate.js';
for (const f of process.argv.slice(2)) {
const input = new Uint8Array(await readFile(`/work/shared/fixtures/${f}.glb`));
const r = await optimizeGlb(input, optimizeOptionsSchema.parse(JSON.parse(process.env.OPTS ?? '{}')));
await writeFile(`/tmp/${f}.ours.glb`, r.bytes);
const v = await validateGlb(r.bytes);
console.log(f, r.bytes.length, (r.bytes.length/input.length).toFixed(3), r.report.durationMs+'ms', 'tris', r.before.triangles, '->', r.after.triangles, 'E/W', v.errors, v.warnings, JSON.stringify(v.codes), v.messages.slice(0,2).join(' | '), JSON.stringify(r.report.quality));
}
