import sharp from 'sharp';
import { buildMesh, shapeFor } from './shape.js';
import { lookFor } from './textures.js';
import { renderThumbnail } from './thumbnail.js';

/**
 * A generated picture (text/image to image, https://docs.meshy.ai/en/api/text-to-image,
 * https://docs.meshy.ai/en/api/image-to-image): the prompt's object, rendered.
 */
export interface ImageRequest {
  prompt: string;
  seed: number;
  width: number;
  height: number;
  /** Turn of the object in degrees: multi-view sets show it from several sides. */
  yawDegrees: number;
  /** `remove_background`: an RGBA PNG whose background is see-through. */
  transparent: boolean;
}

const BACKGROUND = { r: 236, g: 236, b: 236 };

export async function generateImage(request: ImageRequest): Promise<Uint8Array> {
  const side = Math.min(request.width, request.height);
  const mesh = buildMesh(shapeFor(request.prompt, request.seed), 1500);
  const pixels = renderThumbnail(mesh, lookFor(request.prompt).main, side, request.transparent, request.yawDegrees);
  const left = Math.floor((request.width - side) / 2);
  const top = Math.floor((request.height - side) / 2);
  const png = await sharp(pixels.data, { raw: { width: side, height: side, channels: pixels.channels } })
    .extend({
      left,
      right: request.width - side - left,
      top,
      bottom: request.height - side - top,
      background: request.transparent ? { ...BACKGROUND, alpha: 0 } : BACKGROUND,
    })
    .png()
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
