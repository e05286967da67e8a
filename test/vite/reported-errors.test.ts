import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MeshyPluginOptions } from '../../src/index.js';
import { createErrorReport } from '../../src/vite/reported-errors.js';
import { buildProject, writeProject } from '../helpers/project.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs();
const debugBefore = process.env.DEBUG;
afterEach(() => {
  if (debugBefore === undefined) delete process.env.DEBUG;
  else process.env.DEBUG = debugBefore;
});

/** Three models in two modules, none of them stored. */
async function threeMissingModels(): Promise<string> {
  const root = await tempDir();
  await writeProject(root, {
    'main.js': `import a from 'meshy:prompt?text=a frozen crate';\nimport b from 'meshy:prompt?text=a frozen barrel';\nimport c from './other.js';\nconsole.log(a, b, c);`,
    'other.js': `import d from 'meshy:prompt?text=a frozen lamp';\nexport default d;`,
  });
  return root;
}

/** The build's error, and the errors of its failed modules (Rolldown gathers them). */
async function failedBuild(root: string, options: MeshyPluginOptions): Promise<{ message: string; errors: Error[] }> {
  const failure = await buildProject(root, { storeDir: join(root, '.meshy'), ...options }).then(
    () => undefined,
    (error: Error & { errors?: Error[] }) => error,
  );
  expect(failure).toBeDefined();
  return { message: failure!.message, errors: failure!.errors ?? [failure!] };
}

const STACK_FRAME = /\n\s+at /;

describe('expected errors in a build', () => {
  it('a frozen build prints the missing models once, without stack frames; the other imports point to it', async () => {
    const { message, errors } = await failedBuild(await threeMissingModels(), { mode: 'frozen' });
    expect(message.match(/3 models are not in the Meshy cache/g)).toHaveLength(1);
    expect(message).not.toMatch(STACK_FRAME);
    expect(errors).toHaveLength(3);
    // Rolldown lists them in no fixed order.
    const [first, ...others] = errors.toSorted((a, b) => Number(a.message.includes('the same error')) - Number(b.message.includes('the same error')));
    expect(first!.stack).toBe(`CacheMissError: ${first!.message}`);
    for (const other of others) {
      expect(other.message).toMatch(
        /^"a frozen (crate|barrel|lamp)": not built: the same error \(MESHY_CACHE_MISS\) as another import of this build, printed once with it\.$/,
      );
      expect(other.stack).toBe(`MeshyErrorPrintedOnceError: ${other.message}`);
    }
  });

  it('an over-budget build too', async () => {
    const { message, errors } = await failedBuild(await threeMissingModels(), { mode: 'generate', maxCredits: 10, apiKey: 'msy_never_used' });
    expect(message.match(/would cost about 90 credits, over the budget of 10/g)).toHaveLength(1);
    expect(message).not.toMatch(STACK_FRAME);
    expect(errors.filter((error) => error.message.includes('the same error'))).toHaveLength(2);
  });

  it.skipIf(!!process.env.MESHY_API_KEY)('a missing API key too', async () => {
    const { message, errors } = await failedBuild(await threeMissingModels(), { mode: 'generate' });
    expect(message.match(/MESHY_API_KEY is not set/g)).toHaveLength(1);
    expect(message).not.toMatch(STACK_FRAME);
    expect(errors.length).toBeGreaterThanOrEqual(1);
  });

  it('an invalid import at build start, without stack frames', async () => {
    const root = await tempDir();
    await writeProject(root, { 'main.js': `import a from 'meshy:prompt?text=a crate&target_polycont=5';` });
    const { message, errors } = await failedBuild(root, { mode: 'frozen' });
    expect(message).toMatch(/1 invalid Meshy import/);
    expect(errors[0]!.stack).toBe(`MeshyInvalidImportsError: ${errors[0]!.message}`);
  });

  it('DEBUG=vite-plugin-meshy keeps the stack frames', async () => {
    process.env.DEBUG = 'vite-plugin-meshy';
    const { errors } = await failedBuild(await threeMissingModels(), { mode: 'frozen' });
    expect(errors.find((error) => error.name === 'CacheMissError')!.stack).toMatch(STACK_FRAME);
  });
});

describe('createErrorReport', () => {
  it('leaves unexpected errors their stack, and starts afresh with each build', () => {
    const report = createErrorReport({ debug: false });
    const bug = new TypeError('x is undefined');
    const stack = bug.stack;
    expect(report.once(bug, '"a crate"')).toBe(bug);
    expect(bug.stack).toBe(stack);
    expect((report.once(bug, '"a lamp"') as Error).message).toBe(
      '"a lamp": not built: the same error (TypeError) as another import of this build, printed once with it.',
    );
    report.reset();
    expect(report.once(bug, '"a lamp"')).toBe(bug);
  });
});
