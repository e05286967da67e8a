import { z } from 'zod';

/** One Meshy task that a cached model came from. */
const taskRecordSchema = z.object({
  stage: z.string(),
  id: z.string(),
  type: z.string().optional(),
  createdAt: z.number(),
  finishedAt: z.number().optional(),
  credits: z.number(),
});

const fileRecordSchema = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
  /** File extension in the store; absent means `glb`. */
  ext: z.enum(['glb', 'png', 'jpg']).optional(),
});

/** What the store knows about one spec key: where its model came from and which bytes it is. */
export const manifestEntrySchema = z.object({
  kind: z.string(),
  label: z.string(),
  namespace: z.string(),
  model: z.string(),
  request: z.record(z.string(), z.unknown()),
  tasks: z.array(taskRecordSchema),
  credits: z.number(),
  /** The result: a model (`glb`) or, for image imports, an `image`. */
  files: z.union([z.object({ glb: fileRecordSchema }), z.object({ image: fileRecordSchema })]),
  createdAt: z.string(),
});

export const manifestSchema = z.object({
  version: z.literal(1),
  entries: z.record(z.string(), manifestEntrySchema),
});

/**
 * `raw/<sha256>.json`, beside each raw file: its manifest entry and spec key, so that a lost or broken
 * manifest can be rebuilt from the raw files without paying for anything again (`repair`).
 */
export const rawSidecarSchema = manifestEntrySchema.extend({
  version: z.literal(1),
  key: z.string(),
});

/** The file a manifest entry stands for, whatever its kind. */
export function resultFileOf(entry: ManifestEntry): FileRecord {
  return 'glb' in entry.files ? entry.files.glb : entry.files.image;
}

export type TaskRecord = z.infer<typeof taskRecordSchema>;
export type FileRecord = z.infer<typeof fileRecordSchema>;
export type ManifestEntry = z.infer<typeof manifestEntrySchema>;
export type Manifest = z.infer<typeof manifestSchema>;
export type RawSidecar = z.infer<typeof rawSidecarSchema>;

export const EMPTY_MANIFEST: Manifest = { version: 1, entries: {} };

/** Stable, diff-friendly text: entries sorted by key, two-space indent, trailing newline. */
export function serializeManifest(manifest: Manifest): string {
  const entries = Object.fromEntries(Object.entries(manifest.entries).sort(([a], [b]) => (a < b ? -1 : 1)));
  return `${JSON.stringify({ version: manifest.version, entries }, null, 2)}\n`;
}

/** Whether a file has git's conflict markers: a merge left both sides in it. */
export function hasConflictMarkers(text: string): boolean {
  return /^<{7}(?: |$)/m.test(text);
}
