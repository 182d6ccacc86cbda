/**
 * Several real servers standing for the instances of one deployment: one data directory and one key
 * prefix on the shared test Redis, both removed by the test's cleanups.
 */
import { rmSync } from 'node:fs';
import type { ServerOptions } from '../../src/app/server.js';
import { startTestServer, tempDataDir, type TestServer } from '../webchat/helpers.js';
import { TEST_REDIS_URL, deleteKeys, testPrefix } from './redis.js';

export type Cleanups = (() => Promise<void> | void)[];

export interface Deployment {
  dataDir: string;
  prefix: string;
  /**
   * Starts one more instance (closed by the cleanups); `env` adds to the shared settings, `options` are
   * the server's timings a test shortens.
   */
  instance(env?: Record<string, string>, options?: ServerOptions): Promise<TestServer>;
}

export function deployment(cleanups: Cleanups): Deployment {
  const prefix = testPrefix();
  cleanups.push(() => deleteKeys(prefix));
  const dataDir = tempDataDir();
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  return {
    dataDir,
    prefix,
    async instance(env = {}, options = {}) {
      const server = await startTestServer({ DATA_DIR: dataDir, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix, ...env }, options);
      cleanups.push(() => server.stop());
      return server;
    },
  };
}
