/** Suite plumbing for language-model tests: one local OpenAI-compatible server, runtimes that use it. */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { runMain, type CliRun } from './cli.js';
import { startFakeOpenAI, type FakeOpenAI } from './fake-openai.js';
import { startRuntime, type TestRuntime } from './runtime.js';

/** Starts the fake provider before the suite and stops it after; read `.fake` inside tests. */
export function useFakeOpenAI(): { readonly fake: FakeOpenAI } {
  const holder = {} as { fake: FakeOpenAI };
  beforeAll(async () => {
    holder.fake = await startFakeOpenAI();
  });
  afterAll(async () => holder.fake?.close());
  return holder;
}

/**
 * Runtimes (real SQLite, index, bot) configured for the fake provider, cleaned up after each test.
 * `base` gives the suite's variables; each call may add more.
 */
export function useLlmRuntimes(provider: { readonly fake: FakeOpenAI }, base: Record<string, string> = {}) {
  const open: TestRuntime[] = [];
  afterEach(async () => {
    while (open.length) await open.pop()!.cleanup();
  });
  return async (env: Record<string, string> = {}): Promise<TestRuntime> => {
    const rt = await startRuntime({
      LLM_API_KEY: 'sk-test-0123456789',
      LLM_BASE_URL: provider.fake.url,
      // Generous: on a loaded machine a turn's rewrite, rerank and answer can take seconds; the tests of
      // timeouts set their own.
      LLM_TIMEOUT_MS: '15000',
      HANDOFF_BUSINESS_HOURS: 'always',
      ...base,
      ...env,
    });
    open.push(rt);
    return rt;
  };
}

/** Runs a CLI command in this process (`runMain`, test/helpers/cli.ts), over `dataDir`. */
export function runCli(dataDir: string, args: string[], env: Record<string, string>, input?: string): Promise<CliRun> {
  return runMain(args, { DATA_DIR: dataDir, ...env }, input);
}
