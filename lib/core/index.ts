export * from './cors-policy.js';
export * from './cors-compiler.js';
export * from './cors-origin.js';
export * from './cors-tokens.js';
export * from './cors-route-index.js';
export * from './cors-engine.js';
export * from './cors-origin-cache.js';
export * from './cors-paths.js';
