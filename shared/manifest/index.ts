export * from './parse.js';
export * from './kind-of.js';
