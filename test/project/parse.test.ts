import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createProject } from '../../src/project/index.js';

const png = (red: number) =>
  sharp({ create: { width: 8, height: 8, channels: 3, background: { r: red, g: 0, b: 0 } } })
    .png()
    .toBuffer();

describe("a project's parses", () => {
  it('parse an import without file inputs once: the build-start check, resolveId and load share it', () => {
    const project = createProject({ models: { crate: { prompt: 'a crate' } } }, { root: '/tmp/meshy-parse-test' });
    const id = 'meshy:prompt?text=a barrel&target_polycount=2000';
    const first = project.resolve(id, '/tmp/meshy-parse-test/src/main.ts');
    expect(project.resolve(id, '/tmp/meshy-parse-test/src/main.ts?v=2')).toBe(first);
    expect(project.resolve(first.resolvedId)).toBe(project.resolve(first.resolvedId));
    expect(project.resolve(first.resolvedId).spec).toEqual(first.spec);
    expect(project.resolve('meshy:crate')).toBe(project.resolve('meshy:crate'));
  });

  it('parse an import of a file each time: its bytes are part of the spec', async () => {
    const root = await mkdtemp(join(tmpdir(), 'meshy-parse-'));
    const image = join(root, 'ref.png');
    await writeFile(image, await png(10));
    const project = createProject({}, { root });
    const id = 'meshy:image?src=./ref.png';
    const before = project.parse(id, join(root, 'main.ts'));
    await writeFile(image, await png(200));
    const after = project.parse(id, join(root, 'main.ts'));
    expect(after).not.toEqual(before);
  });

  it('never remember an error', () => {
    const project = createProject({}, { root: '/tmp/meshy-parse-test' });
    expect(() => project.resolve('meshy:prompt?text=a barrel&target_polycount=many')).toThrow(/target_polycount/);
    expect(() => project.resolve('meshy:prompt?text=a barrel&target_polycount=many')).toThrow(/target_polycount/);
  });
});
