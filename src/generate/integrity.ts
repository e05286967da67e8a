import {
  type FileDamage,
  type ManifestEntry,
  RawFileDamagedError,
  readContentCopy,
  readRawFile,
  resultFileOf,
  type StoreLayout,
  writeContentCopy,
} from '../cache/index.js';
import { MeshyPluginError } from '../errors.js';

/**
 * A model the manifest says was paid for, whose raw file cannot be used, with no intact copy left to
 * ship. Generating it again would pay twice, so the build stops and says how to bring it back.
 */
class PaidModelUnavailableError extends MeshyPluginError {}

function paidModelUnavailable(label: string, entry: ManifestEntry, damage: FileDamage, cause: unknown): PaidModelUnavailableError {
  const paid = `${entry.credits} credits, Meshy task${entry.tasks.length === 1 ? '' : 's'} ${entry.tasks.map((task) => task.id).join(' ')}`;
  return new PaidModelUnavailableError(
    'MESHY_PAID_MODEL_UNAVAILABLE',
    `"${label}" was paid for (${paid}), but its raw file ${damage.path} cannot be used: ${damage.cause}. ` +
      'The store has no intact optimized copy of it either, and it was not generated again (that would pay for it twice). Ways out:\n' +
      `  - bring the file back (${damage.cause.includes('git lfs pull') ? 'git lfs pull' : 'from version control, or from a teammate’s .meshy/raw/'}), then build again;\n` +
      '  - or pay for a new roll, explicitly: npx vite-plugin-meshy regenerate <name> (the named model, or the import’s meshy: id);\n' +
      '  - or fetch it from a remote store once one is configured.',
    { cause, context: { label, path: damage.path, reason: damage.cause, taskIds: entry.tasks.map((task) => task.id) } },
  );
}

/** The warning for a model shipped from its intact optimized copy while its raw file is damaged. */
export function shippedWithoutRaw(label: string, damage: FileDamage): string {
  return (
    `"${label}": its raw file ${damage.path} cannot be used (${damage.cause}); shipping its intact optimized copy, nothing was generated again. ` +
    'Bring the raw file back: it is the only copy of what Meshy was paid for, and optimizing again (other options, an upgrade) needs it.'
  );
}

/** The raw bytes of a paid model; a damaged raw file fails with an error that names the model and the ways out. */
export async function readPaidRaw(layout: StoreLayout, label: string, entry: ManifestEntry): Promise<Uint8Array> {
  try {
    return await readRawFile(layout, resultFileOf(entry));
  } catch (error) {
    if (error instanceof RawFileDamagedError) throw paidModelUnavailable(label, entry, error.damage, error);
    throw error;
  }
}

/**
 * A paid image and the copy of it that ships: from its raw file, or, when that is damaged, from the
 * intact copy already in `optimized/` (with a warning).
 */
export async function readPaidImage(
  layout: StoreLayout,
  label: string,
  entry: ManifestEntry,
  warn: (line: string) => void,
): Promise<{ bytes: Uint8Array; path: string }> {
  const file = resultFileOf(entry);
  try {
    const bytes = await readRawFile(layout, file);
    return { bytes, path: await writeContentCopy(layout, bytes, file.ext ?? 'png') };
  } catch (error) {
    if (!(error instanceof RawFileDamagedError)) throw error;
    const copy = await readContentCopy(layout, file);
    if (!copy) throw paidModelUnavailable(label, entry, error.damage, error);
    warn(shippedWithoutRaw(label, error.damage));
    return copy;
  }
}
