import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Document, NodeIO } from '@gltf-transform/core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { MeshyPluginOptions } from '../../src/index.js';
import { buildProject, writeProject } from '../helpers/project.js';
import { useTempDirs } from '../helpers/tmp.js';
import { decodedDocument, validateGlb } from '../helpers/validate.js';

/**
 * Every import kind through a real `vite build` against the emulator: the tasks it creates, the
 * asset it emits, its `meta`, and that a rebuild is a pure cache hit.
 */
const API_KEY = 'msy_kinds_test_key_000001';
const tempDir = useTempDirs();
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ apiKeys: [API_KEY], taskDurationMs: 120, queueDelayMs: 10 });
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
const concept = (r: number) =>
  sharp({ create: { width: 64, height: 64, channels: 3, background: { r, g: 90, b: 40 } } })
    .png()
    .toBuffer();
const assetsEnding = (assets: Map<string, Uint8Array>, ext: string) => [...assets].filter(([name]) => name.endsWith(ext));
/** The first `meta` object in the bundle: Rolldown inlines it as an object literal (evaluated here: it is our own output). */
function metaOf(code: string): Record<string, unknown> {
  const start = code.search(/\{\s*"kind":/);
  if (start === -1) throw new Error('no meta in the bundle');
  let depth = 0;
  for (let i = start; i < code.length; i++) {
    if (code[i] === '{') depth++;
    else if (code[i] === '}' && --depth === 0) return new Function(`return (${code.slice(start, i + 1)});`)() as Record<string, unknown>;
  }
  throw new Error('unterminated meta');
}

async function manifestEntries(root: string): Promise<{ kind: string; tasks: { stage: string; type?: string }[]; credits: number }[]> {
  return Object.values(JSON.parse(await readFile(join(root, '.meshy/manifest.json'), 'utf8')).entries);
}

describe('meshy:image', () => {
  it('sends the project file, emits the model, and regenerates when the file changes', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'src/concepts/chair.png': '',
      'main.js': `import './src/game.js';`,
      'src/game.js': `import chair, { meta } from 'meshy:image?src=./concepts/chair.png&should_texture=false';\nconsole.log(chair, meta);`,
    });
    await writeFile(join(root, 'src/concepts/chair.png'), await concept(200));
    const before = emulator.stats().tasksCreated;
    const built = await buildProject(root, options(root));
    expect(emulator.stats().tasksCreated - before).toBe(1);
    const [[name, bytes]] = assetsEnding(built.assets, '.glb') as [[string, Uint8Array]];
    expect(name).toMatch(/^assets\/chair-[\w-]{8}\.glb$/);
    expect((await validateGlb(bytes)).errors).toBe(0);
    expect(metaOf(built.code)).toMatchObject({ kind: 'image', label: 'image /src/concepts/chair.png', rigged: false });
    const [entry] = await manifestEntries(root);
    expect(entry!.tasks.map((task) => task.type)).toEqual(['image-to-3d']);

    // Same bytes: cache hit. New bytes: a new model.
    const requests = emulator.stats().requests;
    await buildProject(root, options(root));
    expect(emulator.stats().requests).toBe(requests);
    await writeFile(join(root, 'src/concepts/chair.png'), await concept(20));
    await buildProject(root, options(root));
    expect(emulator.stats().tasksCreated - before).toBe(2);
  });

  it('fails the build with a clear error for a missing file or one outside the root', async () => {
    const root = await tempDir();
    await writeProject(root, { 'main.js': `import chair from 'meshy:image?src=./nope.png';\nconsole.log(chair);` });
    await expect(buildProject(root, options(root))).rejects.toThrow(
      /Invalid Meshy import "meshy:image\?src=.\/nope.png" in main.js:\n\s+- src: file not found/,
    );
    await writeProject(root, { 'main.js': `import chair from 'meshy:image?src=../outside.png';\nconsole.log(chair);` });
    await expect(buildProject(root, options(root))).rejects.toThrow(/src: "..\/outside.png" is outside the project root/);
  });
});

