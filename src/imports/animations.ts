import { ANIMATION_LIBRARY, type AnimationLibraryAction } from '../meshy/animation-library.js';
import { editDistance } from './errors.js';
import { clip, quote } from './printable.js';

/** One clip of `animation=walk,idle`: the Meshy action to ask for and the name the game will use. */
export interface ResolvedAnimation {
  /** The clip's name in the emitted GLB: what the import wrote, in lower snake case ("walk", "regular_jump"). */
  name: string;
  actionId: number;
  /** The clip's name in the GLB Meshy returns (https://docs.meshy.ai/en/api/animation). */
  libraryName: string;
}

/** The free clips a rigging result carries (https://docs.meshy.ai/en/api/rigging). */
export type FreeClip = 'walking' | 'running';
/** The aliases that ask for a free clip; any other spelling (`Casual_Walk_inplace`, `613`) buys the library action. */
const FREE_CLIPS: Readonly<Record<string, FreeClip>> = { walk: 'walking', run: 'running' };

/**
 * The rig's free clip (https://docs.meshy.ai/en/api/rigging `basic_animations`) that stands in for a clip written `walk` or
 * `run`; the library action is bought only when the rig returns none. Derived, not kept in the spec: keys stay as they were.
 */
export function freeClipOf(clip: ResolvedAnimation): FreeClip | undefined {
  const free = Object.hasOwn(FREE_CLIPS, clip.name) ? FREE_CLIPS[clip.name] : undefined;
  return free && ANIMATION_ALIASES[clip.name] === clip.actionId ? free : undefined;
}

/** Meshy's limit for one animation task (`action_ids`, https://docs.meshy.ai/en/api/animation). */
export const MAX_ANIMATIONS = 10;

/**
 * The words game developers write, for actions whose library names differ. An exact library name
 * always wins over an alias. Locomotion loops are the `_inplace` variants, so the character does
 * not drift away from where the game puts it; write the library name (e.g. `Casual_Walk`) for the
 * root-motion version.
 *
 *   walk              → Casual_Walk_inplace (613)
 *   run               → run_fast_2_inplace (658)
 *   sprint            → Lean_Forward_Sprint_inplace (644)
 *   sneak             → Sneaky_Walk_inplace (671)
 *   crouch            → Cautious_Crouch_Walk_Forward_inplace (616)
 *   jump              → Regular_Jump (466)
 *   attack            → Attack (4)            (library name)
 *   punch             → Kung_Fu_Punch (96)
 *   kick              → Simple_Kick (103)
 *   slash             → Right_Hand_Sword_Slash (219)
 *   cast, spell       → Charged_Spell_Cast (125)
 *   block             → Block1 (138)
 *   dodge             → Stand_Dodge (156)
 *   roll              → Roll_Dodge (158)
 *   hit, hurt         → Hit_Reaction (178)
 *   die, death        → Dead (8)              (`dead` is the library name)
 *   fall              → Fall1 (502)
 *   idle              → Idle (0)              (library name)
 *   sit               → Chair_Sit_Idle_M (33)
 *   sleep             → sleep (269)           (library name)
 *   talk              → Talk_with_Hands_Open (313)
 *   wave              → Wave_One_Hand (290)
 *   hello, greet      → Big_Wave_Hello (28)
 *   bow               → Formal_Bow (41)
 *   cheer             → Cheer_with_Both_Hands_Up (298)
 *   taunt             → Chest_Pound_Taunt (88)
 *   dance             → Hip_Hop_Dance (591)
 *   swim              → Swim_Forward (569)
 *   climb             → Ladder_Climb_Loop (438)
 *   pick_up           → Male_Bend_Over_Pick_Up (276)
 *   turn_left         → Idle_Turn_Left (576)
 *   turn_right        → Idle_Turn_Right (586)
 */
export const ANIMATION_ALIASES: Readonly<Record<string, number>> = {
  walk: 613,
  run: 658,
  sprint: 644,
  sneak: 671,
  crouch: 616,
  jump: 466,
  punch: 96,
  kick: 103,
  slash: 219,
  cast: 125,
  spell: 125,
  block: 138,
  dodge: 156,
  roll: 158,
  hit: 178,
  hurt: 178,
  die: 8,
  death: 8,
  fall: 502,
  sit: 33,
  talk: 313,
  wave: 290,
  hello: 28,
  greet: 28,
  bow: 41,
  cheer: 298,
  taunt: 88,
  dance: 591,
  swim: 569,
  climb: 438,
  pick_up: 276,
  turn_left: 576,
  turn_right: 586,
};

const BY_ID = new Map(ANIMATION_LIBRARY.map((action) => [action.action_id, action]));
const BY_KEY = new Map(ANIMATION_LIBRARY.map((action) => [matchKey(action.name), action]));
const ALIAS_BY_KEY = new Map(Object.entries(ANIMATION_ALIASES).map(([alias, id]) => [matchKey(alias), BY_ID.get(id)!]));

/** What suggestions are drawn from: aliases, then library names in snake case (both resolve as written). */
const SUGGESTIONS = [...Object.keys(ANIMATION_ALIASES), ...ANIMATION_LIBRARY.map((action) => snakeCase(action.name))];

