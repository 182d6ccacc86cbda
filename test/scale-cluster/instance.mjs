/**
 * One instance of the cluster suite, as a child process of its own (so `kill -9` is real): the built
 * server (dist/, `npx tsc -p src/tsconfig.json`) started as `pos-assist serve` starts it, configured from
 * the environment, plus the timings a test cannot wait for in production form — passed as JSON in
 * CLUSTER_SERVER_OPTIONS (how soon an orphaned web chat message is taken up, how often the sweeps run,
 * the outbox's retry delays). Prints `READY <url>` on stdout once the server is ready; SIGTERM closes it
 * properly (a graceful shutdown), SIGKILL is a crash.
 */
import { loadConfig } from '../../dist/app/config.js';
import { createLogger } from '../../dist/app/logger.js';
import { startServer } from '../../dist/app/server.js';

const options = JSON.parse(process.env.CLUSTER_SERVER_OPTIONS || '{}');
const config = loadConfig(process.env);
const logger = createLogger(config);
const server = await startServer(config, logger, options);
await server.ready;
process.stdout.write(`READY ${server.url}\n`);
process.once('SIGTERM', () => {
  void server.close().finally(() => process.exit(0));
});
