import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { MeshyApiError, MeshyQueueFullError } from '../../src/meshy/errors.js';
import { accountQueue, createAccountQueue, type QueuedCreate, type QueueState, type QueueTiming } from '../../src/meshy/queue.js';

const TIMING: QueueTiming = { now: () => Date.now(), watchGraceMs: 60, handOverMs: 60, maxRetryDelayMs: 40, probeMs: 60_000, maxProbeMs: 60_000 };
const POLICY = { retries: 2, baseDelayMs: 10, maxDelayMs: 1000 };

const queueFull = () => new MeshyApiError({ status: 429, meshyMessage: 'NoMoreConcurrentTasks', method: 'POST', path: '/openapi/v2/text-to-3d' });

/**
 * A Meshy account's queue of `capacity` slots, `others` of them held by other clients. Every create
 * request it receives is recorded, refused ones too.
 */
function fakeAccount(capacity: number, timing: Partial<QueueTiming> = {}) {
  const queue = createAccountQueue({ ...TIMING, ...timing });
  const running = new Set<string>();
  const sent: { name: string; at: number; refused: boolean }[] = [];
  let others = 0;
  let count = 0;
  const create = (name: string, extra: Partial<QueuedCreate> = {}) =>
    queue.submit({ priority: 0, resource: 'text-to-3d', policy: POLICY, ...extra }, async () => {
      const refused = running.size + others >= capacity;
      sent.push({ name, at: Date.now(), refused });
      if (refused) throw queueFull();
      const id = `${name}#${++count}`;
      running.add(id);
      return id;
    });
  /** The wait code following a task, then seeing it end. */
  const follow = (id: string) => queue.watch(id);
  const finish = (id: string, handOver = false) => {
    running.delete(id);
    queue.settled(id, handOver);
  };
  return {
    queue,
    create,
    follow,
    finish,
    sent,
    refusals: () => sent.filter((s) => s.refused).length,
    setOthers: (n: number) => void (others = n),
  };
}

