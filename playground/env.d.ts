/// <reference types="vite/client" />
/// <reference path="../types/client.d.ts" />
