import { fillUnusedTexels, rasterizeUvMask } from '../../node_modules/.cache/meshy-bench/src/optimize/texels.js';
const W=2048, n=W*W; const data=new Uint8Array(n*3); for (let i=0;i<data.length;i++) data[i]=(i*7)&255;
const mask=new Uint8Array(n); for(let i=0;i<n;i++) mask[i]=((i>>6)&1);
for (let k=0;k<3;k++){ let t=performance.now(); fillUnusedTexels({data,width:W,height:W,channels:3},mask); console.log('fill',(performance.now()-t)|0);}
let t=performance.now(); const f=new Float32Array(data); console.log('f32', (performance.now()-t)|0);
const tri=new Float32Array(60000*6); for(let i=0;i<tri.length;i++) tri[i]=Math.random();
for(let i=0;i<60000;i++){const u=Math.random()*0.98,v=Math.random()*0.98; tri.set([u,v,u+0.01,v,u,v+0.01],i*6);}
for (let k=0;k<3;k++){ t=performance.now(); rasterizeUvMask([tri],W,W,4); console.log('mask',(performance.now()-t)|0);}
for (let k=0;k<3;k++){ t=performance.now(); rasterizeUvMask([tri],W,W,0); console.log('mask nopad',(performance.now()-t)|0);}
