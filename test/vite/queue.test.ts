import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDistBuilt } from '../helpers/dist.js';
import { buildProject, writeProject } from '../helpers/project.js';
import { useTempDirs } from '../helpers/tmp.js';

/**
 * Issue 17: a build of 6 textured models (12 Meshy tasks) against an account whose queue holds 2.
 * The emulator's task timestamps are the timeline: the queue is never idle while work waits. The
 * emulator runs in a process of its own, as Meshy would: the GLBs it makes for downloads would
 * otherwise stall the build's event loop and blur the timeline.
 */
const API_KEY = 'msy_queue_build_test_key_01';
const SLOTS = 2;
const STAGE_MS = 1500;
const MODELS = 6;
const EMULATOR_BIN = join(import.meta.dirname, '../../dist/emulator/bin.js');
const tempDir = useTempDirs();
let emulator: { child: ChildProcess; url: string; lines: string[] };

beforeAll(async () => {
  ensureDistBuilt();
  const args = [
    '--port',
    '0',
    '--profile',
    'small',
    '--api-key',
    API_KEY,
    '--queue-limit',
    String(SLOTS),
    '--task-duration',
    String(STAGE_MS),
    '--queue-delay',
    '0',
  ];
  const child = spawn(process.execPath, [EMULATOR_BIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const complete = buffered.split('\n');
      buffered = complete.pop()!;
      lines.push(...complete);
      const listening = complete.map((line) => /listening on (\S+)/.exec(line)).find(Boolean);
      if (listening) resolve(listening[1]!);
    });
    child.on('exit', (code) => reject(new Error(`the emulator exited (${code})`)));
  });
  emulator = { child, url, lines };
}, 120_000);
afterAll(() => {
  emulator?.child.kill('SIGTERM');
});

interface TimedTask {
  id: string;
  type: string;
  prompt: string;
  created_at: number;
  finished_at: number;
}

async function textTo3dTasks(): Promise<TimedTask[]> {
  const response = await fetch(`${emulator.url}/openapi/v2/text-to-3d?page_size=50&sort_by=%2Bcreated_at`, { headers: { authorization: `Bearer ${API_KEY}` } });
  return (await response.json()) as TimedTask[];
}

describe('a build against a full Meshy queue', () => {
  it('keeps the queue full and quiet: 6 models through 2 slots', async () => {
    const root = await tempDir();
    const prompts = Array.from({ length: MODELS }, (_, i) => `a queued barrel number ${i + 1}`);
    await writeProject(root, {
      'main.js': `${prompts.map((text, i) => `import m${i} from 'meshy:prompt?text=${text}';`).join('\n')}\nconsole.log(${prompts.map((_, i) => `m${i}`).join(', ')});`,
    });
    const logs: string[] = [];
    const started = Date.now();
    const options = { apiKey: API_KEY, apiBase: emulator.url, mode: 'generate', storeDir: join(root, '.meshy'), optimize: false } as const;
    const { assets } = await buildProject(root, options, { logs });
    const wallMs = Date.now() - started;
    expect([...assets.keys()].filter((name) => name.endsWith('.glb'))).toHaveLength(MODELS);

    const tasks = await textTo3dTasks();
    expect(tasks).toHaveLength(2 * MODELS);

    // Slot by slot: the k-th task created after the first two fills the slot the k-th ending freed.
    const created = tasks.map((task) => task.created_at).sort((a, b) => a - b);
    const finished = tasks.map((task) => task.finished_at).sort((a, b) => a - b);
    const gaps = created.slice(SLOTS).map((at, k) => at - finished[k]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(200);

    // One refusal taught the client the queue's size; every later create went into a freed slot.
    const refused = emulator.lines.filter((line) => /^POST \/openapi\/v2\/text-to-3d → 429/.test(line)).length;
    expect(refused).toBeLessThanOrEqual(1);

    const meshyMs = Math.max(...finished) - Math.min(...created);
    const lowerBound = (2 * MODELS * STAGE_MS) / SLOTS;
    expect(meshyMs).toBeLessThanOrEqual(lowerBound * 1.1);

    // A model's refine goes before new previews: it takes its preview's slot at once.
    for (const prompt of prompts) {
      const preview = tasks.find((task) => task.prompt === prompt && task.type === 'text-to-3d-preview')!;
      const refine = tasks.find((task) => task.prompt === prompt && task.type === 'text-to-3d-refine')!;
      expect(refine.created_at - preview.finished_at).toBeLessThanOrEqual(200);
    }

    // Quiet: no line per refused create; the queue is one line, printed when it fills.
    expect(logs.filter((line) => /429|NoMoreConcurrentTasks|retrying/.test(line))).toEqual([]);
    const queueLines = logs.filter((line) => line.includes("Meshy's queue is full"));
    expect(queueLines[0]).toMatch(/Meshy's queue is full \(2 of 2 in use\): \d models? waiting$/);
    expect(queueLines.length).toBeLessThanOrEqual(Math.ceil(meshyMs / 10_000) + 1);
    console.log(
      `${MODELS} models, ${SLOTS} slots, ${STAGE_MS} ms stages: wall ${wallMs} ms, Meshy ${meshyMs} ms (lower bound ${lowerBound} ms), ` +
        `refused creates ${refused}, slot gaps ${gaps.join(' ')} ms, ${logs.length} log lines, ${queueLines.length} queue line(s)`,
    );
  });
});
