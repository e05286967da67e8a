export { createFaultInjector, type FaultInjector, parseFaults } from './injector.js';
export { type FaultName, type FaultsConfig, faultsSchema, type RequestFault, type RequestFaultKind, type RequestFaultOf } from './schema.js';
export { FAIL_MARKER, type FaultContext, type FaultRule, type TaskFault, taskFailureFor } from './task-failures.js';
export { resetConnection, sendCorrupt, sendPaddedGlb, sendRateLimit, sendServerError, sendThenReset, sendTruncated, sendWithStall } from './transport.js';
