/**
 * generate: call Meshy on a cache miss; frozen: fail on a miss (CI); offline: a placeholder for a miss,
 * nothing sent to Meshy (test runners, no network).
 */
export type GenerationMode = 'generate' | 'frozen' | 'offline';
