import { NodeIO } from '@gltf-transform/core';
import { ALL_EXTENSIONS } from '@gltf-transform/extensions';
import sharp from 'sharp';
const io = new NodeIO().registerExtensions(ALL_EXTENSIONS);
const doc = await io.read(process.argv[2]);
const prim = doc.getRoot().listMeshes()[0].listPrimitives()[0];
const uv = prim.getAttribute('TEXCOORD_0').getArray(); const idx = prim.getIndices().getArray();
const W=2048,H=2048; let mask=new Uint8Array(W*H);
let t0=performance.now();
for (let i=0;i<idx.length;i+=3){const a=idx[i]*2,b=idx[i+1]*2,c=idx[i+2]*2;
 const x0=uv[a]*W,y0=uv[a+1]*H,x1=uv[b]*W,y1=uv[b+1]*H,x2=uv[c]*W,y2=uv[c+1]*H;
 const minx=Math.max(0,Math.floor(Math.min(x0,x1,x2))),maxx=Math.min(W-1,Math.ceil(Math.max(x0,x1,x2)));
 const miny=Math.max(0,Math.floor(Math.min(y0,y1,y2))),maxy=Math.min(H-1,Math.ceil(Math.max(y0,y1,y2)));
 for(let y=miny;y<=maxy;y++)for(let x=minx;x<=maxx;x++) mask[y*W+x]=1;}  // bbox (conservative) test
console.log('raster', performance.now()-t0);
function dilate(m){const o=new Uint8Array(m);for(let y=0;y<H;y++)for(let x=0;x<W;x++){if(m[y*W+x])continue;
 if((x>0&&m[y*W+x-1])||(x<W-1&&m[y*W+x+1])||(y>0&&m[(y-1)*W+x])||(y<H-1&&m[(y+1)*W+x]))o[y*W+x]=1;}return o;}
for(let i=0;i<2;i++) mask=dilate(mask);
let n=0; for(const m of mask) n+=m; console.log('coverage', n/(W*H));
function pullPush(px,w,h,ch,m){ // px Float32 w*h*ch, m weights 0/1 Float32
  if(w<=1&&h<=1) return;
  const w2=Math.max(1,w>>1),h2=Math.max(1,h>>1); const c2=new Float32Array(w2*h2*ch), m2=new Float32Array(w2*h2);
  for(let y=0;y<h2;y++)for(let x=0;x<w2;x++){let s=0;const acc=[0,0,0,0];
    for(let dy=0;dy<2;dy++)for(let dx=0;dx<2;dx++){const sx=Math.min(w-1,2*x+dx),sy=Math.min(h-1,2*y+dy),i=sy*w+sx;const wt=m[i];if(!wt)continue;s+=wt;for(let k=0;k<ch;k++)acc[k]+=px[i*ch+k]*wt;}
    const o=y*w2+x; if(s>0){m2[o]=1;for(let k=0;k<ch;k++)c2[o*ch+k]=acc[k]/s;}}
  pullPush(c2,w2,h2,ch,m2);
  for(let y=0;y<h;y++)for(let x=0;x<w;x++){const i=y*w+x;if(m[i])continue;
    const fx=Math.min(w2-1,Math.max(0,(x+0.5)/2-0.5)),fy=Math.min(h2-1,Math.max(0,(y+0.5)/2-0.5));
    const x0=Math.floor(fx),y0=Math.floor(fy),x1=Math.min(w2-1,x0+1),y1=Math.min(h2-1,y0+1),ax=fx-x0,ay=fy-y0;
    for(let k=0;k<ch;k++){px[i*ch+k]=(c2[(y0*w2+x0)*ch+k]*(1-ax)+c2[(y0*w2+x1)*ch+k]*ax)*(1-ay)+(c2[(y1*w2+x0)*ch+k]*(1-ax)+c2[(y1*w2+x1)*ch+k]*ax)*ay;}}
}
for (const t of doc.getRoot().listTextures()) {
  const {data,info}=await sharp(t.getImage()).raw().toBuffer({resolveWithObject:true});
  const ch=info.channels; t0=performance.now();
  const px=Float32Array.from(data); const m=Float32Array.from(mask);
  pullPush(px,W,H,ch,m);
  const out=Buffer.from(Uint8ClampedArray.from(px));
  const tf=performance.now()-t0;
  const r=[];
  for (const [label,img] of [['orig',sharp(data,{raw:info})],['fill',sharp(out,{raw:info})]]) for (const eff of [4,6]) {
    t0=performance.now(); const b=await img.clone().webp({quality:80,effort:eff}).toBuffer(); r.push(`${label}/e${eff}:${b.length}(${(performance.now()-t0)|0}ms)`);}
  console.log(t.getImage().byteLength, 'fill', tf|0, 'ms', r.join(' '));
  if (t===doc.getRoot().listTextures()[0]) await sharp(out,{raw:info}).resize(1024).png().toFile('/tmp/filled.png');
}
