/**
 * Scripted conversations: every `scripts/*.yaml` is played through the CLI's chat command (`pos-assist
 * chat --jsonl`) and the bot's activities are compared, in order, with what the script expects. The
 * scripts in `THROUGH_THE_CLI` run the real CLI as a child process; the others call the same command
 * (`runChat`) in this process with its stdin and stdout replaced, which spares a cold start per segment,
 * and their first chat runs in a runtime shared with the other scripts (as merchants share a server),
 * which spares opening the knowledge base and loading the slip reader's model per script; after a
 * restart or a decision a chat gets a runtime of its own. Adding a conversation test means adding a YAML
 * file. The scripts share one data directory (the index is built once), so each uses merchant IDs and a
 * user name of its own.
 *
 * A script is a list of turns. A turn is one of:
 * - `user: 文本` or `user: {text, files: [slip.png]}` (files from test/fixtures/files) and the `bot`
 *   activities it answers with;
 * - `restart: true`: the chat process ends and a new one starts over the same data (a server restart);
 *   its `bot` list is what the new process says first, before the answers to the turns that follow;
 * - `decide: {merchant, status, reason}`: the chat process ends, the back office decides the merchant's
 *   latest request (through the real RequestStore on the same database file), and a new process starts
 *   (a decide is also a restart: its `bot` list is what the new process says first).
 *
 * Dates are written relative to today in Asia/Shanghai: `{{date:-1|M月D日}}` is yesterday as 11月29日;
 * formats use YYYY, MM, M, DD, D. Script-level `env` adds environment variables (e.g. a small
 * UPLOAD_MAX_BYTES; HANDOFF_BUSINESS_HOURS is "always" unless a script says otherwise), `neverStored` lists strings that must appear nowhere: not in the output, the logs,
 * nor the bytes of the database.
 */
import { spawnSync } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { loadConfig, type Config } from '../../src/app/config.js';
import { createLogger } from '../../src/app/logger.js';
import { createRuntime, type Runtime } from '../../src/app/runtime.js';
import { RequestStore, REQUEST_STATUSES } from '../../src/requests/index.js';
import { openDatabase } from '../../src/store/index.js';
import { seedDatabase, seedIndex } from '../helpers/prebuilt-index.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'dist', 'app', 'cli.js');
const SCRIPTS = join(ROOT, 'test', 'conversations', 'scripts');
const FILES = join(ROOT, 'test', 'fixtures', 'files');
/** Played through a real `node dist/app/cli.js chat --jsonl` process: restarts, bad JSON lines, logs. */
const THROUGH_THE_CLI = new Set(['a-12-restart-mid-flow.yaml', 'card-number-and-off-topic.yaml']);

const Expectation = z
  .object({
    type: z.string().default('message'),
    equals: z.string().optional(),
    contains: z.array(z.string()).default([]),
    notContains: z.array(z.string()).default([]),
    suggestedActions: z.union([z.array(z.string()), z.number().int()]).optional(),
  })
  .strict();
const UserMessage = z.union([z.string(), z.object({ text: z.string().optional(), files: z.array(z.string()).default([]) }).strict()]);
const Turn = z
  .object({
    user: UserMessage.optional(),
    restart: z.literal(true).optional(),
    decide: z.object({ merchant: z.string(), status: z.enum(REQUEST_STATUSES), reason: z.string().optional() }).strict().optional(),
    bot: z.array(Expectation).default([]),
  })
  .strict();
const Script = z
  .object({
    name: z.string(),
    user: z.string().optional(),
    env: z.record(z.string(), z.string()).default({}),
    neverStored: z.array(z.string()).default([]),
    turns: z.array(Turn).min(1),
  })
  .strict();
type Script = z.infer<typeof Script>;

interface Line {
  type: string;
  text: string;
  suggestedActions?: string[];
  error?: string;
}

