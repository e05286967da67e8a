import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { VERSION as GLTF_TRANSFORM_VERSION } from '@gltf-transform/core';
import sharp from 'sharp';

const require = createRequire(import.meta.url);

/** A package's version from the package.json beside its entry point (works when `exports` hides package.json). */
function packageVersion(name: string): string {
  try {
    let dir = dirname(require.resolve(name));
    for (let depth = 0; depth < 4; depth++, dir = dirname(dir)) {
      try {
        const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (json.name === name && json.version) return json.version;
      } catch {
        // keep walking up
      }
    }
  } catch {
    // not installed (draco3dgltf is optional)
  }
  return 'absent';
}

/** Every library whose upgrade may change the optimizer's output; part of the optimized cache key. */
export const OPTIMIZER_VERSIONS: Readonly<Record<string, string>> = Object.freeze({
  gltfTransform: GLTF_TRANSFORM_VERSION,
  meshoptimizer: packageVersion('meshoptimizer'),
  sharp: sharp.versions.sharp ?? packageVersion('sharp'),
  libvips: sharp.versions.vips,
  libwebp: sharp.versions.webp ?? 'unknown',
  draco3dgltf: packageVersion('draco3dgltf'),
});
