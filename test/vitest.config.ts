import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Files that change process-wide state (module mocks, process.env, the time zone, fake timers, the
 * segmenter's dictionary) run isolated: each in a fresh module graph.
 */
const ISOLATED = [
  // The segmenter's dictionary is process-wide: these set terms of their own (text.test) or stub the
  // clock and the environment. The other knowledge tests open knowledge bases, which set it themselves.
  'test/knowledge/text.test.ts',
  'test/knowledge/onnx-embeddings.test.ts',
  'test/knowledge/remote-embeddings.test.ts',
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
    // TEST_CPU_REPORT=DIR: each file's CPU and wall time into DIR/cpu.tsv (test/setup/cpu-report.ts).
    setupFiles: process.env.TEST_CPU_REPORT ? ['test/setup/cpu-report.ts'] : [],
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
