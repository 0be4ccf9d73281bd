// The ESM entry re-exports the CommonJS build, so that `import` and `require`
// share one instance of every module (no dual-package hazard).
export * from './index.js';
