import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkStoreWritable,
  ensureStoreGitignore,
  type FileDamage,
  type JournalStage,
  type ManifestEntry,
  paidEntry,
  putRawImage,
  putRawModel,
  readJournal,
  recordManifestEntry,
  removeJournal,
  type StoreLayout,
  sweepTempFiles,
  withFileLock,
  writeJournal,
  writeRawSidecar,
} from '../cache/index.js';
import { MeshyPluginError } from '../errors.js';
import { describeSpec, isImageSpec, type MeshySpec, retirementOf, type SourceInput } from '../imports/index.js';
import type { MeshyClient } from '../meshy/client.js';
import type { DownloadedFile } from '../meshy/download.js';
import { MeshyDownloadError } from '../meshy/errors.js';
import { animation, type TaskResource } from '../meshy/resources.js';
import type { BaseTask, TextTo3dTask } from '../meshy/schemas.js';
import type { HeldClaim, RemoteStore } from '../remote/index.js';
import type { Admission } from './admission.js';
import { type JournalHandle, openJournal } from './journal-handle.js';
import { assemblesClips, type GeneratedSource, type PlanStep, planCredits, planOf, runPlan, savedCredits } from './plan.js';
import { creditsText, savingText } from './spend.js';
import { runStage, type StageContext, type StageEvent } from './stages.js';

class GenerationError extends MeshyPluginError {}

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
  /** Meshy's queue serves higher priorities first: a dev server's models (a page waits for them) before a CLI's prefetch. */
  priority?: number;
  /** The result of another import that this one takes as an input. */
  generated: (spec: MeshySpec) => Promise<GeneratedSource>;
  log: (line: string) => void;
  /** The backend is the emulator: its credits are labelled as emulated. */
  emulated?: boolean;
  warn: (line: string) => void;
  /** The team's remote store: read before anything else on a local miss, written after a generation, claimed before paying. */
  remote?: () => Promise<RemoteStore | undefined>;
}

export type PreviewTask = TextTo3dTask;

/**
 * A model the manifest names (`damage`: its raw file cannot be used; it is never generated again
 * implicitly), or a placeholder for one that is not generated (dry run, offline).
 */
export type RawModel = { entry: ManifestEntry; generated: boolean; damage?: FileDamage } | { placeholder: true; credits: number };

/** What generating `spec` is expected to cost, from the pricing table. */
export function estimateCredits(spec: MeshySpec): number {
  return planCredits(planOf(spec));
}

/**
 * The raw level: the model as Meshy returned it, from the store or, on a miss, from Meshy. A
 * cross-process lock per spec key makes concurrent builds generate each model once: the others wait,
 * then find it in the store. Tasks are journaled, so a crashed build's successor resumes them. A
 * model the manifest names was paid for: it is returned even when its raw file is missing or damaged
 * (the caller ships an intact copy or fails), and only a reroll pays for it again.
 */
export async function obtainRawModel(spec: MeshySpec, key: string, deps: RawModelDeps, { reroll = false } = {}): Promise<RawModel> {
  // A reroll (`regenerate`) generates anew even when a model is stored; the stored one stays in use
  // until the new one has succeeded and replaces it in the manifest.
  const cached = reroll ? undefined : await paidEntry(deps.layout, key);
  if (cached && !cached.damage) return { ...cached, generated: false };
  const label = describeSpec(spec);
  // A local miss looks in the team's remote store before anything else (frozen and offline builds too).
  const remote = await deps.remote?.();
  if (cached) {
    if (remote && (await remote.restoreRaw(deps.layout, cached.entry, label))) return { entry: cached.entry, generated: false };
    return { ...cached, generated: false };
  }
  if (!reroll && remote && (await remote.pullModel(deps.layout, key, label))) return { ...(await paidEntry(deps.layout, key))!, generated: false };
  const credits = estimateCredits(spec);
  const saved = savedCredits(spec);
  const retired = retirementOf(spec);
  const pending = { key, label, credits, ...(saved ? { saved } : {}), ...(retired ? { retired } : {}) };
  if ((await deps.admission.admit(pending)) === 'placeholder') return { placeholder: true, credits };

  return withFileLock(
    join(deps.layout.locks, key),
    async () => {
      const madeMeanwhile = reroll ? undefined : await paidEntry(deps.layout, key);
      if (madeMeanwhile) return { ...madeMeanwhile, generated: false };
      return deps.limit(() => generate(spec, key, label, deps, { remote, reroll }));
    },
    { staleMs: deps.lockStaleMs, onWait: () => deps.log(`"${label}": another process is generating it; waiting for its result`) },
  );
}

