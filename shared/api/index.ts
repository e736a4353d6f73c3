export * from './core.js';
export * from './job.js';
export * from './podgroup.js';
export * from './queue.js';
export * from './well-known.js';
