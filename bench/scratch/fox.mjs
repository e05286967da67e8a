import sharp from 'sharp';
import { NodeIO } from '@gltf-transform/core';
for (const f of ['Fox','trellis-bear']) {
const doc = await new NodeIO().read(`/work/shared/fixtures/${f}.glb`);
const img = doc.getRoot().listTextures()[0].getImage();
for (const o of [{lossless:true,effort:2},{lossless:true,effort:4},{nearLossless:true,quality:60,effort:4},{quality:82,effort:2}]) { const t=performance.now(); const b=await sharp(img).webp(o).toBuffer(); console.log(f, JSON.stringify(o), b.length, (performance.now()-t)|0); }
}
