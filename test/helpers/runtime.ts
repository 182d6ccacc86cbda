/** Real runtimes on temporary data directories (SQLite file, index) over the real knowledge base. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Activity } from 'botbuilder';
import { loadConfig, type Config } from '../../src/app/config.js';
import { createLogger } from '../../src/app/logger.js';
import { createRuntime, type Runtime, type RuntimeOptions } from '../../src/app/runtime.js';
import { TerminalAdapter } from '../../src/channels/terminal/terminal-adapter.js';
import { seedDatabase, seedIndex } from './prebuilt-index.js';

export interface TestRuntime {
  dataDir: string;
  config: Config;
  runtime: Runtime;
  cleanup(): Promise<void>;
}

export function tempDir(prefix = 'pos-assist-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startRuntime(env: Record<string, string> = {}, options: RuntimeOptions = {}): Promise<TestRuntime> {
  const dataDir = env.DATA_DIR ?? tempDir();
  seedIndex(dataDir, env);
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env });
  seedDatabase(config);
  const runtime = await createRuntime(config, createLogger(config), options);
  return {
    dataDir,
    config,
    runtime,
    async cleanup() {
      await runtime.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A terminal conversation whose bot activities are collected, turn by turn. */
export function terminalConversation(runtime: Runtime, userId = 'merchant-1') {
  const received: Partial<Activity>[] = [];
  const adapter = new TerminalAdapter({
    transcripts: runtime.transcripts,
    userId,
    onActivity: (a) => {
      received.push(a);
    },
  });
  runtime.attach(adapter);
  const logic = (ctx: Parameters<Runtime['bot']['run']>[0]) => runtime.bot.run(ctx);
  /** Sends one message and returns the message activities the bot sent for it. */
  const say = async (text: string) => {
    const from = received.length;
    await adapter.say(text, logic);
    return received.slice(from).filter((a) => a.type === 'message');
  };
  const start = async () => {
    const from = received.length;
    await adapter.start(logic);
    return received.slice(from).filter((a) => a.type === 'message');
  };
  return { adapter, received, say, start, logic };
}
