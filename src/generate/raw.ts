import { join } from 'node:path';
import {
  assertGlb,
  ensureStoreGitignore,
  hasRawGlb,
  putRawGlb,
  readManifestEntry,
  recordManifestEntry,
  removeJournal,
  sweepTempFiles,
  withFileLock,
  type ManifestEntry,
  type StoreLayout,
} from '../cache/index.js';
import { MeshyPluginError } from '../errors.js';
import { MeshyDownloadError, textTo3d, textTo3dCredits, type MeshyClient, type TextTo3dTask } from '../meshy/index.js';
import { describeSpec, type MeshySpec } from '../spec/index.js';
import type { Admission } from './admission.js';
import { openJournal } from './journal-handle.js';
import type { StageEvent } from './stages.js';
import { runTextTo3D } from './text-to-3d.js';

export class GenerationError extends MeshyPluginError {}

export interface RawModelDeps {
  layout: StoreLayout;
  namespace: string;
  admission: Admission;
  /** Called on cache misses only, so a cache hit never opens a connection. */
  connect: () => Promise<MeshyClient>;
  /** Bounds how many generations run at once. */
  limit: <T>(job: () => Promise<T>) => Promise<T>;
  /** Create a new task for a spec whose last task FAILED (costs credits again). */
  retryFailed: boolean;
  lockStaleMs?: number;
  onEvent: (label: string, event: StageEvent) => void;
  /** Told when a textured model's untextured preview task has succeeded (it runs on to the refine). */
  onPreview?: (task: PreviewTask) => void;
  log: (line: string) => void;
}

export type PreviewTask = TextTo3dTask;

export type RawModel = { entry: ManifestEntry; generated: boolean } | { dryRun: true; credits: number };

/** What generating `spec` is expected to cost, from the pricing table. */
export function estimateCredits(spec: MeshySpec): number {
  return textTo3dCredits({ mode: 'preview', ...spec.preview }) + (spec.refine ? textTo3dCredits({ mode: 'refine', ...spec.refine }) : 0);
}

/**
 * The raw level: the model as Meshy returned it, from the store or, on a miss, from Meshy. A
 * cross-process lock per spec key makes concurrent builds generate each model once: the others wait,
 * then find it in the store. Tasks are journaled, so a crashed build's successor resumes them.
 */
export async function obtainRawModel(spec: MeshySpec, key: string, deps: RawModelDeps, { reroll = false } = {}): Promise<RawModel> {
  // A reroll (`regenerate`) generates anew even when a model is stored; the stored one stays in use
  // until the new one has succeeded and replaces it in the manifest.
  const cached = reroll ? undefined : await cachedEntry(deps.layout, key);
  if (cached) return { entry: cached, generated: false };
  const label = describeSpec(spec);
  const credits = estimateCredits(spec);
  if ((await deps.admission.admit({ key, label, credits })) === 'dry-run') return { dryRun: true, credits };

  return withFileLock(
    join(deps.layout.locks, key),
    async () => {
      const madeMeanwhile = reroll ? undefined : await cachedEntry(deps.layout, key);
      if (madeMeanwhile) return { entry: madeMeanwhile, generated: false };
      return { entry: await deps.limit(() => generate(spec, key, label, deps)), generated: true };
    },
    { staleMs: deps.lockStaleMs, onWait: () => deps.log(`"${label}": another process is generating it; waiting for its result`) },
  );
}

async function cachedEntry(layout: StoreLayout, key: string): Promise<ManifestEntry | undefined> {
  const entry = await readManifestEntry(layout, key);
  return entry && (await hasRawGlb(layout, entry.files.glb)) ? entry : undefined;
}

