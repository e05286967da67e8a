import { MODEL_LISTENERS_KEY } from '../client/index.js';
import type { ModelResult } from '../generate/index.js';

/** The code of a `meshy:` module: its URL (an expression) and its `meta`. */
export function moduleCode(urlExpression: string, model: ModelResult): string {
  return `export default ${urlExpression};\nexport const meta = ${JSON.stringify(model.meta)};\n`;
}

/**
 * Dev only: the module accepts its own updates and hands them to `onModelUpdate` listeners (a game
 * swaps its mesh in place); without any listener it invalidates itself, so the update propagates to
 * its importers as if it did not accept (they re-run, or the page reloads).
 */
export const moduleHmrCode = `
if (import.meta.hot) {
  import.meta.hot.accept((next) => {
    const listeners = next && globalThis[Symbol.for(${JSON.stringify(MODEL_LISTENERS_KEY)})]?.get(next.meta.key);
    if (listeners && listeners.size > 0) for (const listener of [...listeners]) listener({ url: next.default, meta: next.meta });
    else import.meta.hot.invalidate('no onModelUpdate() listener for this model');
  });
}
`;
