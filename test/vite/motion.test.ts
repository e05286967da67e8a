import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { planCredits, planOf } from '../../src/generate/plan.js';
import { parseMeshyImport } from '../../src/imports/index.js';
import type { MeshyPluginOptions } from '../../src/index.js';
import { buildProject, writeProject } from '../helpers/project.js';
import { useTempDirs } from '../helpers/tmp.js';
import { decodedDocument, validateGlb } from '../helpers/validate.js';

/**
 * Animation a game can use, through a real `vite build` against the emulator: library clips, Text
 * to Motion clips and the rig's free walk/run clips in one skinned GLB, each clip named as asked,
 * with exactly the tasks and credits the plan priced.
 */
const API_KEY = 'msy_motion_test_key_000001';
const tempDir = useTempDirs();
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ apiKeys: [API_KEY], taskDurationMs: 150, queueDelayMs: 10 });
});
afterAll(async () => {
  await emulator.close();
});

const options = (root: string, extra: MeshyPluginOptions = {}): MeshyPluginOptions => ({
  apiKey: API_KEY,
  apiBase: emulator.url,
  mode: 'generate',
  storeDir: join(root, '.meshy'),
  ...extra,
});

interface Entry {
  tasks: { stage: string; type?: string; credits: number }[];
  credits: number;
}
async function onlyEntry(root: string): Promise<Entry> {
  const entries = Object.values(JSON.parse(await readFile(join(root, '.meshy/manifest.json'), 'utf8')).entries) as Entry[];
  expect(entries).toHaveLength(1);
  return entries[0]!;
}
function metaOf(code: string): Record<string, unknown> {
  const start = code.search(/\{\s*"kind":/);
  let depth = 0;
  for (let i = start; i < code.length; i++) {
    if (code[i] === '{') depth++;
    else if (code[i] === '}' && --depth === 0) return new Function(`return (${code.slice(start, i + 1)});`)() as Record<string, unknown>;
  }
  throw new Error('no meta in the bundle');
}
async function builtGlb(built: { assets: Map<string, Uint8Array> }) {
  const glbs = [...built.assets].filter(([name]) => name.endsWith('.glb'));
  expect(glbs).toHaveLength(1);
  const bytes = glbs[0]![1];
  const report = await validateGlb(bytes);
  expect(report.messages).toEqual([]);
  expect(report.errors).toBe(0);
  return decodedDocument(bytes);
}

describe('text to motion', () => {
  it('chains prompt → rig → library clip + motion clip into one validated skinned GLB, tasks and credits as planned', async () => {
    const id = 'meshy:prompt?text=a zombie, t-pose&pose_mode=t-pose&animation=idle&motion=a zombie shamble&motion_name=shamble&motion_duration=3';
    const spec = parseMeshyImport(id).spec;
    const plan = planOf(spec);
    expect(plan.map((step) => step.stage)).toEqual(['preview', 'refine', 'rig', 'animate', 'motion-shamble', 'animate-shamble']);
    expect(planCredits(plan)).toBe(20 + 10 + 5 + 3 + 3 + 3);

    const root = await tempDir();
    await writeProject(root, { 'main.js': `import hero, { meta } from '${id}';\nconsole.log(hero, meta);` });
    const before = emulator.stats();
    const built = await buildProject(root, options(root));
    const after = emulator.stats();
    expect(after.tasksCreated - before.tasksCreated).toBe(plan.length);
    expect(after.creditsCharged - before.creditsCharged).toBe(planCredits(plan));
    expect((after.tasksByType['text-to-motion'] ?? 0) - (before.tasksByType['text-to-motion'] ?? 0)).toBe(1);
    const entry = await onlyEntry(root);
    expect(entry.tasks.map((task) => task.stage)).toEqual(plan.map((step) => step.stage));
    expect(entry.credits).toBe(planCredits(plan));

    const document = await builtGlb(built);
    const clips = document.getRoot().listAnimations();
    expect(clips.map((clip) => clip.getName())).toEqual(['idle', 'shamble']);
    expect(document.getRoot().listSkins()).toHaveLength(1);
    // The motion clip lasts the duration asked for, and moves the leg bones.
    const shamble = clips[1]!;
    const end = Math.max(...shamble.listSamplers().map((sampler) => sampler.getInput()!.getMax([0])[0]!));
    expect(end).toBeCloseTo(3, 1);
    const leg = shamble.listChannels().find((channel) => channel.getTargetNode()?.getName() === 'LeftUpLeg' && channel.getTargetPath() === 'rotation')!;
    const values = leg.getSampler()!.getOutput()!.getArray()!;
    expect(Math.max(...values) - Math.min(...values)).toBeGreaterThan(0.05);
    expect(metaOf(built.code)).toMatchObject({ rigged: true, skinned: true, animations: ['idle', 'shamble'], credits: planCredits(plan) });

    // A second build is a pure cache hit: nothing created, nothing paid.
    const again = emulator.stats().tasksCreated;
    await buildProject(root, options(root));
    expect(emulator.stats().tasksCreated).toBe(again);
  });

  it('prices the motion exactly in a dry run, creating nothing', async () => {
    const id = 'meshy:prompt?text=a ghoul, t-pose&animation=walk,idle&motion=a ghoul lurch&motion_mode=prime';
    const root = await tempDir();
    await writeProject(root, { 'main.js': `import hero from '${id}';\nconsole.log(hero);` });
    const before = emulator.stats().tasksCreated;
    const logs: string[] = [];
    await buildProject(root, options(root, { dryRun: true }), { logs });
    expect(emulator.stats().tasksCreated).toBe(before);
    const credits = planCredits(planOf(parseMeshyImport(id).spec));
    expect(credits).toBe(20 + 10 + 5 + 3 + 10 + 3); // walk is free
    expect(logs.join('\n')).toContain(`1 model(s) would be generated for ~${credits} credits`);
  });

  it('makes several custom clips of a named model, in the order written, each priced by its mode', async () => {
    const root = await tempDir();
    await writeProject(root, { 'main.js': `import hero, { meta } from 'meshy:hero';\nconsole.log(hero, meta);` });
    const models: MeshyPluginOptions['models'] = {
      hero: {
        prompt: 'a knight, t-pose',
        motions: { shamble: { prompt: 'a zombie shamble', duration: 2.5 }, victory: { prompt: 'a victory dance', duration: 2, mode: 'prime' } },
      },
    };
    const before = emulator.stats().creditsCharged;
    const built = await buildProject(root, options(root, { models }));
    const entry = await onlyEntry(root);
    expect(entry.tasks.map((task) => task.stage)).toEqual([
      'preview',
      'refine',
      'rig',
      'motion-shamble',
      'animate-shamble',
      'motion-victory',
      'animate-victory',
    ]);
    expect(entry.tasks.find((task) => task.stage === 'motion-victory')!.credits).toBe(10);
    expect(entry.tasks.find((task) => task.stage === 'motion-shamble')!.credits).toBe(3);
    expect(emulator.stats().creditsCharged - before).toBe(20 + 10 + 5 + (3 + 3) + (10 + 3));
    const document = await builtGlb(built);
    expect(
      document
        .getRoot()
        .listAnimations()
        .map((clip) => clip.getName()),
    ).toEqual(['shamble', 'victory']);
  });

  it('refuses a motion Meshy would refuse before anything is paid', async () => {
    const root = await tempDir();
    const before = emulator.stats().tasksCreated;
    await writeProject(root, { 'main.js': `import hero from 'meshy:prompt?text=a knight&motion=a zombie shamble&motion_duration=10.25';\nconsole.log(hero);` });
    await expect(buildProject(root, options(root))).rejects.toThrow(/motion_duration: must be 2 to 10 seconds in steps of 0.5; got 10.25/);
    // Meshy rigs (and so animates) textured humanoids only.
    await writeProject(root, { 'main.js': `import hero from 'meshy:prompt?text=a knight&textured=false&motion=a zombie shamble';\nconsole.log(hero);` });
    await expect(buildProject(root, options(root))).rejects.toThrow(/rig: Meshy rigs textured models only/);
    expect(emulator.stats().tasksCreated).toBe(before);
  });
});

describe('the free clips of a rig', () => {
  it('plays walk and run from the rig’s basic animations: no animation task, 0 animation credits, the saving logged', async () => {
    const id = 'meshy:prompt?text=a scout, t-pose&pose_mode=t-pose&animation=walk,run';
    const plan = planOf(parseMeshyImport(id).spec);
    expect(plan.map((step) => step.stage)).toEqual(['preview', 'refine', 'rig']);
    const root = await tempDir();
    await writeProject(root, { 'main.js': `import hero, { meta } from '${id}';\nconsole.log(hero, meta);` });
    const before = emulator.stats();
    const logs: string[] = [];
    const built = await buildProject(root, options(root), { logs });
    const after = emulator.stats();
    expect((after.tasksByType.animate ?? 0) - (before.tasksByType.animate ?? 0)).toBe(0);
    expect(after.creditsCharged - before.creditsCharged).toBe(20 + 10 + 5);
    const entry = await onlyEntry(root);
    expect(entry.tasks.filter((task) => task.type === 'animate')).toEqual([]);
    expect(logs.join('\n')).toMatch(/~35 credits; the rig's free walk\/run clips save 6/);
    // The cost line before the first paid task says it too.
    expect(logs.join('\n')).toMatch(/about to generate 1 model with Meshy: ~35 credits.*; the rig's free walk\/run clips save 6 credits/);
    const document = await builtGlb(built);
    expect(
      document
        .getRoot()
        .listAnimations()
        .map((clip) => clip.getName()),
    ).toEqual(['walk', 'run']);
    expect(document.getRoot().listSkins()).toHaveLength(1);
    expect(metaOf(built.code)).toMatchObject({ skinned: true, animations: ['walk', 'run'] });
  });

  it('shows what the free clips save in a dry run: per model and in the total, creating nothing', async () => {
    const scout = 'meshy:prompt?text=a dry scout, t-pose&animation=walk,run';
    const ranger = 'meshy:prompt?text=a dry ranger, t-pose&animation=idle,walk';
    const root = await tempDir();
    await writeProject(root, {
      'main.js': `import a from '${scout}';\nimport b from '${ranger}';\nimport c from 'meshy:prompt?text=a dry rock';\nconsole.log(a, b, c);`,
    });
    const before = emulator.stats().tasksCreated;
    const logs: string[] = [];
    await buildProject(root, options(root, { dryRun: true }), { logs });
    expect(emulator.stats().tasksCreated).toBe(before);
    const printed = logs.join('\n');
    expect(printed).toContain("3 model(s) would be generated for ~103 credits (nothing was spent; the rig's free walk/run clips save 9 credits)");
    expect(printed).toContain(`- "a dry scout, t-pose" ~35 credits; the rig's free walk/run clips save 6 credits`);
    expect(printed).toContain(`- "a dry ranger, t-pose" ~38 credits; the rig's free walk/run clips save 3 credits`);
    expect(printed).toMatch(/- "a dry rock" ~30 credits$/m);
  });

  it('mixes a free clip with bought library clips, keeping the order written', async () => {
    const id = 'meshy:prompt?text=a ranger, t-pose&pose_mode=t-pose&animation=idle,walk,jump';
    const plan = planOf(parseMeshyImport(id).spec);
    expect(plan.at(-1)!.body).toEqual({ action_ids: [0, 466] });
    const root = await tempDir();
    await writeProject(root, { 'main.js': `import hero from '${id}';\nconsole.log(hero);` });
    const before = emulator.stats().creditsCharged;
    const built = await buildProject(root, options(root));
    expect(emulator.stats().creditsCharged - before).toBe(planCredits(plan));
    expect(planCredits(plan)).toBe(20 + 10 + 5 + 2 * 3);
    const document = await builtGlb(built);
    expect(
      document
        .getRoot()
        .listAnimations()
        .map((clip) => clip.getName()),
    ).toEqual(['idle', 'walk', 'jump']);
  });
});
