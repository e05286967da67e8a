import { NodeIO } from '@gltf-transform/core';
import sharp from 'sharp';
import { rasterizeUvMask, fillUnusedTexels, compareImages } from '../../node_modules/.cache/meshy-bench/src/optimize/texels.js';
const io = new NodeIO(); const doc = await io.read(process.argv[2]);
const prim = doc.getRoot().listMeshes()[0].listPrimitives()[0];
const uv = prim.getAttribute('TEXCOORD_0').getArray(); const idx = prim.getIndices().getArray();
const tri = new Float32Array(idx.length*2); for (let i=0;i<idx.length;i++){tri[2*i]=uv[2*idx[i]];tri[2*i+1]=uv[2*idx[i]+1];}
const mask = rasterizeUvMask([tri],2048,2048,4); const vis = rasterizeUvMask([tri],2048,2048,1);
const chans=[[0,1,2],[1,2],[0,1,2]];
for (const [ti, tex] of doc.getRoot().listTextures().entries()) {
  const {data,info}=await sharp(tex.getImage()).raw().toBuffer({resolveWithObject:true});
  const img={data:new Uint8Array(data),width:2048,height:2048,channels:3};
  const filled=fillUnusedTexels(img,mask);
  const r=[];
  async function t(label, src, opts){ const b=await sharp(src.data,{raw:{width:2048,height:2048,channels:3}}).webp(opts).toBuffer(); const d=await sharp(b).raw().toBuffer(); const e=compareImages(img,{data:d,width:2048,height:2048,channels:3},vis,chans[ti],ti===2,1); r.push(`${label}:${(b.length/1024)|0}K/${e.psnr.toFixed(2)}${e.normalAngleDeg?'/'+e.normalAngleDeg.toFixed(2)+'°':''}`); }
  await t('gt', img, {quality:80});
  for (const q of (ti===2?[80,82,84]:[80,82])) for (const e of [2,4]) await t(`q${q}e${e}`, filled, {quality:q,effort:e});
  await t('q80e2photo', filled, {quality:80,effort:2,preset:'photo'});
  console.log(ti, r.join(' '));
}
