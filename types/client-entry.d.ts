/**
 * `vite-plugin-meshy/client`: the ambient types of `meshy:` imports, and the browser helpers' own
 * declarations as the compiler wrote them (one source: src/client/index.ts).
 */
/// <reference path="./client.d.ts" />
export * from '../dist/client/index.js';
