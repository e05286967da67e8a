import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { namedModelImports, parseMeshyImport, specKey } from '../../src/imports/index.js';
import { useTempDirs } from '../helpers/tmp.js';

/**
 * Spec keys are cache keys: a change to any of them makes every project pay Meshy again for models
 * it already has. These are pinned byte for byte; a deliberate change bumps SPEC_FORMAT_VERSION.
 */
const tempDir = useTempDirs();
let root: string;
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('fixed bytes of a pinned test image')]);
const GLB = Buffer.concat([Buffer.from('glTF'), Buffer.alloc(16)]);

beforeEach(async () => {
  root = await tempDir();
  await mkdir(join(root, 'src'), { recursive: true });
  await writeFile(join(root, 'src/chair.png'), PNG);
  await writeFile(join(root, 'crate.glb'), GLB);
});

const MODELS = { knight: { prompt: 'a knight', rig: true }, sketch: { kind: 'text-to-image', prompt: 'a chair sketch' } };
const named = () => namedModelImports(MODELS, { enable_pbr: true }, []);
const parse = (id: string) => parseMeshyImport(id, join(root, 'src/game.ts'), named(), { root });

const PINNED: [string, string][] = [
  ['meshy:prompt?text=a chair', '271d1d63cd9ed3c95a0d8da50dd08ea5a678c7406215c37b7f7530ced589e38c'],
  [
    'meshy:prompt?text=a chair&textured=false&seed=7&ai_model=meshy-6&target_polycount=5000&topology=quad',
    '02a583ce66aa8c6592f797585e348c48ec1e30ad1c8556fcb82ee797f54fd6ed',
  ],
  [
    'meshy:prompt?text=a knight&animation=walk,idle&rig_height=1.8&max_triangles=5000&name=hero',
    '33be076c18365e0f3d18eda02fea9fb8df30f325ba6d03fe1ff75e24e023d0ba',
  ],
  [
    'meshy:prompt?text=a lamp&model_type=smart-topology&enable_pbr&texture_resolution=4k&auto_size&origin_at=center&moderation',
    '76c6b2b37375b1f5f3062b942be5b626b212292ca9fbf4f2a8c64ad5a56a55f4',
  ],
  ['meshy:knight', '22a58a769b99cb2153ad4de36a35832c65d8101966dde7238cf9dc27938f1552'],
  ['meshy:sketch', '60f64e5f6736e2c0d58f4846fbfb5a89ed1a559bc1d40b66a3080a1e54029495'],
  ['meshy:image?src=./chair.png', '066e09e7b81b39ba93b4b7e4e7a5f8e91a4239199ca91e2e8c023169be02fa76'],
  [
    'meshy:image?src=https://example.com/a.png&model_type=smart-topology&target_polycount=9000&texture_prompt=rusty&texture_image_url=meshy:sketch&rig',
    'f8c06fbc5bb118b4be2dda65f4f9df74f8f8bdde260a428547bca5a2efce9ff5',
  ],
  [
    'meshy:images?src=/src/chair.png,https://example.com/b.png&texture_image_urls=./chair.png&ai_model=meshy-7&should_texture=true',
    '126fde78c8ccab9a85ceb2ac129481a1793321db4304c9188c38e1a43693c254',
  ],
  ['meshy:retexture?src=/crate.glb&text=mossy stone&enable_pbr', '5f0279cffaf070c6cca3fac02228efd35b979870204b0918fc769d3eaeafa9d3'],
  [
    'meshy:retexture?src=meshy:knight&style_images=./chair.png,meshy:sketch&ai_model=meshy-7',
    '4efbaf56cb95c5e97c825444c36d93907edaa773ee0c72056aafd5e6abc0457c',
  ],
  [
    // meshy-5 was retired on 2026-10-10 (issue 14): its pin became meshy-6's.
    'meshy:retexture?src=https://example.com/m.glb&style_image=./chair.png&ai_model=meshy-6',
    '8faa82f152f95c58a10b1087d47bccab37beddff8c4c91d9f8346df4a4b38e2f',
  ],
  [
    // Its stored models keep their key, and so keep being served.
    'meshy:retexture?src=https://example.com/m.glb&style_image=./chair.png&ai_model=meshy-5',
    'c952275338620967640143dca40cf52b730891acabe2af03f40b0c76c4427a94',
  ],
  ['meshy:remesh?src=/crate.glb&target_polycount=5000&topology=quad&animation=walk', '8fb3d5bc6d3db18e27e9d171352aa592f0cbd867928631210c953b2527aa0cdc'],
  ['meshy:remesh?src=meshy:image?src=./chair.png', '80c72c24825dcd746aa6c301a35d8697bf36c4f233bfe997063e9c2198bc1be9'],
  ['meshy:text-to-image?text=a cat&ai_model=gpt-image-2&aspect_ratio=3:2&pose_mode=t-pose', 'e1557823f7cc989c2334aeda78be2ae3d2069d800ad3afa07e4b044abaaab4c3'],
  ['meshy:image-to-image?src=./chair.png,meshy:sketch&text=make it red&remove_background', '66a47cfa2ef54cfda34116cf024407f2f42c8f7bd9d2984fc7b65ad04f4d9ffe'],
];

describe('spec keys', () => {
  it.each(PINNED)('%s keeps its key', (id, key) => {
    expect(specKey(parse(id).spec)).toBe(key);
  });

  it('keep their namespace', () => {
    expect(specKey(parse('meshy:prompt?text=a chair').spec, 'emulator')).toBe('cea5c848a4b939f3d0050911ee5eb62f569134dd2860e4a98898b6b0a130cf48');
  });
});
