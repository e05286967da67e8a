import { join, relative } from 'node:path';
import {
  type EntryState,
  entryStates,
  listGarbage,
  type ManifestEntry,
  readManifest,
  readManifestEntry,
  readOptimized,
  removeGarbage,
  repairManifest,
} from '../cache/index.js';
import { creditsText, estimateCredits, formatBytes, type GenerationEvent, generatedInputsOf, savedCredits, savingText } from '../generate/index.js';
import { describeSpec, type MeshySpec, MeshySpecError, retirementOf, specKey } from '../imports/index.js';
import { gpuBytes } from '../optimize/gpu-memory.js';
import { optimizedKey } from '../optimize/key.js';
import type { MeshyProject } from '../project/index.js';
import { BACKEND_NAMESPACES } from '../project/options.js';
import { missingApiKeyError } from '../project/settings.js';
import { createProgressDisplay } from './progress.js';
import { type FoundImport, findMeshyImports } from './scan.js';

export type Print = (line: string) => void;

/** A spec the project uses, with where it is used. */
interface UsedSpec {
  key: string;
  spec: MeshySpec;
  label: string;
  usedAt: string[];
}

/**
 * Every spec the sources and named models use, unique by key. A literal that is an import's specifier
 * and does not parse is listed as invalid; any other `meshy:` literal (an id handed to `import()`
 * later, or text such as the `'meshy:progress'` event name) counts when it parses and is ignored
 * when it does not.
 */
export async function usedSpecs(project: MeshyProject): Promise<{ specs: UsedSpec[]; invalid: { where: string; message: string }[] }> {
  const found: FoundImport[] = await findMeshyImports(project.root, [relative(project.root, project.layout.dir)]);
  for (const name of project.namedModels.keys()) found.push({ id: `meshy:${name}`, file: namedModelOrigin(project, name), line: 0, specifier: true });
  const byKey = new Map<string, UsedSpec>();
  const invalid: { where: string; message: string }[] = [];
  const source = project.createSource({ log: () => {} });
  for (const item of found) {
    const where = item.line ? `${item.file}:${item.line}` : item.file;
    let spec: MeshySpec;
    try {
      // Relative file inputs resolve against the importing file.
      spec = project.parse(item.id, item.line ? join(project.root, item.file) : where);
    } catch (error) {
      if (!item.specifier) continue;
      // The problems alone: the full message also lists every option, too long for a report.
      const problems =
        error instanceof MeshySpecError ? error.problems.map((p) => `${p.key ? `${p.key}: ` : ''}${p.message}`).join('; ') : (error as Error).message;
      invalid.push({ where, message: `${item.id}: ${problems}` });
      continue;
    }
    // A model made from another import's result needs that one too, should it be regenerated.
    for (const needed of [spec, ...inputsOf(spec)]) {
      const key = source.keyOf(needed);
      const used = byKey.get(key) ?? { key, spec: needed, label: describeSpec(needed), usedAt: [] };
      used.usedAt.push(needed === spec ? where : `${where} (as an input)`);
      byKey.set(key, used);
    }
  }
  return { specs: [...byKey.values()], invalid };
}

/** Where a named model is defined: its config file (`meshy.config.ts (models.hero)`) or the plugin's options. */
function namedModelOrigin(project: MeshyProject, name: string): string {
  const file = project.namedModelOrigins.get(name);
  return file ? `${file} (models.${name})` : 'meshy({ models })';
}

function inputsOf(spec: MeshySpec): MeshySpec[] {
  return generatedInputsOf(spec).flatMap((input) => [input, ...inputsOf(input)]);
}

function printInvalid(print: Print, invalid: { where: string; message: string }[]): void {
  for (const item of invalid) print(`invalid  ${item.where}  ${item.message}`);
}

/**
 * `status`: each spec the project uses, and where it stands. Exit code 1 when a person must act
 * (invalid imports, damaged models), else 0: a model still to generate is news, not a fault. With
 * `check` (a CI gate), 1 unless every model is cached.
 */
