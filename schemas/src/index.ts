export * from './addresses.js';
export * from './packet-summary.js';
export * from './tcp-flow.js';
