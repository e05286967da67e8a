import { assert, describe, expect, it } from 'vitest';
import { ANIMATION_ALIASES, closeMatches, MAX_ANIMATIONS, type ResolvedAnimation, resolveAnimations, snakeCase } from '../../src/imports/animations.js';
import { ANIMATION_LIBRARY } from '../../src/meshy/animation-library.js';

function resolved(names: string[]): ResolvedAnimation[] {
  const result = resolveAnimations(names);
  assert('ok' in result, `expected no problems, got ${JSON.stringify(result)}`);
  return result.ok;
}

function problems(names: string[]): string[] {
  const result = resolveAnimations(names);
  assert('problems' in result, `expected problems, got ${JSON.stringify(result)}`);
  return result.problems;
}

describe('the animation library catalogue', () => {
  it('has 678 actions with unique ids and names, whatever their case or separators', () => {
    expect(ANIMATION_LIBRARY).toHaveLength(678);
    expect(new Set(ANIMATION_LIBRARY.map((action) => action.action_id)).size).toBe(678);
    expect(new Set(ANIMATION_LIBRARY.map((action) => action.name.toLowerCase().replace(/[\s_-]/g, ''))).size).toBe(678);
    expect(ANIMATION_LIBRARY[0]).toEqual({ action_id: 0, name: 'Idle', category: 'DailyActions', sub_category: 'Idle' });
    expect(ANIMATION_LIBRARY.at(-1)?.action_id).toBe(696);
  });
});

describe('resolveAnimations', () => {
  it('resolves aliases, library names and action ids, keeping the order written', () => {
    expect(resolved(['walk', 'Idle', '466', 'Big-Wave-Hello', 'run fast'])).toEqual([
      { name: 'walk', actionId: 613, libraryName: 'Casual_Walk_inplace' },
      { name: 'idle', actionId: 0, libraryName: 'Idle' },
      { name: 'regular_jump', actionId: 466, libraryName: 'Regular_Jump' },
      { name: 'big_wave_hello', actionId: 28, libraryName: 'Big_Wave_Hello' },
      { name: 'run_fast', actionId: 16, libraryName: 'RunFast' },
    ]);
  });

  it('matches library names ignoring case, spaces, hyphens and underscores', () => {
    for (const written of ['Regular_Jump', 'regular jump', 'REGULAR-JUMP', 'RegularJump', ' regular_jump ']) {
      expect(resolved([written])).toEqual([{ name: 'regular_jump', actionId: 466, libraryName: 'Regular_Jump' }]);
    }
  });

  it('names clips in lower snake case, splitting camel case', () => {
    expect(resolved(['BeHit_FlyUp', 'Pop_Dance_LSA2', 'Turn Left']).map((animation) => animation.name)).toEqual([
      'be_hit_fly_up',
      'pop_dance_lsa2',
      'turn_left',
    ]);
  });

  it('prefers an exact library name to an alias', () => {
    // `dead` is a library name; `die` and `death` are aliases of it.
    expect(resolved(['dead'])[0]).toMatchObject({ actionId: 8, name: 'dead' });
    expect(resolved(['die'])[0]).toMatchObject({ actionId: 8, name: 'die' });
  });

  it('has aliases that point at existing actions and that no library name hides', () => {
    const ids = new Set(ANIMATION_LIBRARY.map((action) => action.action_id));
    const names = new Set(ANIMATION_LIBRARY.map((action) => snakeCase(action.name).replace(/_/g, '')));
    for (const [alias, id] of Object.entries(ANIMATION_ALIASES)) {
      expect(ids.has(id), alias).toBe(true);
      expect(names.has(alias.replace(/_/g, '')), alias).toBe(false);
      expect(alias).toBe(snakeCase(alias));
    }
  });

  it('suggests up to 5 lower-case close matches for an unknown name', () => {
    const [message] = problems(['wlak']);
    expect(message).toBe('unknown animation "wlak" (did you mean "walk", "stage_walk", "quick_walk", "funky_walk", "spear_walk"?)');
    expect(closeMatches('reguler jump')[0]).toBe('regular_jump');
    expect(closeMatches('idel')[0]).toBe('idle');
    expect(closeMatches('attak')[0]).toBe('attack');
    expect(closeMatches('dancing')).toContain('dance');
    expect(closeMatches('running')).toContain('run');
    expect(closeMatches('punch combo')).toEqual(['punch_combo', 'punch_combo_1', 'punch_combo_2', 'punch_combo_3', 'punch_combo_4']);
  });

  it('lists the aliases when nothing is close', () => {
    const [message] = problems(['xyzzy']);
    expect(message).toMatch(/^unknown animation "xyzzy": use a name or action id from Meshy's animation library, or one of walk, run, /);
  });

  it('rejects action ids that are not in the library', () => {
    expect(problems(['332'])).toEqual(["action id 332 is not in Meshy's animation library"]);
    expect(problems(['697'])).toEqual(["action id 697 is not in Meshy's animation library"]);
  });

  it('rejects the same action twice, however it is written', () => {
    expect(problems(['jump', 'Regular_Jump'])).toEqual(['"jump" and "Regular_Jump" are the same action (Regular_Jump); list it once']);
    expect(problems(['idle', '0'])).toEqual(['"idle" and "0" are the same action (Idle); list it once']);
    expect(problems(['die', 'death'])).toHaveLength(1);
  });

  it(`rejects more than ${MAX_ANIMATIONS} actions, empty names and an empty list`, () => {
    const eleven = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '11', '12'];
    expect(resolved(eleven.slice(0, 10))).toHaveLength(10);
    expect(problems(eleven)).toEqual(["at most 10 animations per model (Meshy's limit for one animation task); got 11"]);
    expect(problems(['walk', '', 'idle'])).toEqual(['an animation name is empty (check the commas)']);
    expect(problems(['  '])).toEqual(['an animation name is empty (check the commas)']);
    expect(problems([])).toEqual(['name at least one animation']);
  });

  it('collects every problem at once', () => {
    expect(problems(['walk', 'walk', 'wlak', '999', ''])).toHaveLength(4);
  });
});
