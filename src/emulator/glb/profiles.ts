/**
 * How heavy the emulator's output is. Meshy's real files are large (hundreds of thousands of
 * triangles, 2k–4k PNG textures); tests want tiny ones, benchmarks want real ones.
 */
export const PROFILES = ['small', 'standard', 'large'] as const;
export type Profile = (typeof PROFILES)[number];

/** Meshy's texture_resolution values (https://docs.meshy.ai/en/api/text-to-3d). */
export type TextureResolution = '2k' | '4k' | '8k';

interface ProfileLimits {
  maxTriangles: number;
  /** Generated images (text/image to image) at this fraction of Meshy's pixel size. */
  imageScale: number;
  textureSize: Record<TextureResolution, number>;
  thumbnailSize: number;
}

const LIMITS: Record<Profile, ProfileLimits> = {
  small: { maxTriangles: 2_000, imageScale: 0.25, textureSize: { '2k': 256, '4k': 256, '8k': 256 }, thumbnailSize: 128 },
  standard: { maxTriangles: 300_000, imageScale: 1, textureSize: { '2k': 1024, '4k': 2048, '8k': 2048 }, thumbnailSize: 512 },
  large: { maxTriangles: 300_000, imageScale: 1, textureSize: { '2k': 2048, '4k': 4096, '8k': 4096 }, thumbnailSize: 512 },
};

export function profileTriangles(profile: Profile, requested: number): number {
  return Math.min(requested, LIMITS[profile].maxTriangles);
}

export function profileTextureSize(profile: Profile, resolution: TextureResolution): number {
  return LIMITS[profile].textureSize[resolution];
}

export function profileThumbnailSize(profile: Profile): number {
  return LIMITS[profile].thumbnailSize;
}

export function profileImageSize(profile: Profile, size: { width: number; height: number }): { width: number; height: number } {
  const scale = LIMITS[profile].imageScale;
  return { width: Math.round(size.width * scale), height: Math.round(size.height * scale) };
}
