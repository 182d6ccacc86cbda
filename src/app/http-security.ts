/**
 * What browsers are allowed: which pages may call the API (CORS: localhost, `WEBCHAT_ALLOWED_ORIGINS`,
 * `PUBLIC_URL`'s origin, the server's own pages) and the security headers every response carries (a
 * strict Content-Security-Policy; the widget script may be embedded by the provider's other sites).
 */
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from './config.js';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether a page of this origin may use the API (`request`: the server's own pages are). */
export type OriginPolicy = (origin: string, request?: FastifyRequest) => boolean;

export function allowedOrigins(config: Pick<Config, 'webchat' | 'publicUrl'>): OriginPolicy {
  return (origin: string, request?: FastifyRequest): boolean => {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if (LOCAL_HOSTS.has(url.hostname)) return true;
    if (config.webchat.allowedOrigins.includes(url.origin)) return true;
    if (config.publicUrl && new URL(config.publicUrl).origin === url.origin) return true;
    // The server's own pages (same origin as the request).
    return request !== undefined && url.host === request.host;
  };
}

export async function registerHttpSecurity(app: FastifyInstance, isAllowedOrigin: OriginPolicy): Promise<void> {
  await app.register(cors, {
    // Browsers elsewhere may call the API only from allowed pages; requests without Origin pass.
    origin: (origin, cb) => cb(null, origin === undefined || isAllowedOrigin(origin)),
    methods: ['GET', 'POST', 'OPTIONS'],
    exposedHeaders: ['retry-after'],
    maxAge: 600,
  });
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'", 'ws:', 'wss:'],
        frameAncestors: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
      },
    },
    // The widget script is embedded by the provider's other sites.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    crossOriginEmbedderPolicy: false,
  });
}
