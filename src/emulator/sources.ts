import { inspectGlb, isGlb } from './glb/inspect.js';
import { hash32 } from './glb/random.js';
import { ApiError } from './http.js';
import { UUID_PATTERN } from './ids.js';
import { source } from './outputs.js';
import type { ModelInfo, PlanContext } from './resource.js';
import { snapshotAt, type Task, type TaskError } from './tasks.js';
import { reject } from './validation.js';

/**
 * The inputs many resources share: a chained task (`input_task_id`, `rig_task_id`…), an uploaded
 * model (`model_url`) and images (`image_url`…), as URLs or data URIs (https://docs.meshy.ai/en/api/image-to-3d, https://docs.meshy.ai/en/api/task-lifecycle).
 */

/**
 * A SUCCEEDED task of the caller, of one of `types`, within retention (https://docs.meshy.ai/en/api/task-lifecycle). A task that does not
 * exist is a 400 for most fields ("invalid task", https://docs.meshy.ai/en/api/image-to-3d–6.6) and a 404 where
 * the docs say so (https://docs.meshy.ai/en/api/animation).
 */
export function chainedTask(field: string, id: string, context: PlanContext, types: readonly string[], missing: 400 | 404 = 400): Task {
  if (!UUID_PATTERN.test(id)) reject(`${field} is not a valid task id: Invalid UUID (got ${JSON.stringify(id)})`);
  const task = context.findTask(id);
  if (!task) {
    if (missing === 404) throw new ApiError(404, `Task not found: ${id}`);
    reject(`${field} names no task of yours: ${id}`);
  }
  if (!types.includes(task.type)) reject(`${field} must name a ${types.join(', ')} task; ${id} is a ${task.type} task`);
  const { status } = snapshotAt(task, context.now);
  if (status !== 'SUCCEEDED') reject(`${field} task ${id} is ${status}; only a SUCCEEDED task can be used`);
  if (context.now >= task.expiresAt) reject(`${field} task ${id} has expired; its results were deleted after the retention period`);
  return task;
}

export type ModelFormat = 'glb' | 'gltf' | 'obj' | 'fbx' | 'stl';
export const MODEL_FORMATS: readonly ModelFormat[] = ['glb', 'gltf', 'obj', 'fbx', 'stl'];

export interface ModelUpload {
  url: string;
  format: ModelFormat;
  /** The decoded data URI; an https URL cannot be fetched offline and is taken as given. */
  bytes?: Uint8Array;
}

/**
 * `model_url`: a URL whose extension is accepted, or an `application/octet-stream` data URI
 * (https://docs.meshy.ai/en/api/image-to-3d, https://docs.meshy.ai/en/api/errors).
 */
export function parseModelUrl(field: string, url: string, accepted: readonly ModelFormat[]): ModelUpload {
  const data = /^data:([^;,]*);base64,(.*)$/is.exec(url);
  if (data) {
    if (data[1]!.toLowerCase() !== 'application/octet-stream') reject(`${field} data URI must be data:application/octet-stream;base64,… (got data:${data[1]})`);
    const bytes = decodeBase64(field, data[2]!);
    const format = sniffModel(bytes);
    if (!format) reject(`${field} data URI holds no ${accepted.map((f) => `.${f}`).join(', ')} model`);
    if (!accepted.includes(format)) reject(`Invalid model file extension: .${format}`);
    return { url, format, bytes };
  }
  if (!/^https?:\/\/\S+$/i.test(url)) reject(`${field} must be an http(s) URL or a data:application/octet-stream;base64 URI`);
  const extension = /\.([a-z0-9]+)$/i.exec(new URL(url).pathname)?.[1]?.toLowerCase() ?? '';
  if (!(accepted as readonly string[]).includes(extension)) reject(`Invalid model file extension: ${extension ? `.${extension}` : '(none)'}`);
  return { url, format: extension as ModelFormat };
}