async function generate(
  spec: MeshySpec,
  key: string,
  label: string,
  deps: RawModelDeps,
  { remote, reroll }: { remote: RemoteStore | undefined; reroll: boolean },
): Promise<{ entry: ManifestEntry; generated: boolean; damage?: FileDamage }> {
  await sweepTempFiles(deps.layout.tmp);
  await ensureStoreGitignore(deps.layout, { remote: deps.remote !== undefined });
  // Whatever would stop the result from being recorded fails here, before anything is paid for.
  await checkStoreWritable(deps.layout);
  // One payment per team: the key is claimed in the remote store first; the journal moves into the claim.
  // A claim lost to another machine (this one stalled past its lease) sends this one back to waiting for it.
  for (let attempt = 1; ; attempt++) {
    const claimed = remote?.claim && !reroll ? await claimInRemote(remote, key, label, deps) : undefined;
    if (claimed === 'done') return { ...(await paidEntry(deps.layout, key))!, generated: false };
    const claim = claimed?.claim;
    const journal = await openJournal(deps.layout, key, label, claim ? (stages) => claim.record(stages) : undefined);
    const failed = journal.failed();
    if (failed && !deps.retryFailed) {
      await claim?.release(journal.stages());
      throw new GenerationError(
        'MESHY_GENERATION_FAILED_BEFORE',
        `Meshy could not generate "${label}" on an earlier run (${failed.stage} task ${failed.taskId ?? '?'}: ${failed.error?.message ?? 'no reason given'}). ` +
          `No new task was created. To try again (a new task, which costs credits), set the plugin option \`retryFailed: true\` or MESHY_RETRY_FAILED=1.`,
        { context: { key, stage: failed.stage, taskId: failed.taskId } },
      );
    }
    if (failed) await journal.reset();
    try {
      const entry = await generateClaimed(spec, key, label, deps, journal);
      // Raw file first, then its entry: from then on, every machine of the team has it.
      await remote?.pushModel(deps.layout, key, entry);
      await claim?.finish();
      await removeJournal(deps.layout, key);
      return { entry, generated: true };
    } catch (error) {
      // Its tasks (or their failure) stay in the claim, its lease over: the next machine resumes them.
      await claim?.release(journal.stages());
      if (!isClaimLost(error) || attempt >= 3) throw error;
      deps.log(`"${label}": another machine took over its generation; waiting for its result`);
    }
  }
}

/** The claim on a key, or 'done' when another machine's result is now in the local store. */
async function claimInRemote(remote: RemoteStore, key: string, label: string, deps: RawModelDeps): Promise<{ claim?: HeldClaim } | 'done'> {
  const local = await readJournal(deps.layout, key);
  let outcome: Awaited<ReturnType<NonNullable<RemoteStore['claim']>>>;
  try {
    outcome = await remote.claim!(key, label, { stages: local?.stages ?? [], retryFailed: deps.retryFailed });
  } catch (error) {
    deps.warn(`"${label}": could not claim it in the remote store ${remote.url} (${(error as Error).message}); generating without a claim`);
    return {};
  }
  if (outcome.type === 'done') {
    if (!(await remote.pullModel(deps.layout, key, label))) {
      throw new GenerationError(
        'MESHY_REMOTE_UNREADABLE',
        `"${label}" was generated by another machine of the team, but its entry in the remote store ${remote.url} could not be read (see the warning above). Nothing was paid for; build again.`,
        { context: { key } },
      );
    }
    await removeJournal(deps.layout, key);
    return 'done';
  }
  await adoptStages(deps.layout, key, label, local?.stages ?? [], outcome.stages);
  return outcome.type === 'held' ? { claim: outcome.claim } : {};
}

