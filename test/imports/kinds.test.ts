import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { assert, beforeEach, describe, expect, it } from 'vitest';
import { inputFilesOf, KINDS, type MeshySpec, MeshySpecError, namedModelImports, parseMeshyImport, specKey } from '../../src/imports/index.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs();
let root: string;
const png = (r: number) =>
  sharp({ create: { width: 8, height: 8, channels: 3, background: { r, g: 0, b: 0 } } })
    .png()
    .toBuffer();

beforeEach(async () => {
  root = await tempDir();
  await mkdir(join(root, 'src/concepts'), { recursive: true });
  await writeFile(join(root, 'src/concepts/chair.png'), await png(200));
  await writeFile(join(root, 'src/concepts/side.png'), await png(100));
  await writeFile(join(root, 'src/concepts/notes.txt'), 'not an image');
  await writeFile(join(root, 'src/concepts/fake.png'), 'not really a png');
  await writeFile(join(root, 'crate.glb'), Buffer.concat([Buffer.from('glTF'), Buffer.alloc(16)]));
});

const importer = () => join(root, 'src/game.ts');
const parse = (id: string, named = new Map<string, string>()) => parseMeshyImport(id, importer(), named, { root });
function problemsOf(id: string, named = new Map<string, string>()): string {
  try {
    parse(id, named);
  } catch (error) {
    expect(error).toBeInstanceOf(MeshySpecError);
    return (error as Error).message;
  }
  throw new Error(`expected ${id} to be rejected`);
}

describe('meshy:image', () => {
  it('resolves src against the importer, keys it by content and resolves to a root-relative id', async () => {
    const parsed = parse('meshy:image?src=./concepts/chair.png&should_remesh=false&ai_model=latest');
    const spec = parsed.spec;
    assert(spec.kind === 'image');
    expect(spec.inputs.image_url).toMatchObject({ type: 'file', shown: '/src/concepts/chair.png', mimeType: 'image/png' });
    expect(spec.request).toEqual({ ai_model: 'meshy-7.1', target_formats: ['glb'] });
    expect(spec.name).toBe('chair');
    expect(parsed.resolvedId).toBe('\0meshy:image?ai_model=latest&should_remesh=false&src=%2Fsrc%2Fconcepts%2Fchair.png');
    // The resolved id loads with no importer, and is the same spec.
    expect(parseMeshyImport(parsed.resolvedId, undefined, new Map(), { root }).spec).toEqual(spec);
    expect(inputFilesOf(spec)).toEqual([join(root, 'src/concepts/chair.png')]);

    const before = specKey(spec);
    expect(specKey(parse('meshy:image?src=/src/concepts/chair.png').spec)).toBe(before);
    await writeFile(join(root, 'src/concepts/chair.png'), await png(10));
    expect(specKey(parse('meshy:image?src=./concepts/chair.png').spec)).not.toBe(before);
  });

  it('passes https URLs through and reaches every image-to-3D parameter', () => {
    const spec = parse(
      'meshy:image?src=https://example.com/a.png&model_type=smart-topology&target_polycount=9000&enable_pbr&texture_resolution=4k&texture_prompt=rusty&pose_mode=t-pose&image_enhancement=false&remove_lighting=false&moderation&auto_size&origin_at=center&multi_view_thumbnails',
    ).spec;
    assert(spec.kind === 'image');
    expect(spec.inputs.image_url).toEqual({ type: 'url', url: 'https://example.com/a.png' });
    expect(spec.request).toMatchObject({
      ai_model: 'meshy-t2',
      model_type: 'smart-topology',
      target_polycount: 9000,
      enable_pbr: true,
      texture_resolution: '4k',
      texture_prompt: 'rusty',
      pose_mode: 't-pose',
      image_enhancement: false,
      remove_lighting: false,
      moderation: true,
      auto_size: true,
      origin_at: 'center',
      multi_view_thumbnails: true,
    });
  });

  it('rejects a file outside the root, a missing file, a wrong type and a fake image, naming the importer', async () => {
    expect(problemsOf('meshy:image?src=../../etc/passwd.png')).toMatch(/src: "..\/..\/etc\/passwd.png" is outside the project root/);
    expect(problemsOf('meshy:image?src=./concepts/missing.png')).toMatch(
      /src: file not found: ".\/concepts\/missing.png" \(resolved to \/src\/concepts\/missing.png\)/,
    );
    expect(problemsOf('meshy:image?src=./concepts/notes.txt')).toMatch(/not a supported image type; Meshy takes .png, .jpg, .jpeg/);
    expect(problemsOf('meshy:image?src=./concepts/fake.png')).toMatch(/does not contain a PNG or JPEG image/);
    expect(problemsOf('meshy:image?src=data:image/png;base64,AAAA')).toMatch(/not usable/);
    expect(problemsOf('meshy:image?src=./concepts/chair.png&colour=red')).toMatch(/in src[/\\]game\.ts[\s\S]*colour: unknown option/);
    const outside = await tempDir();
    await writeFile(join(outside, 'secret.png'), await png(1));
    await symlink(join(outside, 'secret.png'), join(root, 'src/link.png'));
    expect(problemsOf('meshy:image?src=./link.png')).toMatch(/links to a file outside the project root/);
  });

  it('checks combinations Meshy rejects', () => {
    expect(problemsOf('meshy:image?src=./concepts/chair.png&should_texture=false&enable_pbr')).toMatch(/enable_pbr: is a texturing option/);
    expect(problemsOf('meshy:image?src=./concepts/chair.png&rig&should_texture=false')).toMatch(/rig: Meshy rigs textured models only/);
    expect(problemsOf('meshy:image?src=./concepts/chair.png&geometry_resolution=4k&ai_model=meshy-6')).toMatch(/4k needs ai_model meshy-7.1/);
  });
});