/**
 * Resolves the names of `animation=walk,idle` to library actions, in order: a whole number is an
 * action id; otherwise an exact library name (case, spaces, hyphens and underscores ignored), then
 * an alias. Every problem is collected, none thrown.
 */
export function resolveAnimations(names: readonly string[]): { ok: ResolvedAnimation[] } | { problems: string[] } {
  const problems: string[] = [];
  const resolved: (ResolvedAnimation & { written: string })[] = [];
  if (names.length === 0) problems.push('name at least one animation');
  if (names.length > MAX_ANIMATIONS) {
    // Each name is not looked up: a list that long is refused whatever it holds.
    return { problems: [`at most ${MAX_ANIMATIONS} animations per model (Meshy's limit for one animation task); got ${names.length}`] };
  }

  for (const written of names.map((name) => name.trim())) {
    if (written === '') {
      problems.push('an animation name is empty (check the commas)');
      continue;
    }
    const action = findAction(written);
    if (typeof action === 'string') {
      problems.push(action);
      continue;
    }
    const name = isActionId(written) ? snakeCase(action.name) : snakeCase(written);
    const twin = resolved.find((other) => other.actionId === action.action_id || other.name === name);
    if (twin?.actionId === action.action_id) problems.push(`${quote(twin.written)} and ${quote(written)} are the same action (${action.name}); list it once`);
    else if (twin) problems.push(`${quote(twin.written)} and ${quote(written)} would both be named "${name}"`);
    else resolved.push({ name, actionId: action.action_id, libraryName: action.name, written });
  }
  return problems.length > 0 ? { problems } : { ok: resolved.map(({ written, ...animation }) => animation) };
}

/** The action a name stands for, or a message saying why there is none. */
function findAction(written: string): AnimationLibraryAction | string {
  if (isActionId(written)) {
    return BY_ID.get(Number(written)) ?? `action id ${clip(written, 20)} is not in Meshy's animation library`;
  }
  const key = matchKey(written);
  const action = BY_KEY.get(key) ?? ALIAS_BY_KEY.get(key);
  if (action) return action;
  const matches = closeMatches(written);
  return matches.length > 0
    ? `unknown animation ${quote(written)} (did you mean ${matches.map((match) => `"${match}"`).join(', ')}?)`
    : `unknown animation ${quote(written)}: use a name or action id from Meshy's animation library, or one of ${Object.keys(ANIMATION_ALIASES).join(', ')}`;
}

/**
 * Up to `limit` suggestions, best first: names holding the words written (`walking` → `walking_2`),
 * names inside what was written (`running` → `run`), then names or their words a typo away.
 */
export function closeMatches(written: string, limit = 5): string[] {
  // No library name is this long, and the distances are quadratic in its length.
  if (written.length > 64) return [];
  const key = matchKey(written);
  const words = snakeCase(written).split('_');
  const score = (suggestion: string) => {
    if (`_${suggestion}_`.includes(`_${words.join('_')}_`)) return 0;
    const suggestionKey = matchKey(suggestion);
    if (suggestionKey.length >= 3 && key.includes(suggestionKey)) return 1.5; // after one-letter typos of the whole name
    return Math.min(typoDistance(key, suggestionKey), wordsScore(words, suggestion.split('_')));
  };
  return SUGGESTIONS.map((suggestion) => ({ suggestion, score: score(suggestion) }))
    .filter((entry) => entry.score < Infinity)
    .sort((a, b) => a.score - b.score || a.suggestion.length - b.suggestion.length)
    .slice(0, limit)
    .map((entry) => entry.suggestion);
}

/** 1 + each written word's distance to its nearest word of the name (3 when none is near); Infinity if no word is. */
function wordsScore(words: readonly string[], nameWords: readonly string[]): number {
  const distances = words.map((word) => Math.min(...nameWords.map((nameWord) => wordDistance(word, nameWord))));
  if (distances.every((distance) => distance === Infinity)) return Infinity;
  return 1 + distances.reduce((sum, distance) => sum + (distance === Infinity ? 3 : distance), 0);
}

/** 0 for the same word in another form (`dancing`, `dance`), else the typo distance. */
function wordDistance(word: string, nameWord: string): number {
  const stem = (w: string) => w.replace(/(ing|ed|es|s|e)$/, '');
  return stem(word).length >= 3 && stem(word) === stem(nameWord) ? 0 : typoDistance(word, nameWord);
}

/** The edit distance when it is small for the word's length (a typo), else Infinity. */
function typoDistance(word: string, candidate: string): number {
  if (word.length < 3 || candidate.length < 3) return Infinity;
  const distance = editDistance(word, candidate);
  return distance <= Math.max(2, Math.floor(word.length / 3)) ? distance : Infinity;
}

function isActionId(written: string): boolean {
  return /^\d+$/.test(written);
}

/** How names are compared: `Regular_Jump`, `regular jump` and `RegularJump` are one name. */
function matchKey(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, '');
}

/** A clip name a game can use as a property: `Regular Jump` and `RegularJump` → `regular_jump`. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}
