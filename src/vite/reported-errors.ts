import { isDebugEnabled, isExpectedError, MeshyPluginError } from '../errors.js';

/** Thrown for an import whose error was already thrown for another import of the same build. */
class MeshyErrorPrintedOnceError extends MeshyPluginError {}

/**
 * Vite prints an error thrown by a hook with its stack, and a build prints every failed module: one
 * missing API key or frozen-mode miss would be printed once per import, each with the plugin's
 * internal stack frames. So an expected error (its message says what to do) loses its stack frames
 * unless debugging (`DEBUG=vite-plugin-meshy`), and in a build an error already thrown for one import
 * is thrown for the next ones as a one-line pointer to it.
 */
export function createErrorReport({ debug = isDebugEnabled() }: { debug?: boolean } = {}) {
  let reported = new WeakSet<Error>();

  function shown<E>(error: E): E {
    if (!debug && isExpectedError(error)) error.stack = `${error.name}: ${error.message}`;
    return error;
  }

  return {
    /** A new build: nothing was reported in it yet. */
    reset(): void {
      reported = new WeakSet();
    },
    /** An error as thrown once: without stack frames if it is expected. */
    shown,
    /** The error to throw for `importId` in a build: the error itself the first time, then a pointer to it. */
    once(error: unknown, importId: string): unknown {
      if (!(error instanceof Error)) return error;
      if (!reported.has(error)) {
        reported.add(error);
        return shown(error);
      }
      const code = error instanceof MeshyPluginError ? error.code : error.name;
      // Rolldown lists a build's errors in module order, not in the order they were thrown: "above" may be below.
      const pointer = new MeshyErrorPrintedOnceError(
        'MESHY_SAME_ERROR',
        `${importId}: not built: the same error (${code}) as another import of this build, printed once with it.`,
        {
          context: { code },
        },
      );
      pointer.stack = `${pointer.name}: ${pointer.message}`;
      return pointer;
    },
  };
}
