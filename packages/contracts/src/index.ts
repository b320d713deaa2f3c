export * from './organization.js';
export * from './errors.js';
export * from './headers.js';
export * from './roles.js';
