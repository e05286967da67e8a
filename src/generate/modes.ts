/** generate: call Meshy on a cache miss; frozen: fail on a miss (CI); offline: never touch the network. */
export type GenerationMode = 'generate' | 'frozen' | 'offline';
