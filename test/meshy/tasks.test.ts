import { afterEach, describe, expect, it } from 'vitest';
import { textTo3d } from '../../src/meshy/resources.js';
import { createTask, deleteTask, findCreatedTask, listTasks, readTask, type TaskContext } from '../../src/meshy/tasks.js';
import { type Handler, json, startFakeServer } from './fake-server.js';
import { testTransport } from './transport-context.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((fn) => fn()));
});

async function setup(handler: Handler) {
  const server = await startFakeServer(handler);
  const { transport, logs, close } = testTransport(server.url);
  cleanups.push(close, server.close);
  const context: TaskContext = { transport, createdIds: new Set() };
  return { server, transport, context, logs };
}

const task = (overrides: Record<string, unknown>) => ({
  id: 't1',
  type: 'text-to-3d-preview',
  status: 'PENDING',
  progress: 0,
  created_at: Date.now(),
  prompt: 'a lamp',
  ...overrides,
});

describe('readTask', () => {
  it('returns the task with the wait its Retry-After asks for', async () => {
    const { transport, server } = await setup((_req, res) => json(res, 200, task({}), { 'retry-after': '3' }));
    await expect(readTask(transport, textTo3d, 'a/b')).resolves.toMatchObject({ task: { id: 't1', status: 'PENDING' }, retryAfterMs: 3000 });
    expect(server.requests[0]!.url).toBe('/openapi/v2/text-to-3d/a%2Fb');
  });

  it('leaves retryAfterMs undefined without the header', async () => {
    const { transport } = await setup((_req, res) => json(res, 200, task({})));
    expect((await readTask(transport, textTo3d, 't1')).retryAfterMs).toBeUndefined();
  });
});

describe('listTasks and deleteTask', () => {
  it('asks for a page, newest first by default', async () => {
    const { transport, server } = await setup((_req, res) => json(res, 200, [task({})]));
    await expect(listTasks(transport, textTo3d, { pageSize: 50 })).resolves.toHaveLength(1);
    expect(server.requests[0]!.url).toBe('/openapi/v2/text-to-3d?page_num=1&page_size=50&sort_by=-created_at');
  });

  it('skips list items that are not tasks, with a line, instead of failing the list (issue 10)', async () => {
    const { transport, logs } = await setup((_req, res) =>
      json(res, 200, [task({ id: 'a' }), { id: null, status: 'MYSTERY' }, task({ id: 'b', progress: null, prompt: null })]),
    );
    await expect(listTasks(transport, textTo3d)).resolves.toMatchObject([{ id: 'a' }, { id: 'b', progress: 0 }]);
    expect(logs).toEqual([expect.stringMatching(/^skipping item 1 of Meshy's text-to-3d task list: id: /)]);
  });

  it('finds a lost create in a list with an odd item', async () => {
    const { context } = await setup((_req, res) => json(res, 200, [{ id: 42 }, task({ id: 'lost' })]));
    await expect(findCreatedTask(context, textTo3d, { mode: 'preview', prompt: 'a lamp' }, Date.now())).resolves.toBe('lost');
  });

  it('rejects a list that is not an array', async () => {
    const { transport } = await setup((_req, res) => json(res, 200, { tasks: [] }));
    await expect(listTasks(transport, textTo3d)).rejects.toMatchObject({ code: 'MESHY_UNEXPECTED_RESPONSE' });
  });

  it('deletes by id', async () => {
    const { transport, server } = await setup((_req, res) => res.end());
    await deleteTask(transport, textTo3d, 't9');
    expect(server.requests[0]).toMatchObject({ method: 'DELETE', url: '/openapi/v2/text-to-3d/t9' });
  });
});

describe('findCreatedTask', () => {
  it('ignores tasks this client created, tasks older than the send, and tasks of another request', async () => {
    const sentAt = Date.now();
    const { context } = await setup((_req, res) =>
      json(res, 200, [
        task({ id: 'mine' }),
        task({ id: 'old', created_at: sentAt - 60 * 60_000 }),
        task({ id: 'other', prompt: 'a chair' }),
        task({ id: 'refine', type: 'text-to-3d-refine' }),
        task({ id: 'lost' }),
      ]),
    );
    context.createdIds.add('mine');
    await expect(findCreatedTask(context, textTo3d, { mode: 'preview', prompt: 'a lamp' }, sentAt)).resolves.toBe('lost');
  });

  it('finds nothing in an empty list, and refuses to guess between several', async () => {
    let lists = 0;
    const { context } = await setup((_req, res) => json(res, 200, ++lists === 1 ? [] : [task({ id: 'a' }), task({ id: 'b' })]));
    await expect(findCreatedTask(context, textTo3d, { mode: 'preview', prompt: 'a lamp' }, Date.now())).resolves.toBeUndefined();
    const body = { mode: 'preview', prompt: 'a lamp' };
    await expect(findCreatedTask(context, textTo3d, body, Date.now())).rejects.toThrow(/2 new tasks that could be it \(a, b\)/);
  });
});

describe('createTask', () => {
  it('remembers what it created, so a later lost create is not matched to it', async () => {
    let posts = 0;
    const { context } = await setup((req, res) => {
      if (req.method === 'POST') return ++posts === 1 ? json(res, 202, { result: 'first' }) : json(res, 500, { message: 'lost' });
      json(res, 200, [task({ id: 'first' })]);
    });
    await expect(createTask(context, textTo3d, { mode: 'preview', prompt: 'a lamp' })).resolves.toBe('first');
    expect(context.createdIds.has('first')).toBe(true);
    // The second create's answer is lost and Meshy lists only the first task: it is sent again, up to the bound.
    await expect(createTask(context, textTo3d, { mode: 'preview', prompt: 'a lamp' })).rejects.toMatchObject({ status: 500 });
    expect(posts).toBe(1 + 4);
  });

  it('matches a lost refine by the echoed fields it was given', async () => {
    const { context, logs } = await setup((req, res) => {
      if (req.method === 'POST') return req.socket.destroy();
      json(res, 200, [task({ id: 'refined', type: 'text-to-3d-refine', prompt: 'the preview prompt' })]);
    });
    const id = await createTask(context, textTo3d, { mode: 'refine', preview_task_id: 'p1' }, { echoed: { prompt: 'the preview prompt' } });
    expect(id).toBe('refined');
    expect(logs.join('\n')).toMatch(/answer to a text-to-3d create was lost, but Meshy has the task: continuing with refined/);
  });
});
