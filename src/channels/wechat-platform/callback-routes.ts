/**
 * The callback URL of a WeChat channel as a fastify plugin (one scope each, with its own XML body parser):
 * `GET <path>` answers the admin console's URL check, `POST <path>` takes a message. A callback that is not
 * authentic (signature, ciphertext, receive ID) is refused with 401 and goes no further; while the server
 * is still starting the answer is 503 (WeChat retries).
 */
import type { FastifyInstance } from 'fastify';
import { openCallback, sealReply, verifyUrl, type CallbackQuery, type CallbackSecrets, type CallbackXml } from './callback.js';

export interface CallbackRouteOptions {
  path: string;
  secrets: CallbackSecrets;
  /** `official`: GET echoes `echostr`; `wecom`: GET decrypts it. */
  scheme: 'official' | 'wecom';
  /** Takes an authentic callback; returns the passive reply (XML, sealed here in safe mode) or "success". Undefined while starting. */
  receiver: () => ((xml: CallbackXml) => Promise<string>) | undefined;
}

export async function wechatCallbackRoutes(app: FastifyInstance, options: CallbackRouteOptions): Promise<void> {
  app.addContentTypeParser(['text/xml', 'application/xml'], { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => done(null, body));
  app.get(options.path, async (request, reply) => {
    const echo = verifyUrl(options.secrets, request.query as CallbackQuery, options.scheme);
    if (echo === undefined) return reply.code(401).type('text/plain').send('invalid signature');
    return reply.type('text/plain').send(echo);
  });
  app.post(options.path, async (request, reply) => {
    const body = typeof request.body === 'string' ? request.body : '';
    const xml = openCallback(options.secrets, request.query as CallbackQuery, body);
    if (!xml) return reply.code(401).type('text/plain').send('invalid signature');
    const receive = options.receiver();
    if (!receive) return reply.code(503).header('retry-after', '5').type('text/plain').send('starting');
    const answer = await receive(xml);
    if (answer === 'success' || answer === '') return reply.type('text/plain').send('success');
    return reply.type('application/xml').send(sealReply(options.secrets, answer));
  });
}
