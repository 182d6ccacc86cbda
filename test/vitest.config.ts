import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Files that change process-wide state (module mocks, process.env, the time zone, fake timers, the
 * segmenter's dictionary from another knowledge base) run isolated: each in a fresh module graph.
 */
const ISOLATED = [
  'test/knowledge/**/*.test.ts',
  'test/eval-conversations/**/*.test.ts',
  'test/app/config.test.ts',
  'test/flows/slot-types/date.test.ts',
  'test/requests/backoffice-routes.test.ts',
  'test/handoff/agents/passwords.test.ts',
  'test/llm/prompt-injection.test.ts',
];

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Native addons (hnswlib, better-sqlite3) are safest in forked processes.
    pool: 'forks',
    // vitest's default is one worker fewer than the cores: one worker on a 2-core machine. Much of a test's
    // time is spent waiting (sockets, child processes, timers), so two workers use both cores.
    maxWorkers: 2,
    env: { LOG_LEVEL: 'silent', LANGSMITH_TRACING: 'false' },
    projects: [
      {
        extends: true,
        // The knowledge index, built once per run (shared by both projects) and copied into the tests' data
        // directories.
        test: { name: 'isolated', include: ISOLATED, globalSetup: ['test/setup/prebuilt-index.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...ISOLATED],
          // The other files share each worker's loaded modules (botbuilder, LangChain, jieba… load once
          // per worker, not once per file). Each file still makes its own data directory, server or runtime.
          isolate: false,
          globalSetup: ['test/setup/prebuilt-index.ts'],
        },
      },
    ],
  },
});
