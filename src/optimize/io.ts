import { Logger, NodeIO } from '@gltf-transform/core';
import { ALL_EXTENSIONS } from '@gltf-transform/extensions';
import { MeshoptDecoder } from 'meshoptimizer/decoder';
import { MeshoptEncoder } from 'meshoptimizer/encoder';

let ioPromise: Promise<NodeIO> | undefined;

/**
 * One NodeIO that reads and writes every extension we may meet or produce. Network reads stay off.
 * The Draco codec (a 2 MB wasm module) is only loaded when a file or an option needs it.
 */
export function getIO(): Promise<NodeIO> {
  ioPromise ??= (async () => {
    await Promise.all([MeshoptDecoder.ready, MeshoptEncoder.ready]);
    return new NodeIO().setLogger(new Logger(Logger.Verbosity.ERROR)).registerExtensions(ALL_EXTENSIONS).registerDependencies({
      'meshopt.decoder': MeshoptDecoder,
      'meshopt.encoder': MeshoptEncoder,
    });
  })();
  return ioPromise;
}

let dracoPromise: Promise<NodeIO> | undefined;

/** getIO() plus the Draco encoder and decoder. */
export function getDracoIO(): Promise<NodeIO> {
  dracoPromise ??= (async () => {
    const [io, draco3d] = await Promise.all([getIO(), import('draco3dgltf')]);
    const [encoder, decoder] = await Promise.all([draco3d.default.createEncoderModule(), draco3d.default.createDecoderModule()]);
    return io.registerDependencies({ 'draco3d.encoder': encoder, 'draco3d.decoder': decoder });
  })();
  return dracoPromise;
}

/** GLB bytes that use Draco need the Draco decoder to be read. */
export function usesDraco(glb: Uint8Array): boolean {
  const json = glbJson(glb);
  return json.includes('"KHR_draco_mesh_compression"');
}

function glbJson(glb: Uint8Array): string {
  if (glb.byteLength < 20) return '';
  const view = new DataView(glb.buffer, glb.byteOffset, glb.byteLength);
  const length = view.getUint32(12, true);
  return new TextDecoder().decode(glb.subarray(20, 20 + Math.min(length, glb.byteLength - 20)));
}
