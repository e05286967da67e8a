import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { MeshyResourceName } from '../meshy/resources.js';
import { animation } from './animation.js';
import { createFaultInjector, type FaultsConfig, parseFaults } from './faults/index.js';
import { imageTo3d } from './image-to-3d.js';
import { imageToImage } from './image-to-image.js';
import { multiImageTo3d } from './multi-image-to-3d.js';
import { type EmulatorOptions, resolveEmulatorOptions } from './options.js';
import { remesh } from './remesh.js';
import type { EmulatedResource } from './resource.js';
import { retexture } from './retexture.js';
import { rigging } from './rigging.js';
import { createEmulatorServer } from './server.js';
import { createState, type EmulatorStats, presentTask, settle } from './state.js';
import { textTo3d } from './text-to-3d.js';
import { textToImage } from './text-to-image.js';
import { textToMotion } from './text-to-motion.js';

export { TEST_MODE_API_KEY } from '../meshy/api.js';
export {
  FAIL_MARKER,
  type FaultContext,
  type FaultName,
  type FaultRule,
  type FaultsConfig,
  faultsSchema,
  type RequestFault,
  type RequestFaultKind,
  type TaskFault,
} from './faults/index.js';
export { generateModel, generateTexture, generateThumbnail, type ModelRequest, PROFILES, type Profile, type TextureMap } from './glb/index.js';
export { type EmulatorOptions, emulatorOptionsSchema } from './options.js';
export type { EmulatorStats } from './state.js';
export type { TaskError, TaskStatus } from './tasks.js';

export interface Emulator {
  /** Base URL to use as the Meshy API base, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  /** Counters since start; tests use them to prove what was (not) requested or paid. */
  stats(): EmulatorStats;
  /**
   * Replaces the fault configuration (the `faults` option) at runtime: the new request faults fire
   * on the next matching requests, the task-failure draws restart from their seed. `{}` clears all.
   */
  setFaults(faults: FaultsConfig): void;
  /** Every task of every account, as GET would show it. */
  tasks(): Record<string, unknown>[];
  /** Stops the server, ending open streams and keep-alive connections. */
  close(): Promise<void>;
}

/** The task resources the emulator serves: one for each Meshy resource the plugin uses (src/meshy/resources.ts). */
const RESOURCES: Record<MeshyResourceName, EmulatedResource> = {
  'text-to-3d': textTo3d,
  'image-to-3d': imageTo3d,
  'multi-image-to-3d': multiImageTo3d,
  remesh,
  retexture,
  rigging,
  animation,
  'text-to-image': textToImage,
  'image-to-image': imageToImage,
  'text-to-motion': textToMotion,
};

/**
 * Starts a local server that speaks Meshy's REST API: every resource that makes an asset
 * (https://docs.meshy.ai/en/api/text-to-3d–https://docs.meshy.ai/en/api/image-to-image), the animation library
 * and balance.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const resolved = resolveEmulatorOptions(options);
  const state = createState(resolved, Object.values(RESOURCES));
  const { server, close } = createEmulatorServer(state);
  server.listen(resolved.port, resolved.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  state.baseUrl = `http://${urlHost(resolved.host)}:${port}`;
  return {
    url: state.baseUrl,
    port,
    stats() {
      settle(state, resolved.now());
      return structuredClone(state.stats);
    },
    setFaults(faults) {
      state.faults = createFaultInjector(parseFaults(faults));
    },
    tasks() {
      const now = resolved.now();
      return [...state.tasks.values()].map((task) => presentTask(state, task, now));
    },
    close,
  };
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
