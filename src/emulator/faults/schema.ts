import { z } from 'zod';

/**
 * Switchable faults, as plain data: what a fault-injection test asks the emulator to do wrong.
 * Request faults fire on the next matching requests (API calls, SSE streams, downloads) and are
 * used up; task failures make new tasks fail at random (seeded) progress.
 */

/** Which requests a fault applies to, and how many times it fires. */
const matchFields = {
  /** HTTP method, e.g. "POST"; any when absent. */
  method: z
    .string()
    .min(1)
    .transform((method) => method.toUpperCase())
    .optional(),
  /** Path without the query; `*` matches anything, `/` included. Any path when absent. */
  path: z.string().min(1).optional(),
  /** Matching requests to let through before firing. */
  skip: z.int().min(0).default(0),
  /** How many matching requests it fires on; "always" never runs out. */
  times: z.union([z.int().positive(), z.literal('always')]).default(1),
};

/** `task_error` as Meshy sends it on a failed task (https://docs.meshy.ai/en/api/errors). */
const taskErrorSchema = z.strictObject({
  type: z.enum(['invalid_input', 'timeout', 'service_unavailable', 'server_error']),
  code: z.string().min(1).optional(),
  message: z.string().min(1),
  doc_url: z.string().min(1).optional(),
});

const requestFaultSchema = z.discriminatedUnion('kind', [
  /** 429 before the request is handled; with `retryAfterSeconds`, a Retry-After header (Meshy sends none). */
  z.strictObject({
    kind: z.literal('rate-limit'),
    message: z.enum(['RateLimitExceeded', 'NoMoreConcurrentTasks']).default('RateLimitExceeded'),
    retryAfterSeconds: z.int().min(0).optional(),
    ...matchFields,
  }),
  /**
   * A 5xx answer. With `takesEffect` the request is handled first (a create makes and charges its
   * task) and only its answer is lost: the client must reconcile through the task list.
   */
  z.strictObject({
    kind: z.literal('server-error'),
    status: z.union([z.literal(500), z.literal(502), z.literal(503)]).default(500),
    takesEffect: z.boolean().default(false),
    ...matchFields,
  }),
  /** The socket is reset with no answer at all; `takesEffect` as for server-error. */
  z.strictObject({
    kind: z.literal('connection-reset'),
    takesEffect: z.boolean().default(false),
    ...matchFields,
  }),
  /** A download sends its headers and the first `afterBytes` bytes, then the socket is reset. */
  z.strictObject({
    kind: z.literal('download-reset'),
    afterBytes: z.int().min(0).default(0),
    ...matchFields,
  }),
  /** A slow CDN: a download sends its first `afterBytes` bytes, pauses for `stallMs`, then the rest. */
  z.strictObject({
    kind: z.literal('download-stall'),
    afterBytes: z.int().min(0).default(0),
    stallMs: z.int().positive(),
    ...matchFields,
  }),
  /** A download announces its full Content-Length, sends fewer bytes (default half) and closes. */
  z.strictObject({
    kind: z.literal('truncated-download'),
    bytes: z.int().min(0).optional(),
    ...matchFields,
  }),
  /** A download answers 200 with the wrong bytes: an HTML error page, or the file scrambled. */
  z.strictObject({
    kind: z.literal('corrupt-download'),
    body: z.enum(['html', 'scrambled']).default('html'),
    ...matchFields,
  }),
  /** An SSE stream goes silent (no events, no keep-alives) for `stallMs` after `afterEvents` events. */
  z.strictObject({
    kind: z.literal('stream-stall'),
    stallMs: z.int().positive(),
    afterEvents: z.int().min(0).default(0),
    ...matchFields,
  }),
  /** An SSE stream is cut after `afterEvents` events: reset, or a clean end with `graceful`. */
  z.strictObject({
    kind: z.literal('stream-drop'),
    afterEvents: z.int().min(0).default(1),
    graceful: z.boolean().default(false),
    ...matchFields,
  }),
  /** A download answers 403 as a stale signed link does (https://docs.meshy.ai/en/api/asset-retention); a re-read task has a fresh one. */
  z.strictObject({
    kind: z.literal('expired-link'),
    ...matchFields,
  }),
  /**
   * A download of a GLB is a valid GLB of `bytes` bytes: the real file padded with a chunk of an
   * unknown type (which glTF readers skip), streamed without being held in memory. Without
   * `contentLength` it is sent chunked, so only counting the bytes can tell how big it is.
   */
  z.strictObject({
    kind: z.literal('large-download'),
    bytes: z.int().positive(),
    contentLength: z.boolean().default(true),
    ...matchFields,
  }),
  /** A final SSE event that carries only `{id, status, progress}`: no asset URLs, no credits. */
  z.strictObject({
    kind: z.literal('stream-bare-final'),
    ...matchFields,
  }),
  /** After `afterEvents` events, one `message` event whose data is not a task update (not JSON by default); then the stream goes on. */
  z.strictObject({
    kind: z.literal('stream-malformed'),
    afterEvents: z.int().min(0).default(1),
    data: z.string().default('{"status": "IN_PROG'),
    ...matchFields,
  }),
  /** A successful API answer (a task read, by default any) carries `Retry-After: seconds`. */
  z.strictObject({
    kind: z.literal('retry-after'),
    seconds: z.int().min(0).default(100_000),
    ...matchFields,
  }),
  /** A task list carries one extra item that is not a task as documented, at position `at`. */
  z.strictObject({
    kind: z.literal('odd-list-item'),
    item: z.unknown().default({ id: null, status: 'MYSTERY', progress: 'lots' }),
    at: z.int().min(0).default(0),
    ...matchFields,
  }),
  /** Task objects and create answers carry unknown fields, which clients must ignore. */
  z.strictObject({
    kind: z.literal('extra-fields'),
    fields: z.record(z.string(), z.unknown()).default({ emulator_extra: 'ignore me', emulator_meta: { version: 2, tags: ['x'] } }),
    ...matchFields,
  }),
]);

export const faultsSchema = z.strictObject({
  requests: z.array(requestFaultSchema).default([]),
  /** New tasks fail with this probability, at a random progress, and are refunded (https://docs.meshy.ai/en/api/task-lifecycle). */
  taskFailures: z
    .strictObject({
      probability: z.number().min(0).max(1),
      /** Seeds the draws, so a run fails the same tasks each time. */
      seed: z.int().default(1),
      /** Task types that may fail (e.g. "image-to-3d"); all when absent. */
      types: z.array(z.string().min(1)).optional(),
      /** The task_error to show; by default one of Meshy's observed errors, drawn per task. */
      error: taskErrorSchema.optional(),
    })
    .optional(),
  /** New tasks (of `types`, all when absent) never finish: they linger IN_PROGRESS at `atProgress` (Meshy lingers at 99 while finalizing). */
  stuckTasks: z
    .strictObject({
      atProgress: z.int().min(0).max(99).default(99),
      types: z.array(z.string().min(1)).optional(),
    })
    .optional(),
});

/** Faults as the caller writes them (defaults optional). */
export type FaultsConfig = z.input<typeof faultsSchema>;
export type Faults = z.output<typeof faultsSchema>;
export type RequestFault = Faults['requests'][number];
export type RequestFaultKind = RequestFault['kind'];
export type RequestFaultOf<K extends RequestFaultKind> = Extract<RequestFault, { kind: K }>;

/** Names under which `stats().faultsInjected` counts fired faults. */
export type FaultName = RequestFaultKind | 'task-failure' | 'fail-marker' | 'fault-rule' | 'stuck-task';
