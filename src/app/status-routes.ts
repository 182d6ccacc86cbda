/**
 * The routes a supervisor and a load balancer read: `/healthz` (the process answers), `/readyz` (this
 * instance can take turns: the bot is loaded and its database — and Redis, when configured — answer; the
 * body says which failed, and how each channel stands) and, with `METRICS_TOKEN`, `/metrics` for Prometheus.
 */
import type { FastifyPluginAsync } from 'fastify';
import { bearerToken, safeEqual } from '../requests/index.js';
import { AppError } from './errors.js';
import type { Metrics } from './metrics.js';

/** How long `/readyz` waits for the database or Redis before it counts them as down (under a probe's timeout). */
const DEPENDENCY_TIMEOUT_MS = 2_000;

export interface StatusRoutesOptions {
  metrics: Metrics;
  /** The bearer key Prometheus scrapes with; without one the route is not there. */
  metricsToken: string | undefined;
  /** What `/readyz` reports once the bot is loaded; undefined while it is starting (503). */
  readiness: () => Readiness | undefined;
}

export interface Readiness {
  /** Resolves true when the database answers. */
  database: () => Promise<boolean>;
  /** Resolves true when Redis answers; undefined without Redis. */
  redis: (() => Promise<boolean>) | undefined;
  /** The rest of the body: the knowledge base, the model, the channels. */
  details: () => Record<string, unknown>;
}

/** Whether `probe` resolves true within `ms` (a rejection or a hang is false). */
async function answersWithin(ms: number, probe: () => Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([probe().catch(() => false), late]);
  } finally {
    clearTimeout(timer);
  }
}

export const statusRoutes: FastifyPluginAsync<StatusRoutesOptions> = async (app, options) => {
  app.get('/healthz', async () => ({ status: 'ok' }));
  const { metrics, metricsToken } = options;
  if (metricsToken) {
    app.get('/metrics', async (request, reply) => {
      const token = bearerToken(request.headers.authorization);
      if (!token || !safeEqual(token, metricsToken)) throw new AppError('METRICS_UNAUTHORIZED');
      const { contentType, body } = await metrics.scrape();
      return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
    });
  }
  // A load balancer takes an instance out while its database or Redis does not answer: its turns would
  // fail (database) or lose their cross-instance order and fan-out (Redis). The body says which.
  app.get('/readyz', async (_request, reply) => {
    const ready = options.readiness();
    if (!ready) return reply.code(503).send({ status: 'starting' });
    const redis = ready.redis;
    const [databaseUp, redisUp] = await Promise.all([
      answersWithin(DEPENDENCY_TIMEOUT_MS, ready.database),
      redis ? answersWithin(DEPENDENCY_TIMEOUT_MS, redis) : undefined,
    ]);
    const dependencies = { database: databaseUp ? 'up' : 'down', redis: redisUp === undefined ? 'off' : redisUp ? 'up' : 'down' };
    const failed = Object.entries(dependencies).filter(([, state]) => state === 'down').map(([name]) => name);
    const body = {
      status: failed.length > 0 ? 'unavailable' : 'ready',
      ...(failed.length > 0 ? { failed } : {}),
      dependencies,
      ...ready.details(),
    };
    return failed.length > 0 ? reply.code(503).send(body) : body;
  });
};