export async function status(project: MeshyProject, print: Print, { check = false } = {}): Promise<number> {
  const { specs, invalid } = await usedSpecs(project);
  const states = await entryStates(
    project.layout,
    specs.map((used) => used.key),
  );
  // With a remote store, each line also says whether the team's store has the model.
  const remote = await project.remote();
  const inRemote = await remoteHas(project, specs);

  let paid = 0;
  let missingCredits = 0;
  let missingInRemote = 0;
  /** Retired models not stored, and those of them that are imported (not only inputs of other models, which may be stored). */
  let retiredLines = 0;
  let retired = 0;
  const video = { bytes: 0, models: 0 };
  for (const used of specs) {
    const state = states.get(used.key)!;
    const where = `${used.usedAt.join(', ')}${inRemote.has(used.key) ? `; remote store: ${inRemote.get(used.key) ? 'has it' : 'lacks it'}` : ''}`;
    if (state.state === 'stored') {
      paid += state.entry.credits;
      const gpu = await optimizedGpuBytes(project, used.spec, state.entry);
      if (gpu !== undefined) Object.assign(video, { bytes: video.bytes + gpu, models: video.models + 1 });
      print(
        `cached   "${used.label}"  ${state.entry.model}, ${creditsText(state.entry.credits, project.settings.usesEmulator)}, tasks ${state.entry.tasks.map((t) => t.id).join(' ')}` +
          `${gpu === undefined ? '' : `, textures ~${formatBytes(gpu)} of video memory`}  (${where})`,
      );
    } else if (state.state === 'failed') {
      const { failed } = state;
      print(`failed   "${used.label}"  ${failed.stage} task ${failed.taskId ?? '?'}: ${failed.error?.message ?? 'no reason given'}  (${where})`);
    } else if (state.state === 'pending') {
      const ids = state.journal.stages.map((stage) => `${stage.stage} ${stage.taskId ?? '(create sent)'}`).join(', ');
      print(`pending  "${used.label}"  ${ids}: the next build or prefetch resumes it  (${where})`);
    } else if (state.state === 'unreadable' || isPaidButDamaged(state)) {
      print(`damaged  "${used.label}"  ${damageOf(state)}  (${where})`);
    } else if (isRetiredMiss(state, used, inRemote)) {
      retiredLines++;
      if (usedDirectly(used)) retired++;
      print(`retired  "${used.label}"  ${retirementOf(used.spec)}: not in the cache, so it cannot be generated  (${where})`);
    } else if (inRemote.get(used.key)) {
      // A teammate paid for it: the next build (or `pull`) takes it from the remote store, for no credits.
      missingInRemote++;
      print(`missing  "${used.label}"  in the remote store: the next build or \`pull\` takes it, no credits  (${where})`);
    } else {
      missingCredits += estimateCredits(used.spec);
      print(`missing  "${used.label}"  ~${estimateCredits(used.spec)} credits to generate  (${where})`);
    }
  }
  printInvalid(print, invalid);
  if (video.models > 0) print(`textures in video memory (with mipmaps, estimated): ~${formatBytes(video.bytes)} for ${video.models} optimized model(s)`);
  const count = (name: EntryState['state']) => [...states.values()].filter((s) => s.state === name && !isDamaged(s)).length;
  const damaged = [...states.values()].filter(isDamaged).length;
  print(
    `${specs.length} model(s): ${count('stored')} cached (${creditsText(paid, project.settings.usesEmulator)} paid), ${count('pending')} pending, ${count('failed')} failed, ${count('missing') - retiredLines} missing (~${missingCredits} credits${missingInRemote ? `; ${missingInRemote} of them in the remote store` : ''})` +
      (damaged ? `, ${damaged} damaged` : '') +
      (retiredLines ? `, ${retiredLines} of a retired ai_model (cannot be generated)` : '') +
      (invalid.length ? `, ${invalid.length} invalid import(s)` : ''),
  );
  if (remote) print(`remote store ${remote.url}: has ${[...inRemote.values()].filter(Boolean).length} of ${specs.length} model(s)`);
  if (invalid.length || damaged || retired) return 1;
  const notCached = specs.length - count('stored');
  if (check && notCached) {
    print(`check failed: ${notCached} model(s) not cached; generate them with \`npx vite-plugin-meshy prefetch\` and commit the store`);
    return 1;
  }
  return 0;
}

/** Imported by the project, not only an input of another model (which may be stored, needing it no more). */
function usedDirectly(used: UsedSpec): boolean {
  return used.usedAt.some((at) => !at.endsWith(' (as an input)'));
}

