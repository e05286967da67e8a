import { assert, describe, expect, it } from 'vitest';
import { KINDS, namedModelImports, parseMeshyImport, specKey } from '../../src/imports/index.js';

const models = namedModelImports(
  {
    knight: { prompt: 'a knight in weathered plate armour', pose_mode: 't-pose', target_polycount: 8000 },
    barrel: { prompt: 'an oak barrel', textured: false },
  },
  { enable_pbr: true, texture_prompt: 'hand-painted, saturated colours' },
  KINDS,
);

describe('named models', () => {
  it('resolve to the request an equivalent import makes, sharing its cache key', () => {
    const named = parseMeshyImport('meshy:knight', 'src/game.ts', models);
    expect(named.resolvedId).toBe('\0meshy:knight');
    expect(named.spec.name).toBe('knight');
    assert(named.spec.kind === 'prompt');
    expect(named.spec.preview).toMatchObject({ prompt: 'a knight in weathered plate armour', pose_mode: 't-pose', target_polycount: 8000 });
    expect(named.spec.refine).toMatchObject({ enable_pbr: true, texture_prompt: 'hand-painted, saturated colours' });
    const query = parseMeshyImport(
      'meshy:prompt?text=a knight in weathered plate armour&pose_mode=t-pose&target_polycount=8000&enable_pbr&texture_prompt=hand-painted, saturated colours',
    );
    expect(specKey(named.spec)).toBe(specKey(query.spec));
    // The resolved id reads back the same way (load gets the \0 id).
    expect(parseMeshyImport(named.resolvedId, undefined, models).spec).toEqual(named.spec);
  });

  it('report a bad definition as the model, not as an import', () => {
    const broken = namedModelImports({ shield: { prompt: 'a shield', target_polycount: 5 } }, {}, KINDS);
    expect(() => parseMeshyImport('meshy:shield', 'src/game.ts', broken)).toThrow(
      /meshy\(\{ models: \{ shield \} \}\)[\s\S]*target_polycount: must be at least 100/,
    );
  });

  it('cannot be given options in the import, and suggest names for typos', () => {
    expect(() => parseMeshyImport('meshy:knight?seed=3', 'a.ts', models)).toThrow(/named model: set its options in meshy\(\{ models \}\)/);
    expect(() => parseMeshyImport('meshy:knigth', 'a.ts', models)).toThrow(/did you mean "meshy:knight"\?[\s\S]*named models: knight, barrel/);
  });

  it('reject names that clash with import kinds or are not identifiers', () => {
    expect(() => namedModelImports({ prompt: { prompt: 'x' } }, {}, KINDS)).toThrow(/Invalid model name "prompt"/);
    expect(() => namedModelImports({ 'my model': { prompt: 'x' } }, {}, KINDS)).toThrow(/Invalid model name "my model"/);
  });
});
