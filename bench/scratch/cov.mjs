import { NodeIO } from '@gltf-transform/core';
import { ALL_EXTENSIONS } from '@gltf-transform/extensions';
import sharp from 'sharp';
const io = new NodeIO().registerExtensions(ALL_EXTENSIONS);
const doc = await io.read(process.argv[2]);
for (const t of doc.getRoot().listTextures()) {
  const meta = await sharp(t.getImage()).metadata();
  const st = await sharp(t.getImage()).stats();
  console.log(t.getName(), t.getMimeType(), meta.width, meta.height, meta.channels, t.getImage().byteLength, st.channels.map(c=>[c.min,c.max,c.mean.toFixed(1),c.stdev.toFixed(1)].join('/')).join(' '));
  for (const info of doc.getGraph().listParentEdges(t).map(e=>e.getName())) console.log('  slot', info);
}
const prim = doc.getRoot().listMeshes()[0].listPrimitives()[0];
const uv = prim.getAttribute('TEXCOORD_0').getArray(); const idx = prim.getIndices().getArray();
const W=2048,H=2048; const mask=new Uint8Array(W*H);
for (let i=0;i<idx.length;i+=3){const a=idx[i]*2,b=idx[i+1]*2,c=idx[i+2]*2;
 const x0=uv[a]*W,y0=uv[a+1]*H,x1=uv[b]*W,y1=uv[b+1]*H,x2=uv[c]*W,y2=uv[c+1]*H;
 const minx=Math.max(0,Math.floor(Math.min(x0,x1,x2))),maxx=Math.min(W-1,Math.ceil(Math.max(x0,x1,x2)));
 const miny=Math.max(0,Math.floor(Math.min(y0,y1,y2))),maxy=Math.min(H-1,Math.ceil(Math.max(y0,y1,y2)));
 const d=(x1-x0)*(y2-y0)-(x2-x0)*(y1-y0); if(d===0) continue;
 for(let y=miny;y<=maxy;y++)for(let x=minx;x<=maxx;x++){const px=x+0.5,py=y+0.5;
  const w0=((x1-px)*(y2-py)-(x2-px)*(y1-py))/d, w1=((x2-px)*(y0-py)-(x0-px)*(y2-py))/d, w2=1-w0-w1;
  if(w0>=-0.02&&w1>=-0.02&&w2>=-0.02) mask[y*W+x]=255;}}
let n=0; for(const m of mask) if(m) n++; console.log('coverage', (n/(W*H)).toFixed(3));
await sharp(mask,{raw:{width:W,height:H,channels:1}}).png().toFile('/tmp/mask.png');
