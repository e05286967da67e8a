import sharp from 'sharp';
const m = new Uint8Array(64*64); m[32*64+32]=255;
const g = await sharp(m,{raw:{width:64,height:64,channels:1}}).dilate(2).raw().toBuffer({resolveWithObject:true});
console.log(g.info, g.data.length, [...g.data].filter(v=>v>127).length);
