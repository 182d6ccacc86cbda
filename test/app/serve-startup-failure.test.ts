/**
 * `serve` that cannot start (a flow file that is invalid) exits non-zero with the reason, instead of
 * listening and answering 503 for ever: the built CLI in a child process, as a supervisor runs it.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/runtime.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'dist', 'app', 'cli.js');
const dir = tempDir();

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('serve with a start-up failure', () => {
  it('stops listening and exits 1, naming the invalid flow file', async () => {
    const flows = join(dir, 'flows');
    mkdirSync(flows);
    cpSync(join(ROOT, 'flows', 'request-status.yaml'), join(flows, 'request-status.yaml'));
    writeFileSync(join(flows, 'broken.yaml'), 'id: broken\nslots:\n  - name: x\n    type: card_number\n');
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, 'serve'], {
      env: { ...process.env, DATA_DIR: join(dir, 'data'), FLOWS_DIR: flows, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearTimeout(timer);
    expect(code, output).toBe(1);
    expect(output).toContain('broken.yaml');
    // It was listening before the flows were loaded: it listens no more.
    expect(output).toContain(`127.0.0.1:${port}`);
    expect(output).not.toContain('POS Assist is ready');
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  }, 70_000);
});