/** A ClaimLostError (src/remote, loaded only with a remote store), however deep in the causes. */
function isClaimLost(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if ((cause as MeshyPluginError).code === 'MESHY_REMOTE_CLAIM_LOST') return true;
  }
  return false;
}

/**
 * The tasks a claim taken over (or a shared failure) recorded, added to this machine's journal: a
 * stage this machine knows no task of takes the claim's, so those tasks are resumed, never created again.
 */
async function adoptStages(layout: StoreLayout, key: string, label: string, local: JournalStage[], claimed: JournalStage[]): Promise<void> {
  if (claimed.length === 0) return;
  const stages = [...local];
  for (const stage of claimed) {
    const index = stages.findIndex((known) => known.stage === stage.stage);
    if (index === -1) stages.push(stage);
    else if (!stages[index]!.taskId && stage.taskId) stages[index] = stage;
  }
  await writeJournal(layout, { version: 1, key, label, stages });
}

async function generateClaimed(spec: MeshySpec, key: string, label: string, deps: RawModelDeps, journal: JournalHandle): Promise<ManifestEntry> {
  const client = await deps.connect();
  const steps = planOf(spec);
  const saving = savingText(savedCredits(spec), deps.emulated ?? false);
  const free = saving ? `; ${saving}` : '';
  deps.log(
    `generating "${label}" with ${deps.emulated ? 'the emulator' : 'Meshy'} (${steps.map((step) => step.stage).join(' → ')}, ~${creditsText(planCredits(steps), deps.emulated ?? false)}${free})`,
  );
  try {
    const context: StageContext = {
      client,
      journal,
      log: deps.log,
      onEvent: (event) => deps.onEvent(label, event),
      ...(deps.priority ? { priority: deps.priority } : {}),
    };
    const result = await runPlan(
      steps,
      context,
      { generated: deps.generated },
      (step, task) => step.stage === 'preview' && deps.onPreview?.(task as PreviewTask),
    );
    const assembled = assemblesClips(spec);
    let bytes: Uint8Array;
    try {
      bytes = assembled
        ? await (await import('./animated.js')).animatedModel(spec, {
            byStage: result.byStage,
            download: (resource, task) => downloadResult(client, deps.layout.tmp, resource, task, false),
            buyFallback: async (actionIds) => {
              deps.log(`"${label}": the rig came without its free clips; buying ${actionIds.length} library clip(s) instead`);
              const body = { rig_task_id: result.byStage.get('rig')!.id, action_ids: actionIds };
              const { task, record } = await runStage('animate-free', animation, body, context, { priorityBoost: 1 });
              result.tasks.push(record);
              return task;
            },
          })
        : await downloadResult(client, deps.layout.tmp, result.resultStep.resource, result.resultTask, isImageSpec(spec));
    } catch (error) {
      // Past retention the tasks are worth nothing: record it, so that `retryFailed` regenerates.
      if (error instanceof GenerationError && error.code === 'MESHY_RESULT_EXPIRED') {
        await journal.update(result.tasks.at(-1)!.stage, { state: 'failed', error: { message: error.message } });
      }
      throw error;
    }
    // Clips are named as the import wrote them (`walk`), so a game can look them up.
    if (spec.animations?.length && !assembled) {
      const { renameClips } = await import('./clips.js');
      bytes = await renameClips(
        bytes,
        spec.animations.map((clip) => ({ from: clip.libraryName, to: clip.name })),
      );
    }
    const file = isImageSpec(spec) ? await putRawImage(deps.layout, bytes) : await putRawModel(deps.layout, bytes);
    const entry: ManifestEntry = {
      kind: spec.kind,
      label,
      namespace: deps.namespace,
      model: modelOf(spec, steps),
      request: requestRecord(spec),
      tasks: result.tasks,
      credits: result.tasks.reduce((sum, task) => sum + task.credits, 0),
      files: isImageSpec(spec) ? { image: file } : { glb: file },
      createdAt: new Date().toISOString(),
    };
    // The sidecar first: from the moment the manifest names the raw file, `repair` can restore it.
    await writeRawSidecar(deps.layout, key, entry);
    await recordManifestEntry(deps.layout, key, entry);
    return entry;
  } catch (cause) {
    if (cause instanceof GenerationError) throw cause;
    throw new GenerationError('MESHY_GENERATION_FAILED', `Meshy could not generate "${label}": ${(cause as Error).message}`, {
      cause,
      context: { key },
    });
  }
}

