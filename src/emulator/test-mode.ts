/**
 * https://docs.meshy.ai/en/api/authentication: the test-mode key "returns the same sample task results whatever the input". The emulator
 * still validates, runs the usual lifecycle under fresh ids and echoes the request's fields; what a
 * task produces is replaced by this fixed sample (each resource's `sample` says how).
 */
export const SAMPLE_SEED = 20250218;
export const SAMPLE_PROMPT = 'Meshy test mode sample';
