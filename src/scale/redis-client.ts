/**
 * Redis connections as every coordination module wants them: they reconnect for ever, and while Redis is
 * away a command fails at once instead of waiting in a queue. Each caller decides what "Redis is away"
 * means for it (run the turn with only this instance's order, let the message through the limit…): a
 * Redis outage degrades coordination, it never stops a turn or crashes the process.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../core/logger.js';

/** A hung Redis must not hold a turn for long: a command that takes longer fails and the caller degrades. */
const COMMAND_TIMEOUT_MS = 2_000;
const CONNECT_TIMEOUT_MS = 2_000;
const MAX_RECONNECT_DELAY_MS = 2_000;

export function connectRedis(url: string, options: { role: string; logger?: Logger }): Redis {
  const client = new Redis(url, {
    connectionName: `pos-assist:${options.role}`,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // Subscriptions are renewed by the bus itself, which then knows when to look for what it missed.
    autoResubscribe: false,
    retryStrategy: (times) => Math.min(times * 100, MAX_RECONNECT_DELAY_MS),
  });
  // Without an 'error' listener ioredis reports every failed reconnection as an unhandled error; one
  // line per outage is what an operator needs.
  let down = false;
  client.on('error', (err: Error) => {
    if (down) return;
    down = true;
    options.logger?.warn({ err, role: options.role }, 'Redis unavailable: coordination degrades until it is back');
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    options.logger?.info({ role: options.role }, 'Redis reachable again');
  });
  return client;
}

/** Resolves true once the client is ready, false if it is not within `timeoutMs` (it keeps trying). */
export function whenReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    client.on('ready', onReady);
  });
}

/** Closes a client whether or not it is connected (QUIT needs a connection; disconnect does not). */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // Falls through: the connection went away while quitting.
    }
  }
  client.disconnect();
}

/** A Lua script run by its hash (sent once per Redis process, again after a Redis restart forgets it). */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/** Logs at most once per interval (a Redis outage would otherwise log once per turn). */
export function throttledWarning(logger: Logger | undefined, intervalMs = 30_000): (context: Record<string, unknown>, message: string) => void {
  let last = 0;
  return (context, message) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    logger?.warn(context, message);
  };
}
