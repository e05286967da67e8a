import { describe, expect, it, vi } from 'vitest';
import { resolveRemoteConfig } from '../../src/remote/config.js';
import { openObjectStore } from '../../src/remote/objects.js';

// As if @aws-sdk/client-s3 (an optional peer dependency) were not installed.
vi.mock('@aws-sdk/client-s3', () => {
  throw Object.assign(new Error("Cannot find package '@aws-sdk/client-s3'"), { code: 'ERR_MODULE_NOT_FOUND' });
});

describe('a remote store without its client installed', () => {
  it('fails with an error naming the package to install', async () => {
    const error = await openObjectStore(resolveRemoteConfig('s3://team-models/game', {})).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'MESHY_REMOTE_SDK_MISSING',
      message: expect.stringMatching(
        /the package @aws-sdk\/client-s3, is not installed\. Install it next to vite-plugin-meshy \(npm install --save-dev @aws-sdk\/client-s3\)/,
      ),
    });
  });
});
