/**
 * The callback URL of a WeChat channel as a fastify plugin (one scope each, with its own XML body parser):
 * `GET <path>` answers the admin console's URL check, `POST <path>` takes a message. A callback that is not
 * authentic (signature, ciphertext, receive ID) is refused with 401 and goes no further; an authentic one
 * whose signed timestamp is more than `maxSkewMs` (5 minutes) from now is refused with 403 and logged — a
 * replay; while the server is still starting the answer is 503 (WeChat retries).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CALLBACK_MAX_SKEW_MS, openCallback, sealReply, timestampSkewMs, verifyUrl, type CallbackQuery, type CallbackSecrets, type CallbackXml } from './callback.js';

export interface CallbackRouteOptions {
  path: string;
  secrets: CallbackSecrets;
  /** `official`: GET echoes `echostr`; `wecom`: GET decrypts it. */
  scheme: 'official' | 'wecom';
  /** Takes an authentic callback; returns the passive reply (XML, sealed here in safe mode) or "success". Undefined while starting. */
  receiver: () => ((xml: CallbackXml) => Promise<string>) | undefined;
  /** How far a callback's timestamp may be from now (default `CALLBACK_MAX_SKEW_MS`, 5 minutes). */
  maxSkewMs?: number;
  now?: () => number;
}

export async function wechatCallbackRoutes(app: FastifyInstance, options: CallbackRouteOptions): Promise<void> {
  app.addContentTypeParser(['text/xml', 'application/xml'], { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => done(null, body));
  const maxSkewMs = options.maxSkewMs ?? CALLBACK_MAX_SKEW_MS;
  const now = options.now ?? Date.now;
  /** Refuses (403) an authentic callback signed too far from now; true when it did. */
  const stale = (request: FastifyRequest, reply: FastifyReply): boolean => {
    const skewMs = timestampSkewMs(request.query as CallbackQuery, now());
    if (skewMs !== undefined && Math.abs(skewMs) <= maxSkewMs) return false;
    request.log.warn(
      { path: options.path, method: request.method, timestamp: (request.query as CallbackQuery).timestamp, skewSeconds: skewMs === undefined ? null : Math.round(skewMs / 1000), maxSkewSeconds: maxSkewMs / 1000 },
      `wechat callback refused: signed timestamp ${skewMs === undefined ? 'missing' : skewMs < 0 ? 'too old' : 'in the future'} (more than ${maxSkewMs / 1000} s from now; a replayed callback?)`,
    );
    void reply.code(403).type('text/plain').send('stale timestamp');
    return true;
  };
  app.get(options.path, async (request, reply) => {
    const echo = verifyUrl(options.secrets, request.query as CallbackQuery, options.scheme);
    if (echo === undefined) return reply.code(401).type('text/plain').send('invalid signature');
    if (stale(request, reply)) return reply;
    return reply.type('text/plain').send(echo);
  });
  app.post(options.path, async (request, reply) => {
    const body = typeof request.body === 'string' ? request.body : '';
    const xml = openCallback(options.secrets, request.query as CallbackQuery, body);
    if (!xml) return reply.code(401).type('text/plain').send('invalid signature');
    if (stale(request, reply)) return reply;
    const receive = options.receiver();
    if (!receive) return reply.code(503).header('retry-after', '5').type('text/plain').send('starting');
    const answer = await receive(xml);
    if (answer === 'success' || answer === '') return reply.type('text/plain').send('success');
    return reply.type('application/xml').send(sealReply(options.secrets, answer));
  });
}
