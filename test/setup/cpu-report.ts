/**
 * Where the suite's CPU goes, file by file: with `TEST_CPU_REPORT=DIR` (test/vitest.config.ts adds this
 * setup file then), each test file appends `file<TAB>CPU seconds<TAB>wall seconds` to `DIR/cpu.tsv`,
 * measured from its first hook to its last in its worker (process.cpuUsage: the worker's threads, the OCR
 * worker's too; child processes and Chromium are not counted, nor the file's imports). With
 * `TEST_CPU_PROFILE=1` it also writes `DIR/<file>.cpuprofile` (V8's sampling profiler, 1 ms; open it in
 * Chrome DevTools). The `npm test` run is the same without it.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';

const dir = process.env.TEST_CPU_REPORT!;
const profile = process.env.TEST_CPU_PROFILE === '1';
const session = new Session();
let cpu: NodeJS.CpuUsage;
let started = 0;

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  if (profile) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 1000 });
    await session.post('Profiler.start');
  }
  cpu = process.cpuUsage();
  started = performance.now();
});

afterAll(async () => {
  const used = process.cpuUsage(cpu);
  const wall = performance.now() - started;
  const name = (expect.getState().testPath ?? 'unknown').replace(/.*\/test\//, '').replace(/\//g, '_');
  if (profile) {
    const { profile: taken } = await session.post('Profiler.stop');
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(taken));
    session.disconnect();
  }
  const at = (ms: number) => ((ms - Number(process.env.TEST_CPU_REPORT_T0 ?? 0)) / 1000).toFixed(1);
  appendFileSync(
    join(dir, 'cpu.tsv'),
    `${name}\t${((used.user + used.system) / 1e6).toFixed(1)}\t${(wall / 1000).toFixed(1)}\t${process.pid}\t${at(performance.timeOrigin + started)}\t${at(Date.now())}\n`,
  );
});
