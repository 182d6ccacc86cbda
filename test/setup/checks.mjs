#!/usr/bin/env node
/**
 * The steps `npm test` runs before vitest — the build, the type checks (server and tests, widget, agent
 * console) and the dependency rules — run side by side instead of one after the other: none of them
 * reads what another writes (the type checks do not emit; depcruise reads src/). Each step's output is
 * printed when it ends, under its name; the exit code is 1 when any step failed, and every step is
 * always run to its end so all failures show at once.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

const STEPS = [
  { name: 'build', cmd: 'npm', args: ['run', 'build', '--silent'] },
  {
    name: 'typecheck',
    cmd: bin('tsc'),
    args: ['-p', 'tsconfig.json', '--noEmit', '--incremental', '--tsBuildInfoFile', 'dist/.tsbuildinfo-typecheck'],
  },
  { name: 'typecheck:widget', cmd: 'npm', args: ['run', 'typecheck:widget', '--silent'] },
  { name: 'deps', cmd: 'npm', args: ['run', 'deps', '--silent'] },
];

function run({ name, cmd, args }) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => out.push(c));
    let ended = false;
    const done = (code, error) => {
      if (ended) return;
      ended = true;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const text = Buffer.concat(out).toString().trimEnd();
      const status = code === 0 ? 'ok' : `FAILED (${error ?? `exit ${code}`})`;
      process.stdout.write(`── ${name}: ${status} in ${seconds} s\n${text ? `${text}\n` : ''}`);
      resolve(code === 0);
    };
    child.on('error', (err) => done(1, err.message));
    child.on('close', (code, signal) => done(code ?? 1, signal ?? undefined));
  });
}

const results = await Promise.all(STEPS.map(run));
process.exitCode = results.every(Boolean) ? 0 : 1;