/** A model not stored (here, nor in the team's remote store when one is known) whose ai_model Meshy retired: nothing can generate it. */
function isRetiredMiss(state: EntryState, used: UsedSpec, inRemote: ReadonlyMap<string, boolean> = new Map()): boolean {
  return state.state === 'missing' && state.entry === undefined && !inRemote.get(used.key) && retirementOf(used.spec) !== undefined;
}

/** Estimated video memory of a stored model's optimized textures; undefined until it has been optimized with the current options. */
async function optimizedGpuBytes(project: MeshyProject, spec: MeshySpec, entry: ManifestEntry): Promise<number | undefined> {
  if (!('glb' in entry.files)) return undefined;
  const meta = await readOptimized<{ stats?: { textures?: Parameters<typeof gpuBytes>[0] } }>(
    project.layout,
    optimizedKey(entry.files.glb.sha256, project.options.optimize, spec.optimize),
  );
  const textures = meta?.meta.stats?.textures;
  return textures ? gpuBytes(textures) : undefined;
}

/** Whether the project's remote store has each spec's model (empty without a remote store). */
async function remoteHas(project: MeshyProject, specs: { key: string }[]): Promise<Map<string, boolean>> {
  const remote = specs.length ? await project.remote() : undefined;
  if (!remote) return new Map();
  return new Map(await Promise.all(specs.map(async (used) => [used.key, await remote.hasModel(used.key)] as const)));
}

/** A model paid for whose raw file is missing or damaged: it is never generated again implicitly. */
function isPaidButDamaged(state: EntryState): state is Extract<EntryState, { state: 'missing' }> & { entry: object } {
  return state.state === 'missing' && state.entry !== undefined;
}

/** A model nothing may generate until a person brings a file back or fixes it. */
function isDamaged(state: EntryState): boolean {
  return state.state === 'unreadable' || isPaidButDamaged(state);
}

function damageOf(state: EntryState): string {
  if (state.state === 'unreadable') return state.problem;
  if (state.state !== 'missing' || !state.entry) return '';
  const { entry, damage } = state;
  return (
    `paid (${entry.credits} credits, tasks ${entry.tasks.map((t) => t.id).join(' ')}), but its raw file ${damage?.path} cannot be used: ${damage?.cause}. ` +
    'Not generated again: bring the file back, or pay for a new roll with `regenerate`'
  );
}