describe('meshy:images', () => {
  it('takes 1–4 views and enforces the count', () => {
    const spec = parse('meshy:images?src=./concepts/chair.png,./concepts/side.png').spec;
    assert(spec.kind === 'images');
    expect((spec.inputs.image_urls as unknown[]).length).toBe(2);
    expect(problemsOf('meshy:images?src=./concepts/chair.png,./concepts/chair.png,./concepts/chair.png,./concepts/chair.png,./concepts/side.png')).toMatch(
      /takes 1–4 comma-separated images; got 5/,
    );
    expect(problemsOf('meshy:images?src=./concepts/chair.png&model_type=smart-topology')).toMatch(/model_type: unknown option/);
  });
});

describe('meshy:retexture and meshy:remesh', () => {
  it('take a model file of the project and exactly one style', () => {
    const spec = parse('meshy:retexture?src=/crate.glb&text=mossy stone').spec;
    assert(spec.kind === 'retexture');
    expect(spec.request).toEqual({ ai_model: 'meshy-7', text_style_prompt: 'mossy stone', target_formats: ['glb'] });
    expect(spec.name).toBe('crate-retextured');
    expect(problemsOf('meshy:retexture?src=/crate.glb')).toMatch(/say what the new texture looks like/);
    expect(problemsOf('meshy:retexture?src=/crate.glb&text=a&style_image=./concepts/chair.png')).toMatch(/give only one of text, style_image and style_images/);
    expect(problemsOf('meshy:retexture?src=./concepts/chair.png&text=a')).toMatch(/not a supported model type/);
    const remesh = parse('meshy:remesh?src=/crate.glb&target_polycount=5000&topology=quad').spec;
    assert(remesh.kind === 'remesh');
    expect(remesh.request).toEqual({ topology: 'quad', target_polycount: 5000, target_formats: ['glb'] });
  });

  it('chain on a generated model: a named model or an inline import, keyed by that model', () => {
    const named = namedModelImports({ knight: { prompt: 'a knight' } }, {}, KINDS);
    const spec = parse('meshy:retexture?src=meshy:knight&text=gold armour', named).spec;
    assert(spec.kind === 'retexture');
    const input = spec.inputs.model_url;
    assert(input && !Array.isArray(input) && input.type === 'generated');
    expect(input.id).toBe('meshy:knight');
    expect(input.spec.kind).toBe('prompt');
    const inline = parse('meshy:retexture?src=meshy:prompt?text=a knight&text=gold armour').spec;
    // The named model and the inline import ask Meshy for the same model: one cache entry.
    expect(specKey(inline)).toBe(specKey(spec));
    expect(problemsOf('meshy:retexture?src=meshy:text-to-image?text=a&text=gold')).toMatch(/makes an image, but a 3D model is needed here/);
  });
});

describe('meshy:text-to-image and meshy:image-to-image', () => {
  it('make image specs, usable as the src of an image import', () => {
    const image = parse('meshy:text-to-image?text=a chair concept&aspect_ratio=4:3').spec;
    assert(image.kind === 'text-to-image');
    expect(image.request).toEqual({ ai_model: 'nano-banana', prompt: 'a chair concept', aspect_ratio: '4:3' });
    expect(problemsOf('meshy:text-to-image?text=a&ai_model=gpt-image-2&aspect_ratio=16:9')).toMatch(/gpt-image-2 takes 1:1, 3:2, 2:3/);
    const named = namedModelImports({ concept: { kind: 'text-to-image', text: 'a chair concept' } }, {}, KINDS);
    const model = parse('meshy:image?src=meshy:concept', named).spec as MeshySpec;
    assert(model.kind === 'image');
    expect(model.inputs.image_url).toMatchObject({ type: 'generated', id: 'meshy:concept' });
    const edit = parse('meshy:image-to-image?src=./concepts/chair.png,./concepts/side.png&text=make it red').spec;
    assert(edit.kind === 'image-to-image');
    expect((edit.inputs.reference_image_urls as unknown[]).length).toBe(2);
  });
});

describe('rig and animation', () => {
  it('resolve clip names to library actions and add rigging', () => {
    const spec = parse('meshy:prompt?text=a knight&animation=walk,idle').spec;
    expect(spec.rig).toEqual({});
    expect(spec.animations?.map((clip) => clip.name)).toEqual(['walk', 'idle']);
    expect(problemsOf('meshy:prompt?text=a knight&animation=wakl')).toMatch(/animation: .*wakl/);
    expect(problemsOf('meshy:prompt?text=a knight&rig&textured=false')).toMatch(/rig: Meshy rigs textured models only/);
    expect(parse('meshy:prompt?text=a knight&rig&rig_height=1.9').spec.rig).toEqual({ height_meters: 1.9 });
    // Without rigging, the key is the one a plain import always had.
    expect(specKey(parse('meshy:prompt?text=a knight').spec)).not.toBe(specKey(parse('meshy:prompt?text=a knight&rig').spec));
  });
});