/** Faces assumed for a model the emulator cannot read: a typical Meshy result (https://docs.meshy.ai/en/api/text-to-3d default). */
const UNKNOWN_FACES = 30_000;

/** What an upload offers, or the task error Meshy gives an unusable file (https://docs.meshy.ai/en/api/errors `invalid_input`). */
export function uploadedModel(upload: ModelUpload): { model: ModelInfo; failure?: TaskError } {
  const seed = hash32('upload', upload.url) % 1_000_000;
  const unknown: ModelInfo = { faces: UNKNOWN_FACES, textured: false, hasUvs: false, seed };
  if (!upload.bytes || upload.format !== 'glb') return { model: unknown };
  const summary = inspectGlb(upload.bytes);
  if ('error' in summary) return { model: unknown, failure: invalidInput(`The model file could not be read: ${summary.error}.`) };
  // https://docs.meshy.ai/en/api/errors: a meshopt-compressed GLB is one of the documented invalid inputs.
  if (summary.extensionsRequired.some((name) => name.includes('meshopt'))) {
    return { model: unknown, failure: invalidInput('Meshopt-compressed GLB files are not supported.') };
  }
  const bytes = upload.bytes;
  return {
    model: {
      glb: source(['upload', seed, bytes.byteLength], async () => bytes),
      faces: summary.faces,
      textured: summary.textured,
      hasUvs: summary.hasUvs,
      seed,
    },
  };
}

function invalidInput(message: string): TaskError {
  return { type: 'invalid_input', code: 'invalid_input', message, doc_url: 'https://docs.meshy.ai/en/api/errors#invalid-input' };
}

/**
 * An image input (https://docs.meshy.ai/en/api/image-to-3d): an https URL (taken as given; a path extension must be jpg/jpeg/png) or a
 * png/jpeg data URI whose bytes really are that image. Returns what seeds the look of the result.
 */
export function checkImageUrl(field: string, url: string): string {
  const data = /^data:image\/(png|jpe?g);base64,(.*)$/is.exec(url);
  if (data) {
    const bytes = decodeBase64(field, data[2]!);
    const isPng = bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
    const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
    const declared = data[1]!.toLowerCase() === 'png' ? 'png' : 'jpeg';
    if (declared === 'png' ? !isPng : !isJpeg) reject(`${field} data URI is not a valid ${declared.toUpperCase()} image`);
    return `image:${hash32(url)}`;
  }
  if (!/^https?:\/\/\S+$/i.test(url)) reject(`${field} must be an http(s) URL or a data:image/png|jpeg;base64 URI of a .jpg, .jpeg or .png image`);
  const extension = /\.([a-z0-9]+)$/i.exec(new URL(url).pathname)?.[1]?.toLowerCase();
  if (extension && !['png', 'jpg', 'jpeg'].includes(extension)) reject(`${field} must be a .jpg, .jpeg or .png image (got .${extension})`);
  return url;
}

function decodeBase64(field: string, text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (clean === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) reject(`${field} data URI is not valid base64`);
  return new Uint8Array(Buffer.from(clean, 'base64'));
}

/** The model format of some bytes, from their content: a data URI has no file name. */
function sniffModel(bytes: Uint8Array): ModelFormat | undefined {
  if (isGlb(bytes)) return 'glb';
  const head = Buffer.from(bytes.subarray(0, 256)).toString('latin1');
  if (head.startsWith('Kaydara FBX Binary') || head.startsWith('; FBX')) return 'fbx';
  if (/^\s*\{/.test(head) && head.includes('"asset"')) return 'gltf';
  if (/^solid\b/.test(head) || (bytes.byteLength >= 84 && bytes.byteLength === 84 + 50 * Buffer.from(bytes).readUInt32LE(80))) return 'stl';
  if (/^(#.*\n|\s*\n)*(v|vn|vt|o|g|mtllib)\s/m.test(head)) return 'obj';
  return undefined;
}
