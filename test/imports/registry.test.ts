import { describe, expect, it } from 'vitest';
import { planCredits, planOf } from '../../src/generate/plan.js';
import { isImageKind, isImageSpec, KINDS, parseMeshyImport } from '../../src/imports/index.js';
import { IMPORT_KINDS } from '../../src/imports/kinds/index.js';
import { MESHY_RESOURCES } from '../../src/meshy/resources.js';

/** One valid import per kind, with no files, so the registry's derived facts can be checked on real specs. */
const EXAMPLES: Record<string, string> = {
  prompt: 'meshy:prompt?text=a chair',
  image: 'meshy:image?src=https://example.com/a.png',
  images: 'meshy:images?src=https://example.com/a.png,https://example.com/b.png',
  retexture: 'meshy:retexture?src=https://example.com/a.glb&text=wood',
  remesh: 'meshy:remesh?src=https://example.com/a.glb',
  'text-to-image': 'meshy:text-to-image?text=a cat',
  'image-to-image': 'meshy:image-to-image?src=https://example.com/a.png&text=make it red',
};

describe('the registry of import kinds', () => {
  it('lists every kind once, prompt first', () => {
    expect(KINDS).toEqual(['prompt', 'image', 'images', 'retexture', 'remesh', 'text-to-image', 'image-to-image']);
    expect(new Set(KINDS).size).toBe(KINDS.length);
    expect(Object.keys(EXAMPLES).sort()).toEqual([...KINDS].sort());
  });

  it.each(IMPORT_KINDS.map((kind) => [kind.name, kind] as const))('documents every option of %s, and only those', (_, kind) => {
    expect(Object.keys(kind.docs).sort()).toEqual(Object.keys(kind.schema.shape).sort());
  });

  it.each(KINDS.map((kind) => [kind]))('derives the plan, price and output of %s from its entry', (name) => {
    const spec = parseMeshyImport(EXAMPLES[name]!).spec;
    expect(spec.kind).toBe(name);
    const steps = planOf(spec);
    for (const step of steps) expect(MESHY_RESOURCES).toContain(step.resource);
    expect(planCredits(steps)).toBeGreaterThan(0);
    const output = IMPORT_KINDS.find((kind) => kind.name === name)!.output;
    expect(isImageSpec(spec)).toBe(output === 'image');
    expect(isImageKind(name)).toBe(output === 'image');
  });

  it('knows which kinds make images', () => {
    expect(KINDS.filter(isImageKind)).toEqual(['text-to-image', 'image-to-image']);
    expect(isImageKind('knight')).toBe(false);
    expect(isImageKind(undefined)).toBe(false);
  });
});