/** `YYYY-MM-DD` of today + `offset` days in Asia/Shanghai. */
function shanghaiDate(offset: number): { y: number; m: number; d: number } {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  const at = new Date(`${today}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() + offset);
  return { y: at.getUTCFullYear(), m: at.getUTCMonth() + 1, d: at.getUTCDate() };
}

export function expandDates(text: string): string {
  return text.replace(/\{\{date:([+-]?\d+)\|([^}]+)\}\}/g, (_, offset: string, format: string) => {
    const { y, m, d } = shanghaiDate(Number(offset));
    return format
      .replace('YYYY', String(y))
      .replace('MM', String(m).padStart(2, '0'))
      .replace('DD', String(d).padStart(2, '0'))
      .replace('M', String(m))
      .replace('D', String(d));
  });
}

function inputLine(user: z.infer<typeof UserMessage>): string {
  if (typeof user === 'string') return expandDates(user);
  return JSON.stringify({
    text: expandDates(user.text ?? ''),
    ...(user.files.length ? { attachments: user.files.map((f) => ({ path: join(FILES, f) })) } : {}),
  });
}

interface Segment {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** One `pos-assist chat --jsonl --user ID` as a child process. */
function chatProcess(userId: string, input: string, env: Record<string, string>): Segment {
  const result = spawnSync(process.execPath, [CLI, 'chat', '--jsonl', '--user', userId], {
    input,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The logs of the chat being played in this process (the shared runtimes log here too). */
let captured = '';
const logSink = new Writable({
  write(chunk, _encoding, done) {
    captured += String(chunk);
    done();
  },
});

/**
 * Runtimes shared by the scripts' first chats, one per environment: like a server that many merchants
 * talk to, so the knowledge base is opened and the slip reader's model loaded once, not once per script.
 * A chat after a `restart` or `decide` gets a runtime of its own, as a new process would.
 */
const sharedRuntimes = new Map<string, Promise<Runtime>>();

function sharedRuntime(config: Config, env: Record<string, string>): Promise<Runtime> {
  const key = JSON.stringify(Object.entries(env).sort(([a], [b]) => a.localeCompare(b)));
  let runtime = sharedRuntimes.get(key);
  if (!runtime) {
    runtime = createRuntime(config, createLogger(config, { name: 'cli', destination: logSink }));
    sharedRuntimes.set(key, runtime);
  }
  return runtime;
}

/**
 * The same command in this process: `runChat` with the configuration and logger the CLI would make from
 * `env`, reading `input` as its stdin and writing to a captured stdout (logs to a captured stderr).
 * `shared`: the chat runs in the shared runtime of its environment instead of one of its own.
 */
async function chatInProcess(userId: string, input: string, env: Record<string, string>, shared: boolean): Promise<Segment> {
  const { runChat } = await import('../../src/app/commands.js');
  const config = loadConfig({ ...process.env, ...env });
  captured = '';
  const logger = createLogger(config, { name: 'cli', destination: logSink });
  let stdout = '';
  const stdin = Object.getOwnPropertyDescriptor(process, 'stdin')!;
  const write = process.stdout.write;
  try {
    const runtime = shared ? await sharedRuntime(config, env) : undefined;
    Object.defineProperty(process, 'stdin', { value: Readable.from([input]), configurable: true, enumerable: stdin.enumerable });
    process.stdout.write = ((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    }) as typeof process.stdout.write;
    const status = await runChat(config, logger, true, userId, runtime);
    return { status, stdout, stderr: captured };
  } catch (err) {
    return { status: 1, stdout, stderr: `${captured}${(err as Error).stack ?? String(err)}` };
  } finally {
    process.stdout.write = write;
    Object.defineProperty(process, 'stdin', stdin);
  }
}

/**
 * The bytes of the database files (the file, its WAL and shared memory), read by another process: this
 * process has the database open in the shared runtimes, and closing a descriptor of the file here would
 * drop this process's SQLite locks on it (POSIX locks belong to the process), letting the next CLI process
 * checkpoint the WAL under the open connection and corrupt it.
 */
function storedBytes(dir: string): string {
  const files = readdirSync(dir)
    .filter((f) => f.startsWith('pos-assist.sqlite'))
    .map((f) => join(dir, f));
  const read = spawnSync(process.execPath, ['-e', 'for (const f of process.argv.slice(1)) process.stdout.write(require("node:fs").readFileSync(f))', ...files], {
    encoding: 'latin1',
    maxBuffer: 512 * 1024 * 1024,
  });
  if (read.status !== 0) throw new Error(`could not read the database files: ${read.stderr}`);
  return read.stdout;
}

/** Plays a script: one chat (process, or in-process command) per segment between restarts and decisions. */
async function play(script: Script, file: string, dataDir: string): Promise<{ lines: Line[]; logs: string }> {
  const lines: Line[] = [];
  let logs = '';
  let pending: string[] = [];
  let started = false;
  // Until the first restart or decision, the script's chat runs in the shared runtime.
  let restarted = false;
  const userId = script.user ?? file.replace(/\W/g, '-');
  const run = async () => {
    const input = pending.length ? `${pending.join('\n')}\n` : '';
    // Business hours "always": a request for a person does not depend on when the tests run.
    const env = { DATA_DIR: dataDir, LOG_LEVEL: 'info', HANDOFF_BUSINESS_HOURS: 'always', ...script.env };
    const result = THROUGH_THE_CLI.has(file) ? chatProcess(userId, input, env) : await chatInProcess(userId, input, env, !restarted);
    expect(result.status, result.stderr).toBe(0);
    logs += result.stderr;
    lines.push(...result.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line));
    pending = [];
    started = true;
  };
  for (const turn of script.turns) {
    if (turn.restart || turn.decide) {
      if (pending.length || !started) await run();
      if (turn.decide) {
        const store = await openDatabase({ filename: join(dataDir, 'pos-assist.sqlite') });
        try {
          const requests = new RequestStore(store.db);
          const [latest] = await requests.listByMerchant(turn.decide.merchant, { limit: 1 });
          expect(latest, `no request of merchant ${turn.decide.merchant} to decide`).toBeDefined();
          await requests.transition(latest!.id, turn.decide.status, { actor: 'backoffice', reason: turn.decide.reason ?? null });
        } finally {
          await store.close();
        }
      }
      // The next process starts with the next turns; what it says first belongs to this turn.
      started = false;
      restarted = true;
      continue;
    }
    if (turn.user !== undefined) pending.push(inputLine(turn.user));
  }
  if (pending.length || !started) await run();
  return { lines, logs };
}

const dataDir = mkdtempSync(join(tmpdir(), 'pos-assist-scripts-'));
seedIndex(dataDir);
seedDatabase({ paths: { database: join(dataDir, 'pos-assist.sqlite') } });
afterAll(async () => {
  for (const runtime of sharedRuntimes.values()) await runtime.then((r) => r.close(), () => undefined);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('scripted conversations through `pos-assist chat --jsonl`', () => {
  it('has the CLI built (npm test builds it first)', () => {
    expect(existsSync(CLI), `${CLI} missing: run "npm run build"`).toBe(true);
  });

  it('plays some scripts through the real CLI process, and those scripts exist', () => {
    for (const file of THROUGH_THE_CLI) expect(existsSync(join(SCRIPTS, file)), file).toBe(true);
  });

  it('expands relative dates in Asia/Shanghai', () => {
    const { y, m, d } = shanghaiDate(0);
    expect(expandDates('{{date:0|YYYY-MM-DD}}')).toBe(`${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
    expect(expandDates('{{date:0|M月D日}}')).toBe(`${m}月${d}日`);
    expect(expandDates('x')).toBe('x');
  });

  for (const file of readdirSync(SCRIPTS).filter((f) => f.endsWith('.yaml')).sort()) {
    const script = Script.parse(parse(readFileSync(join(SCRIPTS, file), 'utf8')));
    it(`${file}: ${script.name}`, async () => {
      {
        const { lines, logs } = await play(script, file, dataDir);
        const said = lines.map((l, i) => `[${i}] ${l.type}: ${l.text || l.error || ''}${l.suggestedActions ? ` ${JSON.stringify(l.suggestedActions)}` : ''}`).join('\n');
        const expected = script.turns.flatMap((t) => t.bot);
        expect(lines, `bot said:\n${said}`).toHaveLength(expected.length);
        expected.forEach((want, i) => {
          const got = lines[i]!;
          const text = got.text || got.error || '';
          const where = `activity ${i}; bot said:\n${said}`;
          expect(got.type, where).toBe(want.type);
          if (want.equals !== undefined) expect(text, where).toBe(expandDates(want.equals));
          for (const c of want.contains) expect(text, where).toContain(expandDates(c));
          for (const c of want.notContains) expect(JSON.stringify(got), where).not.toContain(expandDates(c));
          if (Array.isArray(want.suggestedActions)) expect(got.suggestedActions, where).toEqual(want.suggestedActions);
          else if (typeof want.suggestedActions === 'number') expect(got.suggestedActions ?? [], where).toHaveLength(want.suggestedActions);
        });
        if (script.neverStored.length) {
          const stored = storedBytes(dataDir);
          const output = JSON.stringify(lines);
          for (const secret of script.neverStored) {
            expect(stored.includes(secret), `"${secret}" is in the database`).toBe(false);
            expect(output.includes(secret), `"${secret}" was shown`).toBe(false);
            expect(logs.includes(secret), `"${secret}" was logged`).toBe(false);
          }
        }
      }
      // A script through the real CLI starts a process per segment: on a loaded machine that takes longer.
    }, THROUGH_THE_CLI.has(file) ? 120_000 : undefined);
  }
});
