import { NodeIO } from '@gltf-transform/core';
import { ALL_EXTENSIONS } from '@gltf-transform/extensions';
import sharp from 'sharp';
import { rasterizeUvMask, fillUnusedTexels, compareImages } from '../../node_modules/.cache/meshy-bench/src/optimize/texels.js';
const io = new NodeIO().registerExtensions(ALL_EXTENSIONS);
const doc = await io.read(process.argv[2]);
const prim = doc.getRoot().listMeshes()[0].listPrimitives()[0];
const uv = prim.getAttribute('TEXCOORD_0').getArray(); const idx = prim.getIndices().getArray();
const tri = new Float32Array(idx.length*2); for (let i=0;i<idx.length;i++){tri[2*i]=uv[2*idx[i]];tri[2*i+1]=uv[2*idx[i]+1];}
let t=performance.now(); const mask = rasterizeUvMask([tri],2048,2048,4); console.log('mask',(performance.now()-t)|0);
const texs = doc.getRoot().listTextures();
for (const [ti, tex] of texs.entries()) {
  t=performance.now();
  const {data,info}=await sharp(tex.getImage()).raw().toBuffer({resolveWithObject:true});
  const img={data:new Uint8Array(data),width:info.width,height:info.height,channels:info.channels};
  console.log('decode',(performance.now()-t)|0); t=performance.now();
  const filled=fillUnusedTexels(img,mask); console.log('fill',(performance.now()-t)|0);
  const variants = ti===2 ? [[80,false],[80,true],[85,false],[90,false],[90,true]] : [[80,false],[80,true]];
  for (const [q,ss] of variants) {
    t=performance.now();
    const b=await sharp(filled.data,{raw:{width:2048,height:2048,channels:3}}).webp({quality:q,effort:4,smartSubsample:ss}).toBuffer();
    const te=performance.now()-t;
    const r=await sharp(b).raw().toBuffer({resolveWithObject:true});
    const e=compareImages(img,{data:r.data,width:2048,height:2048,channels:r.info.channels},mask,[0,1,2],ti===2);
    console.log(ti,`q${q} ss${ss}`,b.length,(te|0)+'ms',e.psnr.toFixed(2),e.normalAngleDeg?.toFixed(2));
  }
}
