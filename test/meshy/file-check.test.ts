import { describe, expect, it } from 'vitest';
import { assertGlb, assertImage } from '../../src/cache/index.js';
import { createStreamCheck, type FileKind } from '../../src/meshy/file-check.js';
import { tinyGlb } from '../helpers/glb.js';

/** Runs a stream check over `bytes` cut into pieces of `size`; the error message, or undefined. */
function streamed(kind: FileKind, bytes: Uint8Array, size: number): string | undefined {
  try {
    const check = createStreamCheck(kind);
    for (let at = 0; at < bytes.byteLength; at += size) check.update(bytes.subarray(at, at + size));
    check.finish();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function whole(assert: (bytes: Uint8Array) => unknown, bytes: Uint8Array): string | undefined {
  try {
    assert(bytes);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const PNG = Uint8Array.from(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64'));

describe('stream checks give the store’s verdict without holding the file', () => {
  it('GLB: whole, truncated, padded, foreign, wrong version or JSON, in pieces of any size', async () => {
    const glb = await tinyGlb();
    const withLength = (bytes: Uint8Array, length: number) => {
      const copy = bytes.slice();
      new DataView(copy.buffer).setUint32(8, length, true);
      return copy;
    };
    const versioned = glb.slice();
    new DataView(versioned.buffer).setUint32(4, 1, true);
    const badJson = glb.slice();
    badJson[20] = 0x7b + 1;
    const cases = [
      glb,
      glb.subarray(0, glb.byteLength - 4),
      withLength(glb, glb.byteLength - 4),
      new TextEncoder().encode('<html>oops</html>'),
      versioned,
      badJson,
      glb.subarray(0, 12),
    ];
    for (const bytes of cases) {
      for (const size of [1, 7, 20, 64, 1 << 20]) {
        const verdict = streamed('glb', bytes, size);
        expect(verdict === undefined, `${bytes.byteLength} bytes in pieces of ${size}: ${verdict}`).toBe(whole(assertGlb, bytes) === undefined);
        if (verdict) expect(verdict).toMatch(/^Not a valid GLB file: /);
      }
    }
    expect(streamed('glb', glb.subarray(0, glb.byteLength - 4), 7)).toMatch(/header declares \d+ bytes but \d+ arrived \(truncated\?\)/);
  });

  it('GLB: more bytes than the header declares fail as soon as they arrive', async () => {
    const glb = await tinyGlb();
    const check = createStreamCheck('glb');
    check.update(glb);
    expect(() => check.update(new Uint8Array(4))).toThrow(/more than the \d+ bytes its header declares/);
  });

  it('image: a whole PNG, a truncated one, and an HTML page refused at its first bytes', () => {
    expect(streamed('image', PNG, 3)).toBeUndefined();
    expect(whole(assertImage, PNG)).toBeUndefined();
    expect(streamed('image', PNG.subarray(0, PNG.byteLength - 2), 5)).toMatch(/ends before its IEND chunk/);
    const check = createStreamCheck('image');
    expect(() => check.update(new TextEncoder().encode('<!DOCTYPE html>'))).toThrow(/neither PNG nor JPEG/);
    expect(streamed('image', Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 0xff, 0xd9]), 3)).toBeUndefined();
  });
});
