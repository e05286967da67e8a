import { type Faults, type FaultsConfig, faultsSchema, type RequestFaultKind, type RequestFaultOf } from './schema.js';
import { createTaskFailureDraws, type TaskFailureDraws } from './task-failures.js';

/** The live fault configuration: the faults still to fire and the seeded failure draws. */
export interface FaultInjector {
  /**
   * The first request fault of one of `kinds` that applies to this request, used up by the call.
   * The caller records it once it actually fired.
   */
  take<K extends RequestFaultKind>(kinds: readonly K[], method: string, pathname: string): RequestFaultOf<K> | undefined;
  taskFailures: TaskFailureDraws;
  /** The progress a new task of `type` gets stuck at, if `stuckTasks` applies to it. */
  stuckAt(type: string): number | undefined;
}

export function parseFaults(config: FaultsConfig | undefined): Faults {
  const parsed = faultsSchema.safeParse(config ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `faults.${issue.path.join('.')}: ${issue.message}`);
  throw new TypeError(`Invalid emulator faults: ${problems.join('; ')}`);
}

export function createFaultInjector(faults: Faults): FaultInjector {
  const counters = faults.requests.map(() => ({ matched: 0, fired: 0 }));
  return {
    take(kinds, method, pathname) {
      for (const [index, fault] of faults.requests.entries()) {
        if (!(kinds as readonly string[]).includes(fault.kind)) continue;
        if (fault.method !== undefined && fault.method !== method.toUpperCase()) continue;
        if (fault.path !== undefined && !globMatches(fault.path, pathname)) continue;
        const counter = counters[index]!;
        counter.matched++;
        if (counter.matched <= fault.skip) continue;
        if (fault.times !== 'always' && counter.fired >= fault.times) continue;
        counter.fired++;
        return fault as RequestFaultOf<(typeof kinds)[number]>;
      }
      return undefined;
    },
    taskFailures: createTaskFailureDraws(faults.taskFailures),
    stuckAt(type) {
      const stuck = faults.stuckTasks;
      return stuck && (!stuck.types || stuck.types.includes(type)) ? stuck.atProgress : undefined;
    },
  };
}

/** `*` matches any run of characters; everything else literally. */
function globMatches(pattern: string, pathname: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(pathname);
}