/** `prefetch`: generates every model the project uses that is not stored yet, after printing its cost. */
export async function prefetch(
  project: MeshyProject,
  print: Print,
  options: { concurrency?: number; dryRun?: boolean; interactive?: boolean } = {},
): Promise<number> {
  const { specs, invalid } = await usedSpecs(project);
  const states = await entryStates(
    project.layout,
    specs.map((used) => used.key),
  );
  // A damaged model was paid for: prefetch never generates it again (`regenerate` does, when asked).
  const damaged = specs.filter((used) => isDamaged(states.get(used.key)!));
  // A build would take it from the team's remote store; prefetch does too.
  const remote = await project.remote();
  const retired: UsedSpec[] = [];
  for (const used of specs) {
    if (isRetiredMiss(states.get(used.key)!, used) && !(remote && (await remote.hasModel(used.key).catch(() => false)))) retired.push(used);
  }
  const todo = specs.filter((used) => states.get(used.key)!.state !== 'stored' && !damaged.includes(used) && !retired.includes(used));
  // What a teammate already paid for is taken from the remote store: listed as such, and not priced.
  const inRemote = await remoteHas(
    project,
    todo.filter((used) => states.get(used.key)!.state === 'missing'),
  );
  const toGenerate = todo.filter((used) => !inRemote.get(used.key));
  const credits = toGenerate.reduce((sum, used) => sum + estimateCredits(used.spec), 0);
  const emulated = project.settings.usesEmulator;
  const fromRemote = todo.length - toGenerate.length;
  // What the rig's free walk/run clips spare, as the build's cost line and dry run say it.
  const saving = (specs: readonly UsedSpec[]) => {
    const text = savingText(
      specs.reduce((sum, used) => sum + savedCredits(used.spec), 0),
      emulated,
    );
    return text ? `; ${text}` : '';
  };
  print(
    `${specs.length} model(s) used, ${specs.length - todo.length - damaged.length - retired.length} cached, ` +
      (fromRemote ? `${fromRemote} in the remote store (no credits), ` : '') +
      `${toGenerate.length} to generate (~${creditsText(credits, emulated)}${saving(toGenerate)})` +
      (damaged.length ? `, ${damaged.length} damaged (not generated again)` : '') +
      (retired.length ? `, ${retired.length} of a retired ai_model (cannot be generated)` : ''),
  );
  for (const used of todo) {
    print(
      inRemote.get(used.key)
        ? `  - "${used.label}" in the remote store (taken from it, no credits)`
        : `  - "${used.label}" ~${creditsText(estimateCredits(used.spec), emulated)}${saving([used])} (${states.get(used.key)!.state})`,
    );
  }
  for (const used of damaged) print(`damaged  "${used.label}"  ${damageOf(states.get(used.key)!)}`);
  for (const used of retired) print(`retired  "${used.label}"  ${retirementOf(used.spec)}: not in the cache, so it cannot be generated`);
  printInvalid(print, invalid);
  const mustAct = invalid.length || damaged.length || retired.some(usedDirectly);
  if (options.dryRun || todo.length === 0) return mustAct ? 1 : 0;
  // No key and no emulator: said once, before anything is created.
  if (project.settings.backend === 'none') throw missingApiKeyError(project.layout.dir);

  const interactive = options.interactive ?? false;
  const display = createProgressDisplay(print, todo.length, interactive);
  // One progress format per output: on a terminal the bar; elsewhere the lines a build log has (with
  // the time each task has taken, and one line for a full Meshy queue).
  const source = project.createSource({
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    mode: 'generate',
    onEvent: (event: GenerationEvent) => {
      if (interactive && event.type === 'progress') display.progress(event.key, event.label, event.stage, event.progress, event.status);
    },
    log: (line) => display.log(line),
    logProgress: interactive ? () => {} : (line) => display.log(line),
  });
  let failed = 0;
  let spent = 0;
  const generated: UsedSpec[] = [];
  await Promise.all(
    todo.map(async (used) => {
      try {
        const result = await source.get(used.spec);
        if (inRemote.get(used.key)) {
          display.done(used.key, `done     "${used.label}"  ${formatBytes(result.meta.bytes)}, taken from the remote store`);
          return;
        }
        spent += result.meta.credits;
        generated.push(used);
        display.done(used.key, `done     "${used.label}"  ${formatBytes(result.meta.bytes)}, ${creditsText(result.meta.credits, emulated)}`);
      } catch (error) {
        failed++;
        display.done(used.key, `failed   "${used.label}"  ${(error as Error).message}`);
      }
    }),
  );
  display.finish();
  print(`generated ${todo.length - failed} of ${todo.length}; ${creditsText(spent, emulated)} spent${saving(generated)}${failed ? `; ${failed} failed` : ''}`);
  return failed || mustAct ? 1 : 0;
}

/** `regenerate <name or import>`: a new roll; the stored model is replaced only when the new one succeeded. */
export async function regenerate(project: MeshyProject, print: Print, target: string): Promise<number> {
  const id = target.startsWith('meshy:') ? target : `meshy:${target}`;
  const spec = project.parse(id, 'the command line');
  const source = project.createSource({ mode: 'generate', log: print });
  const before = await readManifestEntry(project.layout, source.keyOf(spec));
  const result = await source.regenerate(spec);
  print(
    `regenerated "${describeSpec(spec)}": tasks ${result.meta.taskIds.join(' ')}, ${result.meta.credits} credits` +
      (before ? ` (replacing tasks ${before.tasks.map((t) => t.id).join(' ')}; its raw file stays until \`gc\`)` : ''),
  );
  return 0;
}

/**
 * `gc`: store entries no source uses any more, and files nothing refers to. Lists them; deletes only
 * with `apply` (raw files are what credits paid for: look before you delete).
 */
