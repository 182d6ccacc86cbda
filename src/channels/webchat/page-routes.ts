/**
 * What a browser loads: the demo support page at `/`, the widget script, and the token route the page
 * (or any allowed page) calls to open a conversation — so the Direct Line secret never reaches a browser.
 */
import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import type { DirectLineService } from './directline-service.js';
import { InProcessRateLimit, type RateLimit } from '../../scale/rate-limit.js';
import type { TokenService } from './tokens.js';

export interface PageRouteOptions {
  publicDir: string;
  service: () => DirectLineService;
  tokens: TokenService;
  isAllowedOrigin: (origin: string, request: FastifyRequest) => boolean;
  tokensPerMinute: number;
  /** The token route's budget per client address, shared by every instance when it is kept in Redis. */
  tokenRateLimit?: RateLimit;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

export async function pageRoutes(app: FastifyInstance, options: PageRouteOptions): Promise<void> {
  // Built assets are small and immutable for the life of the process: read once, serve from memory.
  const cache = new Map<string, Buffer>();
  const asset = (name: string): Buffer | undefined => {
    if (!cache.has(name)) {
      const path = join(options.publicDir, name);
      if (!existsSync(path)) return undefined;
      cache.set(name, readFileSync(path));
    }
    return cache.get(name);
  };

  app.get('/', async (_request, reply) => {
    const html = asset('index.html');
    if (!html) throw new AppError('DL_NOT_FOUND', 'the demo page is not built (npm run build)');
    return reply.type(TYPES['.html']!).header('cache-control', 'no-cache').send(html);
  });

  app.get<{ Params: { name: string } }>('/:name', async (request, reply) => {
    const { name } = request.params;
    const body = /^[\w-]+(\.[\w-]+)*\.(js|css|map|svg|png|ico)$/.test(name) ? asset(name) : undefined;
    if (!body) throw new AppError('DL_NOT_FOUND');
    return reply
      .type(TYPES[extname(name)] ?? 'application/octet-stream')
      .header('cache-control', 'public, max-age=300')
      .send(body);
  });

  const limiter = options.tokenRateLimit ?? new InProcessRateLimit({ name: 'webchat-tokens', limit: options.tokensPerMinute });
  app.post('/api/webchat/token', async (request, reply) => {
    const origin = request.headers.origin;
    // Browsers always send Origin on a POST; a page of another site must not mint tokens here.
    if (typeof origin !== 'string' || !options.isAllowedOrigin(origin, request)) throw new AppError('WEBCHAT_ORIGIN_FORBIDDEN');
    const wait = await limiter.take(request.ip);
    if (wait > 0) throw new AppError('DL_RATE_LIMITED', 'token route', { details: { retryAfterSeconds: Math.ceil(wait / 1000) } });
    const { conversationId, userId } = await options.service().createConversation();
    const issued = await options.tokens.issue({ conversationId, userId });
    return reply.header('cache-control', 'no-store').send({ conversationId, userId, ...issued });
  });
}
