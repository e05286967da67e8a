import sharp from 'sharp';
import { NodeIO } from '@gltf-transform/core';
const io = new NodeIO(); const doc = await io.read('/work/shared/fixtures/meshy4-bear.glb');
for (const tex of doc.getRoot().listTextures()) {
  const {data,info}=await sharp(tex.getImage()).raw().toBuffer({resolveWithObject:true});
  const r=[];
  for (const eff of [0,1,2,3,4]) { const t=performance.now(); const b=await sharp(data,{raw:info}).webp({quality:82,effort:eff}).toBuffer(); r.push(`e${eff}:${b.length}/${(performance.now()-t)|0}ms`); }
  console.log(r.join(' '));
}
