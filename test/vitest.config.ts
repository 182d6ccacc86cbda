import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // The knowledge index, built once per run and copied into the tests' data directories.
    globalSetup: ['test/setup/prebuilt-index.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Native addons (hnswlib, better-sqlite3) are safest in forked processes.
    pool: 'forks',
    env: { LOG_LEVEL: 'silent', LANGSMITH_TRACING: 'false' },
  },
});
