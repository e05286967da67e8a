import { assert, describe, expect, it } from 'vitest';
import { KINDS, namedModelImports, parseMeshyImport, specKey } from '../../src/imports/index.js';

const problemsOf = (id: string): string => {
  try {
    parseMeshyImport(id);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${id} parsed`);
};

describe('Text to Motion options', () => {
  it('default to a 4 s swift clip named "motion", implying the rig, after the library clips', () => {
    const { spec } = parseMeshyImport('meshy:prompt?text=a zombie&animation=idle&motion=a zombie shamble');
    expect(spec.rig).toEqual({});
    expect(spec.animations?.map((clip) => clip.name)).toEqual(['idle']);
    expect(spec.motions).toEqual([{ name: 'motion', prompt: 'a zombie shamble', duration: 4, mode: 'swift' }]);
    // Every motion option is part of the cache key.
    const key = (query: string) => specKey(parseMeshyImport(`meshy:prompt?text=a zombie&motion=a zombie shamble${query}`).spec);
    expect(new Set([key(''), key('&motion_duration=4.5'), key('&motion_mode=prime'), key('&motion_name=shamble')]).size).toBe(4);
    expect(key('&motion_duration=4&motion_mode=swift&motion_name=motion')).toBe(key(''));
  });

  it('refuses what Meshy would refuse, and options without a motion, before anything is paid', () => {
    expect(problemsOf(`meshy:prompt?text=a&motion=${'x'.repeat(401)}`)).toMatch(/motion: must be at most 400 characters/);
    expect(problemsOf('meshy:prompt?text=a&motion=a wave&motion_duration=1.5')).toMatch(/motion_duration: must be 2 to 10 seconds in steps of 0.5; got 1.5/);
    expect(problemsOf('meshy:prompt?text=a&motion=a wave&motion_duration=soon')).toMatch(/motion_duration: expected seconds/);
    expect(problemsOf('meshy:prompt?text=a&motion=a wave&motion_mode=turbo')).toMatch(/motion_mode: expected one of swift, prime/);
    expect(problemsOf('meshy:prompt?text=a&motion_mode=prime&motion_name=x')).toMatch(
      /motion_mode: only applies with motion=<prompt>[\s\S]*motion_name: only applies/,
    );
    expect(problemsOf('meshy:prompt?text=a&animation=idle&motion=a wave&motion_name=idle')).toMatch(/motion_name: two clips would be named "idle"/);
    expect(problemsOf('meshy:prompt?text=a&rig=false&motion=a wave')).toMatch(/rig: animations need a rig/);
    expect(problemsOf('meshy:prompt?text=a&motions={"a b":{"prompt":"x"}}')).toMatch(/motions: a clip name is a letter/);
    expect(problemsOf('meshy:prompt?text=a&motions={"run":{"prompt":"x","duration":12}}')).toMatch(/motions: run: duration: must be 2 to 10 seconds/);
    expect(problemsOf('meshy:prompt?text=a&motions=[1]')).toMatch(/motions: expected an object of clips by name/);
  });

  it('come from a named model’s `motions`, in the order written', () => {
    const models = namedModelImports(
      {
        hero: {
          prompt: 'a knight',
          motion: 'a bow',
          motions: { shamble: { prompt: 'a shamble', duration: 2.5 }, victory: { prompt: 'a dance', mode: 'prime' } },
        },
      },
      {},
      KINDS,
    );
    const { spec } = parseMeshyImport('meshy:hero', 'src/game.ts', models);
    assert(spec.kind === 'prompt');
    expect(spec.motions).toEqual([
      { name: 'motion', prompt: 'a bow', duration: 4, mode: 'swift' },
      { name: 'shamble', prompt: 'a shamble', duration: 2.5, mode: 'swift' },
      { name: 'victory', prompt: 'a dance', duration: 4, mode: 'prime' },
    ]);
  });
});
