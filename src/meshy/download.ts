import { type Dispatcher, request } from 'undici';
import { stripQuery } from '../errors.js';
import { MeshyDownloadError } from './errors.js';
import { withRetries } from './retry.js';
import type { CallOptions } from './tasks.js';
import type { Transport } from './transport.js';

export interface DownloadOptions extends CallOptions {
  /** Throws when the bytes are not what was asked for (a truncated or foreign file); the download is retried. */
  validate?: (bytes: Uint8Array) => void;
}

/** An error status other than an expired link, kept as the cause of the final error. */
class UnexpectedStatus extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/**
 * Downloads a result file (no Authorization header: asset URLs are signed, and the key must not
 * travel to another host). Network failures, error statuses and bodies that are short or fail
 * `validate` are retried; an expired link (403, 410) and a missing file (404) are not.
 */
export async function downloadAsset(transport: Pick<Transport, 'dispatcher' | 'policy' | 'log'>, url: string, call: DownloadOptions = {}): Promise<Uint8Array> {
  const shown = stripQuery(url);
  const worthRetrying = (error: unknown) => !(error instanceof MeshyDownloadError) && !(error instanceof UnexpectedStatus && error.status === 404);
  try {
    return await withRetries(transport, `download of ${shown}`, () => downloadOnce(transport.dispatcher, url, shown, call), worthRetrying, call.signal);
  } catch (error) {
    if (error instanceof MeshyDownloadError) throw error;
    if (call.signal?.aborted) throw call.signal.reason;
    const reason = (error as Error)?.message ?? 'unknown error';
    throw new MeshyDownloadError('MESHY_DOWNLOAD_FAILED', `Could not download ${shown}: ${reason}`, { url: shown }, error);
  }
}

async function downloadOnce(dispatcher: Dispatcher, url: string, shown: string, call: DownloadOptions): Promise<Uint8Array> {
  let response: Dispatcher.ResponseData;
  try {
    response = await request(url, { method: 'GET', dispatcher, signal: call.signal, headersTimeout: 60_000, bodyTimeout: 60_000 });
  } catch (cause) {
    if (call.signal?.aborted) throw call.signal.reason;
    throw cause;
  }
  if (response.statusCode === 403 || response.statusCode === 410) {
    await response.body.dump();
    throw new MeshyDownloadError(
      'MESHY_ASSET_EXPIRED',
      `Meshy's download link ${shown} has expired (HTTP ${response.statusCode}). ` +
        'Meshy keeps results for 3 days; re-read the task for a fresh link, or regenerate the model if the task is older.',
      { url: shown, status: response.statusCode },
    );
  }
  if (response.statusCode >= 400) {
    await response.body.dump();
    throw new UnexpectedStatus(response.statusCode);
  }
  try {
    const bytes = new Uint8Array(await response.body.arrayBuffer());
    const declared = Number(response.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared !== bytes.byteLength) {
      throw new Error(`expected ${declared} bytes, got ${bytes.byteLength}`);
    }
    call.validate?.(bytes);
    return bytes;
  } catch (cause) {
    if (call.signal?.aborted) throw call.signal.reason;
    throw cause;
  }
}
