import { mkdtempSync, rmSync } from 'node:fs';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The tests' temporary files (data directories, SQLite databases, uploads) go to memory when the machine
 * has a tmpfs at /dev/shm: the same files through the same calls, but a commit's fsync costs nothing, and
 * waiting on the disk was ~20 s of the suite's main-thread time. Workers and the processes tests start
 * inherit TMPDIR; the folder is removed when the run ends. POS_ASSIST_TEST_TMPDIR=keep leaves TMPDIR alone.
 */
function memoryTempDir(): void {
  if (process.env.POS_ASSIST_TEST_TMPDIR) return; // set already (by this run, or `keep`)
  try {
    const dir = mkdtempSync('/dev/shm/pos-assist-tests-');
    process.env.POS_ASSIST_TEST_TMPDIR = dir;
    process.env.TMPDIR = dir;
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  } catch {
    // no tmpfs here: the system's temporary folder, as before
  }
}
memoryTempDir();

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
    // time is spent waiting (sockets, child processes, timers, a lease running out), so on 2 cores three
    // workers keep both busy: the whole run took 309 s with two, 266 s with three, and 298 s with four
    // (each worker loads the modules again, and timing-bound tests began to fail). TEST_WORKERS=n overrides.
    maxWorkers: Number(process.env.TEST_WORKERS) || 3,
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