async function generate(spec: MeshySpec, key: string, label: string, deps: RawModelDeps): Promise<ManifestEntry> {
  await sweepTempFiles(deps.layout.tmp);
  await ensureStoreGitignore(deps.layout);
  const journal = await openJournal(deps.layout, key, label);
  const failed = journal.failed();
  if (failed && !deps.retryFailed) {
    throw new GenerationError(
      'MESHY_GENERATION_FAILED_BEFORE',
      `Meshy could not generate "${label}" on an earlier run (${failed.stage} task ${failed.taskId ?? '?'}: ${failed.error?.message ?? 'no reason given'}). ` +
        `No new task was created. To try again (a new task, which costs credits), set the plugin option \`retryFailed: true\` or MESHY_RETRY_FAILED=1.`,
      { context: { key, stage: failed.stage, taskId: failed.taskId } },
    );
  }
  if (failed) await journal.reset();

  const client = await deps.connect();
  deps.log(`generating "${label}" with Meshy (${spec.refine ? 'preview + refine' : 'preview only'}, ~${estimateCredits(spec)} credits)`);
  try {
    const result = await runTextTo3D(
      spec,
      { client, journal, log: deps.log, onEvent: (event) => deps.onEvent(label, event) },
      deps.onPreview,
    );
    let bytes: Uint8Array;
    try {
      bytes = await downloadResult(client, result.resultTask);
    } catch (error) {
      // Past retention the tasks are worth nothing: record it, so that `retryFailed` regenerates.
      if (error instanceof GenerationError && error.code === 'MESHY_RESULT_EXPIRED') {
        await journal.update(result.tasks.at(-1)!.stage, { state: 'failed', error: { message: error.message } });
      }
      throw error;
    }
    const file = await putRawGlb(deps.layout, bytes);
    const entry: ManifestEntry = {
      kind: spec.kind,
      label,
      namespace: deps.namespace,
      model: String(spec.preview.ai_model),
      request: { preview: spec.preview, refine: spec.refine },
      tasks: result.tasks,
      credits: result.tasks.reduce((sum, task) => sum + task.credits, 0),
      files: { glb: file },
      createdAt: new Date().toISOString(),
    };
    await recordManifestEntry(deps.layout, key, entry);
    await removeJournal(deps.layout, key);
    return entry;
  } catch (cause) {
    if (cause instanceof GenerationError) throw cause;
    throw new GenerationError('MESHY_GENERATION_FAILED', `Meshy could not generate "${label}": ${(cause as Error).message}`, {
      cause,
      context: { key },
    });
  }
}

/**
 * Downloads a result right away (Meshy keeps it 3 days). A signed link that went stale is replaced
 * by re-reading the task once; when that link is refused too, the result is gone and only a new
 * generation can bring the model back.
 */
async function downloadResult(client: MeshyClient, task: { id: string; model_urls?: { glb?: string } | null }): Promise<Uint8Array> {
  const url = task.model_urls?.glb;
  if (!url) throw new Error(`Meshy's task ${task.id} succeeded without a GLB in model_urls`);
  try {
    return await client.download(url, { validate: assertGlb });
  } catch (error) {
    if (!isExpired(error)) throw error;
  }
  const fresh = await client.getTask(textTo3d, task.id);
  try {
    if (!fresh.model_urls?.glb) throw new Error(`Meshy's task ${task.id} no longer lists a GLB`);
    return await client.download(fresh.model_urls.glb, { validate: assertGlb });
  } catch (error) {
    if (!isExpired(error) && fresh.model_urls?.glb) throw error;
    const expired = fresh.expires_at ? ` (it expired ${new Date(fresh.expires_at).toISOString()})` : '';
    throw new GenerationError(
      'MESHY_RESULT_EXPIRED',
      `Meshy no longer has the result of task ${task.id}${expired}: results are kept 3 days. The model must be regenerated (a new task, which costs credits): set \`retryFailed: true\` or MESHY_RETRY_FAILED=1.`,
      { cause: error, context: { taskId: task.id } },
    );
  }
}

function isExpired(error: unknown): boolean {
  return error instanceof MeshyDownloadError && error.code === 'MESHY_ASSET_EXPIRED';
}
