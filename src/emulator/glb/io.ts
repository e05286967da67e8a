import { type Document, Logger, NodeIO } from '@gltf-transform/core';
import { ALL_EXTENSIONS } from '@gltf-transform/extensions';

/** One reader/writer for the GLBs the emulator takes in (uploads, chained results) and writes. */
const io = new NodeIO().setLogger(new Logger(Logger.Verbosity.ERROR)).registerExtensions(ALL_EXTENSIONS);

export function readGlb(bytes: Uint8Array): Promise<Document> {
  return io.readBinary(bytes);
}

export function writeGlb(document: Document): Promise<Uint8Array> {
  document.getRoot().getAsset().generator = 'vite-plugin-meshy emulator';
  return io.writeBinary(document);
}
