/**
 * `pos-assist` commands for tests, two ways:
 * - `runMain`: `main` (src/app/cli-main.ts, everything the CLI does with its arguments) in this process,
 *   with `env` over the environment, `input` as stdin (not a terminal) and stdout and stderr captured;
 *   everything is put back afterwards. A child process per command cost a cold start (~1.5 s of CPU,
 *   loading botbuilder, LangChain and jieba) each time.
 * - `runCliProcess`: the built `dist/app/cli.js` in a child process, for what only a real process shows
 *   (its exit code as the shell sees it, its logs on stderr).
 * Commands run one at a time in `runMain`: stdout and the environment are the process's own.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../src/app/cli-main.js';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const CLI = join(new URL('../..', import.meta.url).pathname, 'dist', 'app', 'cli.js');

let running = false;

export async function runMain(args: string[], env: Record<string, string>, input?: string): Promise<CliRun> {
  if (running) throw new Error('runMain: one command at a time (stdout and the environment are shared)');
  running = true;
  const savedEnv = { ...process.env };
  const stdin = Object.getOwnPropertyDescriptor(process, 'stdin')!;
  const writes = [process.stdout.write, process.stderr.write] as const;
  const out: string[] = [];
  const err: string[] = [];
  const capture = (into: string[]) =>
    ((chunk: string | Uint8Array) => {
      into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof process.stdout.write;
  // The logger writes to file descriptor 2, past the captured stderr: errors only, unless `env` says.
  Object.assign(process.env, { LOG_LEVEL: 'error' }, env);
  Object.defineProperty(process, 'stdin', { value: Readable.from(input === undefined ? [] : [Buffer.from(input)]), configurable: true, enumerable: stdin.enumerable });
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  try {
    const code = await main(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    [process.stdout.write, process.stderr.write] = writes;
    Object.defineProperty(process, 'stdin', stdin);
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
    running = false;
  }
}

export function runCliProcess(args: string[], env: Record<string, string>, input?: string): CliRun {
  const run = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', input, timeout: 120_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}