describe('meshy:images, meshy:text-to-image and chains', () => {
  it('builds a model from several views, and one from a generated concept image handed over by task id', async () => {
    const root = await tempDir();
    await writeProject(root, { 'front.png': '', 'side.png': '', 'main.js': '' });
    await writeFile(join(root, 'front.png'), await concept(150));
    await writeFile(join(root, 'side.png'), await concept(50));
    await writeProject(root, {
      'main.js': [
        `import statue from 'meshy:images?src=/front.png,/side.png&should_texture=false';`,
        `import art, { meta as artMeta } from 'meshy:concept';`,
        `import fromArt from 'meshy:image?src=meshy:concept&should_texture=false';`,
        `import redder from 'meshy:image-to-image?src=/front.png&text=make it red&name=redder';`,
        `console.log(statue, art, artMeta, fromArt, redder);`,
      ].join('\n'),
    });
    const before = emulator.stats().tasksCreated;
    const built = await buildProject(root, options(root, { models: { concept: { kind: 'text-to-image', prompt: 'a marble statue, front view' } } }));
    // multi-image + text-to-image + image-to-3d + image-to-image: the concept image is made once for both imports.
    expect(emulator.stats().tasksCreated - before).toBe(4);
    const pngs = assetsEnding(built.assets, '.png').sort(([a], [b]) => a.localeCompare(b));
    expect(pngs).toHaveLength(2);
    expect(pngs[0]![0]).toMatch(/^assets\/concept-[\w-]{8}\.png$/);
    expect(pngs[1]![0]).toMatch(/^assets\/redder-[\w-]{8}\.png$/);
    const image = await sharp(Buffer.from(pngs[0]![1])).metadata();
    expect(image.format).toBe('png');
    expect(assetsEnding(built.assets, '.glb')).toHaveLength(2);
    const entries = await manifestEntries(root);
    expect(entries.map((entry) => entry.kind).sort()).toEqual(['image', 'image-to-image', 'images', 'text-to-image']);
    // The image-to-3D task took the text-to-image task's id, not an upload.
    const journalOrRequest = JSON.parse(await readFile(join(root, '.meshy/manifest.json'), 'utf8'));
    const imageEntry = Object.values(journalOrRequest.entries as Record<string, { kind: string; request: { inputs: unknown } }>).find(
      (entry) => entry.kind === 'image',
    )!;
    expect(imageEntry.request.inputs).toEqual({ image_url: { import: 'meshy:concept' } });
    const artMeta = built.code.match(/"kind":\s*"text-to-image"[^}]*/)?.[0] ?? '';
    expect(artMeta).toMatch(/"width":\s*\d+/);
  });
});

describe('meshy:retexture and meshy:remesh', () => {
  it('retextures a generated model without regenerating it, and remeshes a project file', async () => {
    const root = await tempDir();
    const io = new NodeIO();
    const document = new Document();
    const buffer = document.createBuffer();
    const positions = document
      .createAccessor()
      .setType('VEC3')
      .setBuffer(buffer)
      .setArray(new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]));
    document
      .createScene()
      .addChild(document.createNode().setMesh(document.createMesh().addPrimitive(document.createPrimitive().setAttribute('POSITION', positions))));
    await writeProject(root, { 'main.js': '' });
    await writeFile(join(root, 'crate.glb'), await io.writeBinary(document));
    await writeProject(root, {
      'main.js': [
        `import knight from 'meshy:knight';`,
        `import gold from 'meshy:retexture?src=meshy:knight&text=gold armour';`,
        `import crate from 'meshy:remesh?src=/crate.glb&target_polycount=500';`,
        `console.log(knight, gold, crate);`,
      ].join('\n'),
    });
    const before = emulator.stats().tasksCreated;
    const built = await buildProject(root, options(root, { models: { knight: { prompt: 'a knight', textured: false } } }));
    // knight preview + retexture + remesh: the knight is generated once.
    expect(emulator.stats().tasksCreated - before).toBe(3);
    const names = assetsEnding(built.assets, '.glb')
      .map(([name]) => name)
      .sort();
    expect(names).toEqual([
      expect.stringMatching(/^assets\/crate-remeshed-/),
      expect.stringMatching(/^assets\/knight-/),
      expect.stringMatching(/^assets\/knight-retextured-/),
    ]);
    for (const [, bytes] of assetsEnding(built.assets, '.glb')) expect((await validateGlb(bytes)).errors).toBe(0);
    const entries = await manifestEntries(root);
    expect(entries.map((entry) => entry.kind).sort()).toEqual(['prompt', 'remesh', 'retexture']);
  });
});

describe('rig and animation', () => {
  it('chains generate → rig → animate into one skinned GLB whose clips carry the names the import wrote', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'main.js': `import hero, { meta } from 'meshy:prompt?text=a knight, t-pose&pose_mode=t-pose&animation=walk,idle';\nconsole.log(hero, meta);`,
    });
    const before = emulator.stats().tasksCreated;
    const built = await buildProject(root, options(root));
    expect(emulator.stats().tasksCreated - before).toBe(4); // preview, refine, rig, animate
    const [entry] = await manifestEntries(root);
    expect(entry!.tasks.map((task) => task.stage)).toEqual(['preview', 'refine', 'rig', 'animate']);
    // `walk` comes free with the rig (issue 14): only idle is bought.
    expect(entry!.credits).toBe(20 + 10 + 5 + 3);
    const [[, bytes]] = assetsEnding(built.assets, '.glb') as [[string, Uint8Array]];
    expect((await validateGlb(bytes)).errors).toBe(0);
    const document = await decodedDocument(bytes);
    expect(
      document
        .getRoot()
        .listAnimations()
        .map((clip) => clip.getName()),
    ).toEqual(['walk', 'idle']);
    expect(document.getRoot().listSkins()).toHaveLength(1);
    expect(metaOf(built.code)).toMatchObject({ rigged: true, skinned: true, animations: ['walk', 'idle'] });
  });

  it('rejects an unknown clip name with close matches, before anything is paid', async () => {
    const root = await tempDir();
    await writeProject(root, { 'main.js': `import hero from 'meshy:prompt?text=a knight&animation=wlak';\nconsole.log(hero);` });
    const before = emulator.stats().tasksCreated;
    await expect(buildProject(root, options(root))).rejects.toThrow(/animation: .*"wlak".*walk/);
    expect(emulator.stats().tasksCreated).toBe(before);
  });
});