describe('the account queue', () => {
  it('learns the limit from one refusal, holds the rest, and sends the next the moment one of ours ends', async () => {
    const meshy = fakeAccount(2);
    const results = ['a', 'b', 'c', 'd'].map((name) => meshy.create(name));
    const [a, b] = await Promise.all(results.slice(0, 2));
    meshy.follow(a!);
    meshy.follow(b!);
    // c was refused once (the limit is learned); d was never sent: creates go one at a time.
    await sleep(200); // far past any retry timer: nothing is sent while our tasks hold the slots
    expect(meshy.sent.map((s) => `${s.name}${s.refused ? '!' : ''}`)).toEqual(['a', 'b', 'c!']);
    expect(meshy.queue.state()).toEqual({ inUse: 2, limit: 2, waiting: 2 });

    const endedAt = Date.now();
    meshy.finish(a!);
    const c = await results[2]!;
    expect(c).toMatch(/^c#/);
    expect(meshy.sent.at(-1)!.at - endedAt).toBeLessThan(20);
    meshy.follow(c);
    meshy.finish(b!);
    meshy.follow(await results[3]!);
    expect(meshy.refusals()).toBe(1);
  });

  it('sends at once when one of ours ends, whatever backoff the last refusal set', async () => {
    const meshy = fakeAccount(1, { maxRetryDelayMs: 5000 });
    const slow = { retries: 2, baseDelayMs: 4000, maxDelayMs: 5000 };
    const first = await meshy.create('first', { policy: slow });
    meshy.follow(first);
    const held = meshy.create('held', { policy: slow }); // refused: a timed retry would wait 2 s or more
    await sleep(20);
    const endedAt = Date.now();
    meshy.finish(first);
    await held;
    expect(meshy.sent.at(-1)!.at - endedAt).toBeLessThan(50);
  });

  it('sends held creates best priority first, then in order of arrival', async () => {
    const meshy = fakeAccount(1);
    const first = await meshy.create('first');
    meshy.follow(first);
    const order: string[] = [];
    const held = [
      meshy.create('new-1', { priority: 0 }),
      meshy.create('new-2', { priority: 0 }),
      meshy.create('refine', { priority: 1 }),
      meshy.create('dev', { priority: 2 }),
    ].map((pending) =>
      pending.then((id) => {
        order.push(id.split('#')[0]!);
        meshy.follow(id);
        setTimeout(() => meshy.finish(id), 5);
      }),
    );
    await sleep(20);
    meshy.finish(first);
    await Promise.all(held);
    // new-1 came first and was refused (that is how the limit was learned); it keeps its place among equals.
    expect(order).toEqual(['dev', 'refine', 'new-1', 'new-2']);
  });

  it("keeps a finished task's slot for its model's next create, ahead of everything held", async () => {
    const meshy = fakeAccount(1);
    const preview = await meshy.create('preview');
    meshy.follow(preview);
    const other = meshy.create('other-model', { priority: 5 });
    await sleep(20);
    meshy.finish(preview, true);
    // The refine arrives a moment later (its creator journals the preview first), and takes the slot.
    await sleep(10);
    const refine = await meshy.create('refine', { after: preview, priority: 1 });
    meshy.follow(refine);
    expect(meshy.sent.filter((s) => !s.refused).map((s) => s.name)).toEqual(['preview', 'refine']);
    meshy.finish(refine);
    meshy.follow(await other);
  });

  it('gives a kept slot back when no create claims it', async () => {
    const meshy = fakeAccount(1, { handOverMs: 30 });
    const last = await meshy.create('last-stage');
    meshy.follow(last);
    const next = meshy.create('next-model');
    await sleep(10);
    meshy.finish(last, true);
    const id = await next;
    expect(id).toMatch(/^next-model#/);
    expect(meshy.sent.at(-1)!.at - meshy.sent[0]!.at).toBeGreaterThanOrEqual(30);
    meshy.follow(id);
    meshy.finish(id);
  });

  it('retries on a timer, at most maxRetryDelayMs apart, only while none of our tasks holds a slot', async () => {
    const meshy = fakeAccount(2);
    meshy.setOthers(2); // another client holds both slots
    const pending = meshy.create('mine');
    await sleep(150);
    const attempts = meshy.sent.map((s) => s.at);
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    for (const [i, at] of attempts.slice(1).entries()) expect(at - attempts[i]!).toBeLessThan(40 + 25);
    meshy.setOthers(0);
    const id = await pending;
    meshy.follow(id);
    meshy.finish(id);
  });

  it('gives up with a clear error after the retry bound when other clients hold every slot', async () => {
    const meshy = fakeAccount(1, { maxRetryDelayMs: 5 });
    meshy.setOthers(1);
    const error = await meshy.create('mine').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshyQueueFullError);
    expect(error).toMatchObject({ code: 'MESHY_QUEUE_FULL' });
    expect((error as Error).message).toMatch(/other clients of the same Meshy account .* hold every slot\. Nothing was created or paid for/);
    // retryBound for a full queue: twelve times the retries, then one more refusal says it.
    expect(meshy.refusals()).toBe(POLICY.retries * 12 + 1);
  });

  it('tells held creates how the queue stands, once per change', async () => {
    const meshy = fakeAccount(2);
    const seen: QueueState[] = [];
    const onQueue = (state: QueueState) => seen.push(state);
    const ids = await Promise.all([meshy.create('a'), meshy.create('b')]);
    for (const id of ids) meshy.follow(id);
    const held = [meshy.create('c', { onQueue }), meshy.create('d', { onQueue })];
    await sleep(20);
    // Each held create is told once: two of ours hold the two slots, two creates wait.
    expect(seen).toEqual([
      { inUse: 2, limit: 2, waiting: 2 },
      { inUse: 2, limit: 2, waiting: 2 },
    ]);
    seen.length = 0;
    meshy.finish(ids[0]!);
    meshy.follow(await held[0]!);
    expect(seen).toEqual([{ inUse: 2, limit: 2, waiting: 1 }]);
    meshy.finish(ids[1]!);
    meshy.follow(await held[1]!);
  });

  it("drops an aborted create while it is held, with the signal's reason, and never sends it again", async () => {
    const meshy = fakeAccount(1);
    const first = await meshy.create('first');
    meshy.follow(first);
    const controller = new AbortController();
    const held = meshy.create('aborted', { signal: controller.signal });
    await sleep(10);
    const reason = new Error('build stopped');
    controller.abort(reason);
    await expect(held).rejects.toBe(reason);
    meshy.finish(first);
    await sleep(20);
    expect(meshy.sent.map((s) => s.name)).toEqual(['first', 'aborted']); // its one refused attempt
    expect(meshy.queue.state()).toEqual({ inUse: 0, limit: undefined, waiting: 0 });
  });

  it('forgets a task nobody follows after the grace, then retries on a timer', async () => {
    const meshy = fakeAccount(1, { watchGraceMs: 30 });
    const orphan = await meshy.create('never-followed'); // its caller never waits for it: no end signal will come
    const next = meshy.create('next');
    await sleep(10);
    expect(meshy.queue.state()).toMatchObject({ inUse: 1, limit: 1, waiting: 1 });
    await sleep(40);
    expect(meshy.queue.state()).toMatchObject({ inUse: 0, waiting: 1 });
    meshy.finish(orphan); // it ends at Meshy; the queue hears nothing, its timer finds the slot
    expect(await next).toMatch(/^next#/);
  });

  it('probes once past the learned limit when the probe time comes, and forgets the limit if Meshy took it', async () => {
    const meshy = fakeAccount(3, { probeMs: 50, maxProbeMs: 50 });
    meshy.setOthers(1);
    const ids = await Promise.all([meshy.create('a'), meshy.create('b')]);
    for (const id of ids) meshy.follow(id);
    const held = meshy.create('c');
    await sleep(10);
    expect(meshy.queue.state()).toMatchObject({ limit: 2, waiting: 1 });
    meshy.setOthers(0); // the other client's task ended: it sends us no signal
    const id = await held;
    expect(meshy.sent.filter((s) => s.refused)).toHaveLength(1);
    expect(meshy.queue.state()).toMatchObject({ inUse: 3, limit: undefined });
    meshy.follow(id);
    for (const one of [...ids, id]) meshy.finish(one);
  });
});

describe('accountQueue', () => {
  it('is one queue per API base and key', () => {
    const one = accountQueue({ baseUrl: 'https://api.meshy.ai', apiKey: 'msy_a' });
    expect(accountQueue({ baseUrl: 'https://api.meshy.ai', apiKey: 'msy_a' })).toBe(one);
    expect(accountQueue({ baseUrl: 'https://api.meshy.ai', apiKey: 'msy_b' })).not.toBe(one);
    expect(accountQueue({ baseUrl: 'http://127.0.0.1:9', apiKey: 'msy_a' })).not.toBe(one);
  });
});
