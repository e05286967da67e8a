import { isIP } from 'node:net';
import type { MeshyPluginOptions } from '../project/options.js';
import { RemoteStoreError } from './errors.js';

export type RemoteStoreOption = NonNullable<MeshyPluginOptions['remoteStore']>;

/** A remote store as the plugin uses it: plain data, from the option or MESHY_REMOTE_STORE and the AWS variables. */
export interface RemoteConfig {
  /** `s3://bucket/prefix`, as written: what logs and errors name. */
  url: string;
  bucket: string;
  /** Every object's key starts with it (`''` or `team/models/`). */
  prefix: string;
  required: boolean;
  /** Undefined: AWS S3 itself (or what the SDK's own configuration points at). */
  endpoint: string | undefined;
  region: string | undefined;
  forcePathStyle: boolean;
  leaseMs: number;
}

const S3_URL = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;
const DEFAULT_LEASE_MS = 60_000;

/**
 * The option (or MESHY_REMOTE_STORE) and the AWS SDK's variables → where objects go. Path-style
 * addressing (`endpoint/bucket/key`) is used when the endpoint is an IP address or localhost, where
 * virtual-hosted names (`bucket.endpoint`) cannot resolve, or when the option asks for it.
 */
export function resolveRemoteConfig(option: RemoteStoreOption, env: Readonly<Record<string, string | undefined>>): RemoteConfig {
  const settings = typeof option === 'string' ? { url: option } : option;
  const match = S3_URL.exec(settings.url.trim());
  if (!match) {
    throw new RemoteStoreError(
      'MESHY_INVALID_OPTIONS',
      `remoteStore (or MESHY_REMOTE_STORE) must be s3://bucket or s3://bucket/prefix; got ${JSON.stringify(settings.url)}.`,
      { context: { url: settings.url } },
    );
  }
  const endpoint = ('endpoint' in settings ? settings.endpoint : undefined) ?? (env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined);
  const prefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  const region = ('region' in settings ? settings.region : undefined) ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined);
  return {
    url: settings.url.trim(),
    bucket: match[1]!,
    prefix: prefix ? `${prefix}/` : '',
    required: ('required' in settings && settings.required) || false,
    endpoint,
    // A custom endpoint (MinIO, R2, s3rver) does not care about the region, but the SDK needs one.
    region: region ?? (endpoint ? 'us-east-1' : undefined),
    forcePathStyle: ('pathStyle' in settings ? settings.pathStyle : undefined) ?? (endpoint !== undefined && isLocalHost(endpoint)),
    leaseMs: ('leaseMs' in settings ? settings.leaseMs : undefined) ?? DEFAULT_LEASE_MS,
  };
}

function isLocalHost(endpoint: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  return isIP(hostname) !== 0 || hostname === 'localhost' || hostname.endsWith('.localhost');
}
