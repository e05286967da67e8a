import { ANIMATION_LIBRARY, type AnimationLibraryAction } from '../meshy/animation-library.js';
import type { Answer } from './http.js';

/** One action of Meshy's Animation Library (https://docs.meshy.ai/en/api/animation), as `GET /openapi/v1/animations/library` lists it. */
export interface LibraryAction extends AnimationLibraryAction {
  preview_url: string;
}

export const ANIMATION_LIBRARY_PATH = '/openapi/v1/animations/library';

/** The preview GIF address pattern of the catalogue's entries. */
const PREVIEW_BASE = 'https://cdn.meshy.ai/webapp-assets/feature-demo/animation/preview/biped/';

const LIBRARY: ReadonlyMap<number, LibraryAction> = new Map(
  ANIMATION_LIBRARY.map((action) => [action.action_id, { ...action, preview_url: `${PREVIEW_BASE}${action.name}.gif` }]),
);

export function libraryAction(id: number): LibraryAction | undefined {
  return LIBRARY.get(id);
}

/**
 * The whole catalogue, no pagination, like the public resource it mirrors (https://docs.meshy.ai/en/api/animation); `category`
 * filters it (an unknown one gives `[]`: the docs list no error for it).
 */
export function libraryAnswer(query: URLSearchParams): Answer {
  const category = query.get('category');
  const actions = [...LIBRARY.values()].filter((action) => category === null || action.category === category);
  return { status: 200, body: actions };
}
