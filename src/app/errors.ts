/** The error codes moved to src/core/errors.ts (every layer uses them); app code may import either. */
export * from '../core/errors.js';
