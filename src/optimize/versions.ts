import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

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

let libvips: { vips?: string; webp?: string } | undefined;

/** Every library whose upgrade may change the optimizer's output; part of the optimized cache key. */
export const OPTIMIZER_VERSIONS: Readonly<Record<string, string>> = Object.freeze({
  // gltf-transform's own VERSION constant is "v" + its package version.
  gltfTransform: `v${packageVersion('@gltf-transform/core')}`,
  meshoptimizer: packageVersion('meshoptimizer'),
  sharp: packageVersion('sharp'),
  libvips: libvipsVersions().vips ?? 'unknown',
  libwebp: libvipsVersions().webp ?? 'unknown',
  draco3dgltf: packageVersion('draco3dgltf'),
});

/**
 * The libvips build sharp runs on, as `sharp.versions` reports it, read from the prebuilt package's
 * `versions.json` without loading sharp's native module (a cache hit must not pay for it). A libvips
 * installed on the system has no such file: only sharp itself can tell, so it is loaded then.
 */
function libvipsVersions(): { vips?: string; webp?: string } {
  if (libvips) return libvips;
  try {
    const fromSharp = createRequire(require.resolve('sharp'));
    const platform = `${process.platform}-${process.arch}`;
    const muslPlatform = `${process.platform}musl-${process.arch}`;
    for (const name of [`sharp-${platform}`, `sharp-libvips-${platform}`, `sharp-${muslPlatform}`, `sharp-libvips-${muslPlatform}`]) {
      try {
        libvips = fromSharp(`@img/${name}/versions`) as { vips?: string; webp?: string };
        return libvips;
      } catch {
        // not this platform's package
      }
    }
    libvips = (require('sharp') as { versions: { vips?: string; webp?: string } }).versions;
  } catch {
    libvips = {};
  }
  return libvips;
}
