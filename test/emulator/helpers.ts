import { type Document, NodeIO } from '@gltf-transform/core';
import { onTestFinished } from 'vitest';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../src/emulator/index.js';

export const KEY = 'msy_emulator_test_key_0001';
export const TEST_MODE_KEY = 'msy_dummy_api_key_for_test_mode_12345678';
export const T2T = '/openapi/v2/text-to-3d';

/** A clock the test moves by hand. Starts on 2026-10-01. */
export function fakeClock(start = Date.UTC(2026, 9, 1)) {
  let time = start;
  return {
    now: () => time,
    advance: (ms: number) => void (time += ms),
  };
}

interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface TestEmulator {
  emulator: Emulator;
  call<T = any>(method: string, path: string, body?: unknown, options?: { key?: string | null; raw?: string }): Promise<ApiResponse<T>>;
  /** POST a create and return the task id (asserting 202). */
  create(body: Record<string, unknown>, key?: string): Promise<string>;
  get<T = any>(id: string, key?: string): Promise<T>;
  /** POST a create to any resource and return the task id (asserting 202). */
  createAt(path: string, body: Record<string, unknown>, key?: string): Promise<string>;
  /** GET a task of any resource (asserting 200). */
  getAt<T = any>(path: string, id: string, key?: string): Promise<T>;
}

/** Starts an emulator for the current test and closes it afterwards. */
export async function useEmulator(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const emulator = await startEmulator({ apiKeys: [KEY], ...options });
  onTestFinished(() => emulator.close());

  async function call(method: string, path: string, body?: unknown, options: { key?: string | null; raw?: string } = {}) {
    const key = options.key === undefined ? KEY : options.key;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (key !== null) headers.authorization = `Bearer ${key}`;
    const payload = options.raw ?? (body === undefined ? undefined : JSON.stringify(body));
    const response = await fetch(`${emulator.url}${path}`, { method, headers, body: payload });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed as any, text };
  }

  async function getAt(path: string, id: string, key?: string) {
    const response = await call('GET', `${path}/${id}`, undefined, { key });
    if (response.status !== 200) throw new Error(`get failed: ${response.status} ${response.text}`);
    return response.body;
  }

  return {
    emulator,
    call,
    async create(body, key) {
      const response = await call('POST', T2T, body, { key });
      if (response.status !== 202) throw new Error(`create failed: ${response.status} ${response.text}`);
      return response.body.result as string;
    },
    get: (id, key) => getAt(T2T, id, key),
    async createAt(path, body, key) {
      const response = await call('POST', path, body, { key });
      if (response.status !== 202) throw new Error(`create failed: ${response.status} ${response.text}`);
      return response.body.result as string;
    },
    getAt,
  };
}

export interface SseEvent {
  event: string;
  data: any;
}

/** Reads a whole SSE stream until the server closes it. Comment lines are returned as `comment`. */
export async function readStream(url: string, key = KEY): Promise<{ status: number; contentType: string | null; events: SseEvent[] }> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' } });
  const text = await response.text();
  const events: SseEvent[] = [];
  for (const block of text.split('\n\n')) {
    if (!block.trim()) continue;
    const lines = block.split('\n');
    if (lines.every((line) => line.startsWith(':'))) {
      events.push({ event: 'comment', data: lines.join('\n') });
      continue;
    }
    const event = lines.find((line) => line.startsWith('event: '))?.slice(7) ?? 'message';
    const data = lines.filter((line) => line.startsWith('data: ')).map((line) => line.slice(6));
    if (data.length !== 1) throw new Error(`expected one data line per event, got ${data.length}: ${block}`);
    events.push({ event, data: JSON.parse(data[0]!) });
  }
  return { status: response.status, contentType: response.headers.get('content-type'), events };
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (!signature.every((byte, i) => bytes[i] === byte)) throw new Error('not a PNG');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

export async function download(url: string, init?: RequestInit): Promise<{ status: number; headers: Headers; bytes: Uint8Array }> {
  const response = await fetch(url, init);
  return { status: response.status, headers: response.headers, bytes: new Uint8Array(await response.arrayBuffer()) };
}

/** A data URI of some bytes, as Meshy takes uploads (https://docs.meshy.ai/en/api/image-to-3d). */
export function dataUri(bytes: Uint8Array, mime = 'application/octet-stream'): string {
  return `data:${mime};base64,${Buffer.from(bytes).toString('base64')}`;
}

/** A tiny valid PNG (1×1, red). */
export const PNG_DATA_URI = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

/** Skin, joints, skinning attributes and clips of a rigged or animated GLB. */
export async function inspectRig(bytes: Uint8Array) {
  const document = await new NodeIO().readBinary(bytes);
  const root = document.getRoot();
  const skin = root.listSkins()[0];
  const primitive = root.listMeshes()[0]?.listPrimitives()[0];
  const weights = primitive?.getAttribute('WEIGHTS_0');
  let maxWeightError = 0;
  for (let i = 0; i < (weights?.getCount() ?? 0); i++) {
    const w = weights!.getElement(i, [0, 0, 0, 0]);
    maxWeightError = Math.max(maxWeightError, Math.abs(w.reduce((a, b) => a + b, 0) - 1));
  }
  return {
    document: document as Document,
    joints: skin?.listJoints().map((joint) => joint.getName()) ?? root.listNodes().map((node) => node.getName()),
    hasIbm: Boolean(skin?.getInverseBindMatrices()),
    attributes: primitive?.listSemantics().sort() ?? [],
    maxWeightError,
    clips: root.listAnimations().map((animation) => animation.getName()),
  };
}