/** The AI model a spec names, or the resource that made it (remesh, rigging…). */
export function modelOf(spec: MeshySpec, steps: readonly PlanStep[] = planOf(spec)): string {
  if (spec.kind === 'prompt') return String(spec.preview.ai_model);
  return typeof spec.request.ai_model === 'string' ? spec.request.ai_model : steps[0]!.resource.name;
}

/** What the manifest records of a request: the bodies, with inputs by content hash or URL. */
function requestRecord(spec: MeshySpec): Record<string, unknown> {
  const extra = {
    ...(spec.rig ? { rig: spec.rig } : {}),
    ...(spec.animations ? { animations: spec.animations } : {}),
    ...(spec.motions ? { motions: spec.motions } : {}),
  };
  if (spec.kind === 'prompt') return { preview: spec.preview, refine: spec.refine, ...extra };
  const shown = (input: SourceInput) =>
    input.type === 'file' ? { file: input.shown, sha256: input.sha256 } : input.type === 'url' ? { url: input.url } : { import: input.id };
  const inputs = Object.fromEntries(Object.entries(spec.inputs).map(([field, value]) => [field, Array.isArray(value) ? value.map(shown) : shown(value)]));
  return { ...spec.request, inputs, ...extra };
}

/**
 * Downloads a result right away (Meshy keeps it 3 days), streamed to a temp file in the store's tmp
 * dir under the size bound (`downloadTaskResult` re-reads the task once for a fresh link when one
 * went stale). When the fresh link is refused too, the result is gone and only a new generation can
 * bring the model back. The store takes bytes, so the file is read back, then removed.
 */
async function downloadResult(client: MeshyClient, tmpDir: string, resource: TaskResource<BaseTask>, task: BaseTask, image: boolean): Promise<Uint8Array> {
  let file: DownloadedFile;
  try {
    const { downloadTaskResult } = await import('../meshy/download.js');
    file = await downloadTaskResult(client, resource, task, { dir: tmpDir, kind: image ? 'image' : 'glb' });
  } catch (error) {
    if (!isExpired(error)) throw error;
    const expiresAt = (error as MeshyDownloadError).context.expiresAt;
    const expired = typeof expiresAt === 'number' && expiresAt ? ` (it expired ${new Date(expiresAt).toISOString()})` : '';
    throw new GenerationError(
      'MESHY_RESULT_EXPIRED',
      `Meshy no longer has the result of task ${task.id}${expired}: results are kept 3 days. The model must be regenerated (a new task, which costs credits): set \`retryFailed: true\` or MESHY_RETRY_FAILED=1.`,
      { cause: error, context: { taskId: task.id } },
    );
  }
  try {
    return await readFile(file.path); // a Buffer is a Uint8Array: no second copy of a large file
  } finally {
    await rm(file.path, { force: true });
  }
}

function isExpired(error: unknown): boolean {
  return error instanceof MeshyDownloadError && error.code === 'MESHY_ASSET_EXPIRED';
}
