import sharp from 'sharp';
const W=2048, n=W*W; const data=new Uint8Array(n*3); for (let i=0;i<data.length;i++) data[i]=(i*7)&255;
const mask=new Uint8Array(n); for(let i=0;i<n;i++) mask[i]=((i>>6)&1);
for (let k=0;k<3;k++){
let t=performance.now();
const sw=512, colors=new Float32Array(sw*sw*3), counts=new Float32Array(sw*sw);
for (let y=0;y<W;y++){const br=(y>>2)*sw; for(let x=0;x<W;x++){const i=y*W+x; if(!mask[i])continue; const b=br+(x>>2); counts[b]++; for(let c=0;c<3;c++) colors[b*3+c]+=data[i*3+c];}}
console.log('pull', (performance.now()-t)|0); t=performance.now();
const small=Buffer.alloc(colors.length); for(let i=0;i<colors.length;i++) small[i]=Math.round(colors[i]/16);
const smooth=await sharp(small,{raw:{width:sw,height:sw,channels:3}}).resize(W,W,{fit:'fill',kernel:'linear'}).raw().toBuffer();
console.log('sharp', (performance.now()-t)|0); t=performance.now();
const out=new Uint8Array(data); for(let i=0;i<n;i++){ if(mask[i])continue; for(let c=0;c<3;c++) out[i*3+c]=smooth[i*3+c]; }
console.log('merge', (performance.now()-t)|0);
}
