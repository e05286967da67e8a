import { describe, expect, it } from 'vitest';
import { splitImportId } from '../../src/imports/id.js';
import { type MeshySpec, MeshySpecError, type PromptSpec, parseMeshyImport, retirementOf, specKey } from '../../src/imports/index.js';
import { slugify } from '../../src/imports/names.js';

function spec(id: string): PromptSpec {
  const parsed: MeshySpec = parseMeshyImport(id).spec;
  if (parsed.kind !== 'prompt') throw new Error(`${id} is not a prompt import`);
  return parsed;
}

function errorOf(id: string, importer?: string): MeshySpecError {
  try {
    parseMeshyImport(id, importer);
  } catch (error) {
    expect(error).toBeInstanceOf(MeshySpecError);
    return error as MeshySpecError;
  }
  throw new Error(`expected ${id} to be rejected`);
}

describe('splitImportId', () => {
  it('keeps # and spaces inside values and separates kind from query at the first ?', () => {
    const split = splitImportId('meshy:prompt?text=sword #1? yes&seed=3');
    expect(split.kind).toBe('prompt');
    expect(split.options).toEqual({ text: 'sword #1? yes', seed: '3' });
  });

  it('drops the query keys Vite appends or reads', () => {
    const split = splitImportId('meshy:prompt?text=a&t=1700000000&import&url&raw&direct&inline&no-inline&worker&sharedworker');
    expect(split.options).toEqual({ text: 'a' });
    expect(split.reserved).toEqual(['t', 'import', 'url', 'raw', 'direct', 'inline', 'no-inline', 'worker', 'sharedworker']);
  });

  it('reports repeated keys', () => {
    expect(splitImportId('meshy:prompt?text=a&text=b').repeated).toEqual(['text']);
  });
});

