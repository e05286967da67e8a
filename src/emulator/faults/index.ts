export { createFaultInjector, parseFaults, type FaultInjector } from './injector.js';
export { faultsSchema, taskErrorSchema, type FaultName, type Faults, type FaultsConfig, type RequestFault, type RequestFaultKind, type RequestFaultOf } from './schema.js';
export { FAIL_MARKER, taskFailureFor, type FaultContext, type FaultRule, type TaskFault } from './task-failures.js';
export { resetConnection, sendCorrupt, sendRateLimit, sendServerError, sendThenReset, sendTruncated, sendWithStall } from './transport.js';