export async function gc(project: MeshyProject, print: Print, { apply = false } = {}): Promise<number> {
  const { specs, invalid } = await usedSpecs(project);
  printInvalid(print, invalid);
  const garbage = await listGarbage(project.layout, await usedKeysOfEveryBackend(project, specs));
  const { entries, rawFiles, journals } = garbage;
  for (const { entry } of entries) print(`unused   "${entry.label}"  (${entry.credits} credits paid)`);
  for (const entry of journals) print(`unused   "${entry.label}"  (unfinished or failed tasks)`);
  const optimizedCount = garbage.optimized.length + garbage.imageCopies.length;
  print(
    `${entries.length} unused model(s), ${rawFiles.length} raw file(s) (${formatBytes(garbage.rawBytes)}), ` +
      `${optimizedCount} optimized file(s), ${journals.length} journal entr(ies)` +
      (apply && !invalid.length ? ': removed' : ': nothing removed (dry run; pass --apply to remove)'),
  );
  if (invalid.length) {
    print(`gc removes nothing while imports do not parse: the models they mean would count as unused`);
    return 1;
  }
  if (!apply) return 0;
  await removeGarbage(project.layout, garbage);
  return 0;
}

/**
 * The store keys of the used specs for every backend the store may hold results of: this project's,
 * the usual ones and those of the manifest's entries. Keys differ per backend (the emulator's models
 * are not Meshy's), so a model imported and generated with another backend (the emulator in dev, the
 * real API on CI) is in use too: `gc` must never list it, let alone delete what was paid for.
 */
async function usedKeysOfEveryBackend(project: MeshyProject, specs: readonly UsedSpec[]): Promise<Set<string>> {
  const manifest = await readManifest(project.layout);
  const namespaces = new Set([project.settings.namespace, ...BACKEND_NAMESPACES, ...Object.values(manifest.entries).map((entry) => entry.namespace)]);
  return new Set(specs.flatMap((used) => [...namespaces].map((namespace) => specKey(used.spec, namespace))));
}

/**
 * `repair`: rebuilds a lost, unparsable or git-conflicted manifest from the sidecars beside the raw
 * files, keeping its intact entries; pays for nothing. Says what it restored and what it could not.
 */
export async function repair(project: MeshyProject, print: Print): Promise<number> {
  const report = await repairManifest(project.layout);
  const manifest = relative(project.root, project.layout.manifest) || project.layout.manifest;
  const condition = {
    intact: 'is intact',
    missing: 'was missing',
    conflicted: 'had git conflict markers: both sides were read',
    unparsable: 'was not valid JSON: none of its entries could be read',
    invalid: 'had entries of an unexpected shape',
  }[report.condition];
  print(`${manifest} ${condition}`);
  if (report.kept.length) print(`kept      ${report.kept.length} intact entr${report.kept.length === 1 ? 'y' : 'ies'}`);
  for (const { entry } of report.restored) {
    print(`restored  "${entry.label}"  ${entry.model}, ${entry.credits} credits, tasks ${entry.tasks.map((t) => t.id).join(' ')}  (from its sidecar)`);
  }
  for (const key of report.dropped) print(`lost      entry ${key}: it did not parse and no sidecar has it`);
  for (const { entry, damage } of report.damaged) print(`damaged   "${entry.label}"  ${damage.path}: ${damage.cause}`);
  for (const name of report.unreadableSidecars) print(`unreadable sidecar raw/${name}`);
  if (report.orphans.length) {
    print(
      `${report.orphans.length} raw file(s) no entry names have no sidecar (written before sidecars existed, or earlier rolls): ` +
        `repair cannot restore their entries; take the manifest from version control for those (${report.orphans.map((name) => `raw/${name}`).join(', ')})`,
    );
  }
  if (report.sidecarsWritten)
    print(
      `wrote sidecars for ${report.sidecarsWritten} entr${report.sidecarsWritten === 1 ? 'y' : 'ies'} that had none, so that a later repair can restore them`,
    );
  const total = report.kept.length + report.restored.length;
  print(
    report.written
      ? `wrote ${manifest}: ${total} entr${total === 1 ? 'y' : 'ies'} (${report.restored.length} restored); nothing was paid for` +
          (report.backup ? `; the broken file is kept as ${relative(project.root, report.backup)}` : '')
      : `nothing to restore: ${total} entr${total === 1 ? 'y' : 'ies'}`,
  );
  return report.dropped.length || report.unreadableSidecars.length ? 1 : 0;
}

/** `balance`: the Meshy account's credits (the emulator's are labelled: they are not the account's). */
export async function balance(project: MeshyProject, print: Print): Promise<number> {
  const client = await project.connect();
  const credits = await client.balance();
  print(project.settings.usesEmulator ? `${creditsText(credits, true)} (the local emulator's account, not your Meshy balance)` : `${credits} credits`);
  return 0;
}