describe('parseMeshyImport: valid imports', () => {
  it('turns the README example into a textured preview + refine request with the model pinned', () => {
    const s = spec('meshy:prompt?text=a weathered viking helmet&target_polycount=15000');
    expect(s).toEqual({
      kind: 'prompt',
      name: 'a-weathered-viking-helmet',
      preview: {
        prompt: 'a weathered viking helmet',
        ai_model: 'meshy-7.1',
        target_formats: ['glb'],
        should_remesh: true,
        target_polycount: 15000,
      },
      refine: { target_formats: ['glb'] },
    });
  });

  it('asks for geometry only with textured=false', () => {
    expect(spec('meshy:prompt?text=rock&textured=false').refine).toBeNull();
  });

  it('passes every refine option through', () => {
    const s = spec(
      'meshy:prompt?text=lamp&enable_pbr&texture_prompt=brass&texture_resolution=4k&remove_lighting=false&texture_image_url=https://example.com/a.png',
    );
    expect(s.refine).toEqual({
      target_formats: ['glb'],
      enable_pbr: true,
      texture_prompt: 'brass',
      texture_resolution: '4k',
      remove_lighting: false,
      texture_image_url: 'https://example.com/a.png',
    });
  });

  it('reaches every preview parameter', () => {
    const s = spec(
      'meshy:prompt?text=knight&ai_model=meshy-6&topology=quad&target_polycount=8000&decimation_mode=2&geometry_resolution=standard&symmetry_mode=on&pose_mode=t-pose&seed=42&moderation=true&auto_size=1&origin_at=center',
    );
    expect(s.preview).toEqual({
      prompt: 'knight',
      ai_model: 'meshy-6',
      target_formats: ['glb'],
      should_remesh: true,
      topology: 'quad',
      target_polycount: 8000,
      decimation_mode: 2,
      symmetry_mode: 'on',
      pose_mode: 't-pose',
      seed: 42,
      moderation: true,
      auto_size: true,
      origin_at: 'center',
    });
    expect(s.refine).toMatchObject({ moderation: true, auto_size: true, origin_at: 'center' });
  });

  it('infers smart-topology from its model ids and leaves its default budget out', () => {
    expect(spec('meshy:prompt?text=crate&ai_model=meshy-t2.5&target_polycount=15000').preview).toEqual({
      prompt: 'crate',
      ai_model: 'meshy-t2.5',
      model_type: 'smart-topology',
      target_formats: ['glb'],
    });
  });

  it('gives imports that mean the same request the same key', () => {
    const a = spec('meshy:prompt?text=a chair&ai_model=latest&textured=true&should_remesh=false&geometry_resolution=standard');
    const b = spec('meshy:prompt?should_remesh=0&text=  a chair ');
    const c = spec('meshy:prompt?text=a chair&name=other-file-name&symmetry_mode=auto&pose_mode=');
    expect(specKey(a)).toBe(specKey(b));
    expect(specKey(a)).toBe(specKey(c));
    expect(specKey(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives different requests different keys', () => {
    const keys = new Set(
      [
        'meshy:prompt?text=a chair',
        'meshy:prompt?text=a chair&seed=1',
        'meshy:prompt?text=a chair&textured=false',
        'meshy:prompt?text=a chair&enable_pbr',
        'meshy:prompt?text=a chair&ai_model=meshy-6',
        'meshy:prompt?text=A chair',
      ].map((id) => specKey(spec(id))),
    );
    expect(keys.size).toBe(6);
    expect(specKey(spec('meshy:prompt?text=a chair'), 'emulator')).not.toBe(specKey(spec('meshy:prompt?text=a chair')));
  });

  it('resolves to a canonical, percent-encoded, \\0-prefixed id that parses back to the same spec', () => {
    const { resolvedId, spec: original } = parseMeshyImport('meshy:prompt?seed=2&text=sword #1 %26 shield + 50%25');
    expect(resolvedId.startsWith('\0meshy:prompt?')).toBe(true);
    expect(resolvedId).not.toMatch(/[ #]/);
    expect(parseMeshyImport(resolvedId).spec).toEqual(original);
    expect(parseMeshyImport(`${resolvedId}&t=123&import`).spec).toEqual(original);
  });
});

describe('parseMeshyImport: errors name the importer, the key and what is allowed', () => {
  it('suggests the nearest key for a typo', () => {
    const error = errorOf('meshy:prompt?text=a&target_polycont=5000', '/project/src/main.ts');
    expect(error.message).toContain('/project/src/main.ts');
    expect(error.message).toContain('target_polycont');
    expect(error.message).toContain('did you mean "target_polycount"');
    expect(error.message).toContain('Options of meshy:prompt');
    expect(error.problems).toEqual([{ key: 'target_polycont', message: expect.stringContaining('unknown option') }]);
  });

  it.each([
    ['meshy:prompt', 'text', 'required'],
    ['meshy:prompt?text=', 'text', 'must not be empty'],
    [`meshy:prompt?text=${'x'.repeat(601)}`, 'text', 'at most 600 characters'],
    ['meshy:prompt?text=a&target_polycount=99', 'target_polycount', 'at least 100'],
    ['meshy:prompt?text=a&target_polycount=300001', 'target_polycount', 'at most 300000'],
    ['meshy:prompt?text=a&target_polycount=1.5', 'target_polycount', 'whole number'],
    ['meshy:prompt?text=a&target_polycount=many', 'target_polycount', 'whole number'],
    ['meshy:prompt?text=a&ai_model=meshy-4', 'ai_model', 'retired by Meshy on 2026-03-20 (its requests are refused); use latest'],
    ['meshy:prompt?text=a&topology=hex', 'topology', 'triangle, quad'],
    ['meshy:prompt?text=a&enable_pbr=maybe', 'enable_pbr', 'true or false'],
    ['meshy:prompt?text=a&texture_image_url=ftp://x/y.png', 'texture_image_url', 'https://'],
    ['meshy:prompt?text=a&decimation_mode=5', 'decimation_mode', 'at most 4'],
    ['meshy:prompt?text=a&text=b', 'text', 'more than once'],
    ['meshy:prompt?text=a&textured=false&enable_pbr', 'enable_pbr', 'textured=false'],
    ['meshy:prompt?text=a&ai_model=meshy-t2&target_polycount=20000', 'target_polycount', 'at most 15000'],
    ['meshy:prompt?text=a&ai_model=meshy-t2&topology=quad', 'topology', 'triangle-only'],
    ['meshy:prompt?text=a&model_type=smart-topology&ai_model=meshy-6', 'ai_model', 'not a smart-topology model'],
    ['meshy:prompt?text=a&ai_model=meshy-6&geometry_resolution=4k', 'geometry_resolution', '4k needs'],
    ['meshy:prompt?text=a&ai_model=meshy-6-lite&texture_resolution=8k', 'texture_resolution', 'not available'],
    ['meshy:image?src=https://example.com/a.png&model_type=smart-topology&ai_model=meshy-t1', 'ai_model', 'use meshy-t2'],
    ['meshy:prompt?text=a&origin_at=center', 'origin_at', 'auto_size'],
    ['meshy:prompt?text=a&should_remesh=false&target_polycount=500', 'should_remesh', 'should_remesh is true'],
  ])('%s → %s', (id, key, fragment) => {
    const error = errorOf(id, 'src/game.ts');
    const problem = error.problems.find((p) => p.key === key);
    expect(problem, JSON.stringify(error.problems)).toBeDefined();
    expect(problem!.message).toContain(fragment);
    expect(error.message).toContain('src/game.ts');
  });

  it('lists every problem at once', () => {
    const error = errorOf('meshy:prompt?text=a&seed=-1&foo=1&topology=x');
    expect(error.problems.map((p) => p.key).sort()).toEqual(['foo', 'seed', 'topology']);
  });

  it('rejects unknown kinds with a hint', () => {
    const error = errorOf('meshy:promt?text=a', 'a.ts');
    expect(error.message).toContain('did you mean "meshy:prompt"');
  });
});

describe('retired models', () => {
  it('parses a retired ai_model the plugin took before (meshy-5), so its stored models stay usable; generating it is refused, naming the replacement', () => {
    const { spec } = parseMeshyImport('meshy:prompt?text=a&ai_model=meshy-5');
    expect((spec as PromptSpec).preview.ai_model).toBe('meshy-5');
    expect(retirementOf(spec, Date.parse('2026-11-01T00:00:00Z'))).toBe(
      'meshy-5 was retired by Meshy on 2026-10-10 (its requests are refused); use meshy-6-lite (the same 5-credit previews) or latest (Meshy 7.1)',
    );
    expect(retirementOf(spec, Date.parse('2026-10-09T23:59:59Z'))).toBeUndefined();
    const retexture = parseMeshyImport('meshy:retexture?src=https://example.com/m.glb&text=moss&ai_model=meshy-5').spec;
    expect(retirementOf(retexture, Date.parse('2026-11-01T00:00:00Z'))).toMatch(/^meshy-5 was retired/);
    expect(retirementOf(parseMeshyImport('meshy:prompt?text=a&ai_model=meshy-6-lite').spec)).toBeUndefined();
  });

  it('refuses one it never took (nothing of it can be stored), naming the replacement', () => {
    const error = errorOf('meshy:image?src=https://example.com/a.png&ai_model=meshy-4');
    expect(error.problems).toEqual([{ key: 'ai_model', message: expect.stringContaining('meshy-4 was retired by Meshy on 2026-03-20') }]);
  });
});

describe('slugify', () => {
  it('makes short, safe file names', () => {
    expect(slugify('A Weathered Viking Helmet!')).toBe('a-weathered-viking-helmet');
    expect(slugify('Épée de «fer»')).toBe('epee-de-fer');
    expect(slugify('!!!')).toBe('model');
    expect(slugify('x'.repeat(100)).length).toBe(48);
  });
});
