export * from './chdb-store.js';
export * from './flow-row.js';
export * from './http-store.js';
export * from './migrate.js';
export * from './open-store.js';
export * from './queries.js';
export * from './record-from-row.js';
export * from './store.js';
