/**
 * The HTTP server: one fastify instance, one port. It listens first, then loads the knowledge base and
 * the bot; `/readyz` and the chat routes answer 503 until that is done. (Building the index on a first
 * start keeps the event loop busy for about a second; health answers right after.)
 *
 * Plugins, each in its own file: Direct Line (`/v3/directline`), pages and the token route (`/`,
 * `/widget.js`, `/api/webchat/token`), health. Shutdown: stop accepting, close streams, let the turns in
 * flight finish, close the database.
 */
import { join } from 'node:path';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import websocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { DirectLineService } from '../channels/webchat/directline-service.js';
import { DirectLineStore } from '../channels/webchat/directline-store.js';
import { directLineRoutes, sendError } from '../channels/webchat/directline-routes.js';
import { pageRoutes } from '../channels/webchat/page-routes.js';
import { ConversationQueue } from '../channels/conversation-queue.js';
import { createCoordination } from '../scale/coordination.js';
import { runWhileLeader } from '../scale/leader-election.js';
import { TokenService } from '../channels/webchat/tokens.js';
import { ActivityHub, DIRECTLINE_CHANNEL_ID, WebChatAdapter } from '../channels/webchat/webchat-adapter.js';
import { t, type Locale, type MessageKey } from '../i18n/messages.js';
import { backofficeRoutes, bearerToken, OutboxWorker, safeEqual } from '../requests/index.js';
import { agentAuth, requireAgent } from '../handoff/agents/index.js';
import { renderWechatLoginPage } from '../channels/wechat/login-page.js';
import { consoleRoutes } from '../handoff/console-routes.js';
import { AuditLog } from '../ops/audit-log.js';
import { opsRoutes } from '../ops/ops-routes.js';
import { KnowledgeEdits } from '../ops/knowledge-edits.js';
import { startTelegram, telegramWebhookPath, telegramWebhookRoutes, type TelegramChannel } from '../channels/telegram/index.js';
import type { WechatChannel } from '../channels/wechat/index.js';
import { InboundJournal } from '../channels/inbound-journal.js';
import { officialSecrets, startWechatOfficial, type WechatOfficialChannel } from '../channels/wechat-official/index.js';
import { wechatCallbackRoutes } from '../channels/wechat-platform/index.js';
import { kfSecrets, startWecomKf, type WecomKfChannel } from '../channels/wecom-kf/index.js';
import { isDatabaseUnavailable, openDatabase, SqlStorage } from '../store/index.js';
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { PROJECT_ROOT, type Config } from './config.js';
import { AppError, type ErrorCode } from './errors.js';
import type { Logger } from './logger.js';
import { createRuntime, type Runtime } from './runtime.js';
import { Metrics } from './metrics.js';

export interface Server {
  app: FastifyInstance;
  /** Resolves when the bot is loaded and the chat routes answer. */
  ready: Promise<void>;
  /** The origin the server listens on, e.g. http://127.0.0.1:3978. */
  url: string;
  runtime(): Runtime | undefined;
  /** This server's Prometheus metrics (its own registry). */
  metrics: Metrics;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** Where the built widget and demo page are (default: dist/public). */
  publicDir?: string;
  /** Port override (0 = any free port; tests). */
  port?: number;
  /** Outbox retry timing (tests shorten it; production uses the worker's defaults: 2 s … 10 min). */
  outbox?: { baseDelayMs?: number; maxDelayMs?: number; pollIntervalMs?: number };
  /** How often undelivered decision notices are retried, and how old they must be (default 60 s; tests shorten it). */
  noticeRetryMs?: number;
  /** How often an open console socket re-checks its session (default 15 s; tests shorten it). */
  consoleSessionCheckMs?: number;
  /** With REDIS_URL: how long a web chat message stays unanswered before any instance answers it (default 60 s; tests shorten it). */
  orphanAfterMs?: number;
  /**
   * With REDIS_URL: the turn lock's lease and the leader's lease (default 15 s each). Not an operator
   * setting: the cluster suite shortens them so that a killed instance's lease runs out in seconds.
   */
  turnLeaseMs?: number;
  leaderTtlMs?: number;
}

/** User-facing text for the errors a browser may show. */
const USER_MESSAGES: Partial<Record<ErrorCode, MessageKey>> = {
  DL_TEXT_TOO_LONG: 'errTextTooLong',
  DL_RATE_LIMITED: 'errRateLimited',
  DL_TOO_MANY_ATTACHMENTS: 'errTooManyFiles',
  DL_ATTACHMENT_TOO_LARGE: 'errFileTooLarge',
  DL_UPLOAD_QUOTA: 'errUploadQuota',
  DL_ATTACHMENT_TYPE: 'errFileType',
  DL_TOKEN_EXPIRED: 'errSessionExpired',
  DL_UNAUTHORIZED: 'errSessionExpired',
  DL_FORBIDDEN: 'errForbidden',
  SERVER_NOT_READY: 'errNotReady',
  STORAGE_UNAVAILABLE: 'errStorageUnavailable',
  WEBCHAT_ORIGIN_FORBIDDEN: 'errOriginForbidden',
  DL_BAD_REQUEST: 'errBadRequest',
  DL_NOT_FOUND: 'errNotFound',
};

function requestLocale(request: FastifyRequest): Locale {
  const header = request.headers['accept-language'];
  return typeof header === 'string' && /^en\b/i.test(header.trim()) ? 'en' : 'zh-CN';
}

/** "10", "1.5", "0.5": a size limit as merchants read it (never "0 MB"). */
function formatMb(bytes: number): string {
  const mb = bytes / 1024 / 1024;
  return mb >= 10 ? String(Math.round(mb)) : String(Math.round(mb * 10) / 10);
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
/** How often expired merchant data is deleted (retention). */
const PURGE_INTERVAL_MS = 86_400_000;

/** How long `/readyz` waits for the database or Redis before it counts them as down (under a probe's timeout). */
const DEPENDENCY_TIMEOUT_MS = 2_000;

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

/** Trust the nearest `hops` proxies (fastify takes a hop count at run time, its types only a function). */
function trustHops(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}

export async function startServer(config: Config, logger: Logger, options: ServerOptions = {}): Promise<Server> {
  const publicDir = options.publicDir ?? join(PROJECT_ROOT, 'dist', 'public');
  const app = Fastify({
    loggerInstance: logger as unknown as FastifyBaseLogger,
    // Per-request lines only when debugging: at info level a chat server would log every poll.
    logController: new LogController({ disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace' }),
    bodyLimit: 256 * 1024,
    forceCloseConnections: true,
    // Behind a proxy, request.ip (rate limits, login back-off) is the client's, not the proxy's.
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
  });

  let runtime: Runtime | undefined;
  let service: DirectLineService | undefined;
  const tokens = new TokenService({
    secret: config.webchat.directLineSecret,
    keyFile: join(config.dataDir, 'secrets', 'directline-signing.key'),
    ttlSeconds: config.webchat.tokenTtlSeconds,
  });
  const getService = (): DirectLineService => {
    if (!service) throw new AppError('SERVER_NOT_READY');
    return service;
  };
  // REDIS_URL: web chat streams, turn order and rate limits span the instances (README, Scaling: Redis).
  const coordination = createCoordination({
    redisUrl: config.redis.url,
    prefix: config.redis.keyPrefix,
    logger,
    turnLeaseMs: options.turnLeaseMs,
    leaderTtlMs: options.leaderTtlMs,
  });
  // What must run once in the deployment (Telegram long polling, the WeChat puppet, the sweeps that send
  // or change things) runs on the instance this elects; in process it is always this one.
  const election = coordination.election('singletons');
  let stopSingletons: (() => Promise<void>) | undefined;

  const isAllowedOrigin = (origin: string, request?: FastifyRequest): boolean => {
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

  const handleError = (err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    if (err instanceof AppError) {
      const key = USER_MESSAGES[err.code];
      const locale = requestLocale(request);
      const vars = {
        max: Number(err.details?.max ?? config.webchat.maxTextLength),
        seconds: Number(err.details?.retryAfterSeconds ?? 60),
        mb: formatMb(config.webchat.uploadMaxBytes),
      };
      if (err.code === 'DL_TOO_MANY_ATTACHMENTS') vars.max = config.webchat.uploadMaxFiles;
      if (err.code === 'DL_UPLOAD_QUOTA') vars.mb = formatMb(config.webchat.uploadConversationMaxBytes);
      const shown = key ? new AppError(err.code, undefined, { details: err.details }) : err;
      if (key) Object.defineProperty(shown, 'message', { value: t(locale, key, vars) });
      if (err.status >= 500) request.log.error({ err }, 'request failed');
      return sendError(reply, shown);
    }
    // The database does not answer (an outage, a failover): "try again shortly" (503, as /readyz says),
    // not a bare internal error — the merchant's message was not taken and may be sent again.
    if (isDatabaseUnavailable(err)) return handleError(new AppError('STORAGE_UNAVAILABLE', undefined, { cause: err }), request, reply);
    // Errors of fastify and its plugins that have a precise meaning here.
    const fcode = (err as { code?: string }).code;
    if (fcode === 'FST_ERR_CTP_BODY_TOO_LARGE') return handleError(new AppError('DL_TEXT_TOO_LONG', 'request body too large'), request, reply);
    if (fcode === 'FST_FILES_LIMIT') return handleError(new AppError('DL_TOO_MANY_ATTACHMENTS', 'files limit'), request, reply);
    if (fcode === 'FST_REQ_FILE_TOO_LARGE') return handleError(new AppError('DL_ATTACHMENT_TOO_LARGE', 'file size limit'), request, reply);
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) request.log.error({ err }, 'request failed');
    const code = status === 413 ? 'DL_ATTACHMENT_TOO_LARGE' : status < 500 ? 'DL_BAD_REQUEST' : 'INTERNAL';
    return reply.code(status).send({ error: { code, message: status < 500 ? (err as Error).message : 'Internal error' } });
  };
  app.setErrorHandler((err, request, reply) => handleError(err, request, reply));
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'Not found' } }));

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
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  await app.register(multipart, {
    limits: { fileSize: config.webchat.uploadMaxBytes, files: config.webchat.uploadMaxFiles + 2, fields: 4 },
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  // Prometheus scrapes with METRICS_TOKEN as a bearer key; without one configured the route is not there.
  const metrics = new Metrics();
  const metricsToken = config.metricsToken;
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
    if (!service) return reply.code(503).send({ status: 'starting' });
    const [databaseUp, redisUp] = await Promise.all([
      answersWithin(DEPENDENCY_TIMEOUT_MS, () => sql`select 1`.execute(database.db).then(() => true)),
      coordination.kind === 'redis' ? answersWithin(DEPENDENCY_TIMEOUT_MS, () => coordination.healthy()) : undefined,
    ]);
    const dependencies = { database: databaseUp ? 'up' : 'down', redis: redisUp === undefined ? 'off' : redisUp ? 'up' : 'down' };
    const failed = Object.entries(dependencies).filter(([, state]) => state === 'down').map(([name]) => name);
    const body = {
      status: failed.length > 0 ? 'unavailable' : 'ready',
      ...(failed.length > 0 ? { failed } : {}),
      dependencies,
      chunks: runtime!.knowledge.chunkCount,
      languageModel: runtime!.llm ? 'on' : 'off',
      channels: { webchat: 'up', telegram: telegramStatus, wechat: wechatStatus(), wechatOfficial: wechatOfficialStatus(), wecomKf: wecomKfStatus() },
    };
    return failed.length > 0 ? reply.code(503).send(body) : body;
  });

  await app.register(directLineRoutes, {
    prefix: '/v3/directline',
    service: getService,
    tokens,
    filesDir: config.paths.files,
    uploadMaxBytes: config.webchat.uploadMaxBytes,
    uploadMaxFiles: config.webchat.uploadMaxFiles,
    uploadConversationMaxBytes: config.webchat.uploadConversationMaxBytes,
    publicUrl: config.publicUrl,
    bindMerchant: async (userId, merchantId) => {
      if (!runtime) throw new AppError('SERVER_NOT_READY');
      await runtime.identities.bind({ channelId: DIRECTLINE_CHANNEL_ID, userId }, merchantId, 'site');
    },
  });
  // The database opens first: the agent console's login needs it before the bot has loaded.
  const database = await openDatabase({ filename: config.paths.database, url: config.databaseUrl });
  const getRuntime = (): Runtime => {
    if (!runtime || !service) throw new AppError('SERVER_NOT_READY');
    return runtime;
  };
  // Not encapsulated: its guard covers every /agent/api/ route (401 without a session, CSRF on changes).
  const audit = new AuditLog(database.db);
  await app.register(agentAuth, { db: database.db, config, audit });
  await app.register(async (consoleScope) => {
    await consoleScope.register(consoleRoutes, {
      db: database.db,
      service: () => getRuntime().handoff,
      requests: () => getRuntime().requests,
      notifyRequest: (request, event) => getRuntime().notify(request, event),
      filesDir: config.paths.files,
      uploadMaxBytes: config.webchat.uploadMaxBytes,
      consoleDir: join(publicDir, 'agent'),
      sessionCheckMs: options.consoleSessionCheckMs,
      identities: () => getRuntime().identities,
      audit,
    });
    await consoleScope.register(opsRoutes, { db: database.db, audit, timeZone: config.timeZone, edits: new KnowledgeEdits(database.db, audit), knowledge: () => getRuntime().knowledge });
  });

  let wechat: WechatChannel | undefined;
  let wechatFailed = false;
  const wechatStatus = (): string => (config.wechat.puppet ? (wechatFailed ? 'failed' : (wechat?.status() ?? (election.isLeader ? 'starting' : 'standby'))) : 'off');
  let telegram: TelegramChannel | undefined;
  // 'standby': polling runs on the leader, another instance (this one still sends: notices, agents' replies).
  let telegramStatus: 'off' | 'starting' | 'up' | 'standby' | 'failed' = config.telegram.botToken ? 'starting' : 'off';
  if (config.telegram.botToken && config.telegram.webhookUrl) {
    await app.register(telegramWebhookRoutes, {
      adapter: () => telegram?.adapter,
      secretToken: config.telegram.webhookSecret!,
      path: telegramWebhookPath(config.telegram),
    });
  }

  // The Official Account and WeCom 微信客服 call their URLs (each its own scope, with its XML body parser).
  let wechatOfficial: WechatOfficialChannel | undefined;
  let wechatOfficialFailed = false;
  const wechatOfficialStatus = (): string =>
    config.wechatOfficial.appId ? (wechatOfficialFailed ? 'failed' : (wechatOfficial?.status() ?? 'starting')) : 'off';
  if (config.wechatOfficial.appId) {
    await app.register(wechatCallbackRoutes, {
      path: config.wechatOfficial.path,
      secrets: officialSecrets(config.wechatOfficial),
      scheme: 'official',
      receiver: () => (wechatOfficial ? (xml) => wechatOfficial!.adapter.receive(xml) : undefined),
    });
  }
  let wecomKf: WecomKfChannel | undefined;
  let wecomKfFailed = false;
  const wecomKfStatus = (): string => (config.wecomKf.corpId ? (wecomKfFailed ? 'failed' : (wecomKf?.status() ?? 'starting')) : 'off');
  if (config.wecomKf.corpId) {
    await app.register(wechatCallbackRoutes, {
      path: config.wecomKf.path,
      secrets: kfSecrets(config.wecomKf),
      scheme: 'wecom',
      receiver: () => (wecomKf ? (xml) => wecomKf!.adapter.receive(xml) : undefined),
    });
  }

  // The WeChat login QR code for operators (under /agent/api/: needs a console session).
  app.get('/agent/api/wechat', async () => ({ status: wechatStatus(), qrcode: wechat?.qrcode() ?? null }));
  // The language model's settings (never the key) and its last 24 hours: calls, outcomes, tokens, latency.
  app.get('/agent/api/llm', async () => {
    const rt = getRuntime();
    const endpoint = (url: string | undefined) => (url ? new URL(url).origin + new URL(url).pathname : 'https://api.openai.com/v1');
    return {
      configured: rt.llm !== undefined,
      ...(rt.llm ? { model: rt.llm.model, endpoint: endpoint(config.llm.baseUrl), structuredOutput: rt.llm.structuredOutput, timeoutMs: config.llm.timeoutMs } : {}),
      embeddings: { provider: config.embeddings.provider, ...(config.embeddings.provider === 'openai' ? { model: config.embeddings.model, endpoint: endpoint(config.embeddings.baseUrl) } : {}) },
      last24h: await rt.llmCalls.summary(),
    };
  });
  app.get('/agent/wechat', { onRequest: requireAgent }, async (_request, reply) =>
    reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(await renderWechatLoginPage(wechatStatus(), wechat?.qrcode(), wechat?.user())),
  );

  await app.register(backofficeRoutes, {
    requests: () => {
      if (!runtime || !service) throw new AppError('SERVER_NOT_READY');
      return runtime.requests;
    },
    apiKey: config.backoffice.apiKey,
    notify: (request, event) => runtime!.notify(request, event),
    filesDir: config.paths.files,
    identities: () => {
      if (!runtime) throw new AppError('SERVER_NOT_READY');
      return runtime.identities;
    },
  });
  await app.register(pageRoutes, {
    publicDir,
    service: getService,
    tokens,
    isAllowedOrigin,
    tokensPerMinute: config.webchat.tokensPerMinute,
    tokenRateLimit: coordination.rateLimit({ name: 'webchat-tokens', limit: config.webchat.tokensPerMinute }),
  });

  const address = await app.listen({ port: options.port ?? config.port, host: config.host });
  const url = address.replace('0.0.0.0', '127.0.0.1');

  let outbox: OutboxWorker | undefined;
  let sweeper: NodeJS.Timeout | undefined;
  let leaderSweeper: NodeJS.Timeout | undefined;
  const ready = (async () => {
    runtime = await createRuntime(config, logger, { onOutbox: () => outbox?.wake(), store: database, metrics });
    outbox = new OutboxWorker({
      db: runtime.store.db,
      url: config.backoffice.webhookUrl,
      secret: config.backoffice.webhookSecret,
      logger,
      onAttempt: (outcome) => metrics.outboxAttempt(outcome),
      ...options.outbox,
    });
    if (!(await coordination.ready(2_000))) logger.warn('Redis does not answer yet: web chat coordination degrades until it does');
    const hub = new ActivityHub(undefined, coordination.bus);
    const store = new DirectLineStore(runtime.store.db);
    const adapter = new WebChatAdapter({ transcripts: runtime.transcripts, store, hub, queue: new ConversationQueue(coordination.turnLock) });
    const handoffService = runtime.handoff;
    // The console's live updates reach agents on every instance; after a gap each instance's consoles get
    // the queue afresh (chat events missed meanwhile show when the chat is opened again).
    handoffService.hub.connect(coordination.bus, () => {
      if (handoffService.hub.size === 0) return;
      void handoffService.queue().then(
        (handoffs) => handoffService.hub.broadcastLocal({ type: 'queue', handoffs }),
        (err: unknown) => logger.warn({ err }, 'could not refresh the consoles after a gap'),
      );
    });
    metrics.setSources({
      db: runtime.store.db,
      directLineStreams: () => hub.totalListeners(),
      consoleSockets: () => handoffService.hub.size,
      availability: () => handoffService.availability(),
    });
    runtime.attach(adapter);
    const bot = runtime.bot;
    const ready = new DirectLineService({
      store,
      hub,
      adapter,
      logic: (context) => bot.run(context),
      limits: { maxTextLength: config.webchat.maxTextLength, messagesPerMinute: config.webchat.messagesPerMinute },
      rateLimit: coordination.rateLimit({ name: 'dl-messages', limit: config.webchat.messagesPerMinute }),
      // One instance answers what it left unanswered when it starts; with several, a dead one's messages wait for no start.
      orphanAfterMs: coordination.kind === 'redis' ? (options.orphanAfterMs ?? 60_000) : undefined,
      onError: (err, context) => logger.error({ err, ...context }, 'web chat turn failed'),
    });
    const replayed = await ready.replayPending();
    if (replayed > 0) logger.info({ replayed }, 'answered messages left unprocessed by the previous run');
    service = ready;
    // Files an agent sends reach the merchant like the bot's: registered with the conversation, by URL.
    const publicBase = config.publicUrl ?? url;
    runtime.handoff.connect({
      ...runtime.handoffDelivery,
      async fileAttachment(handoff, file) {
        if (handoff.channelId === adapter.channelId) {
          await store.addFile(handoff.conversationId, file.file, file.contentType, file.size);
          return { contentType: file.contentType, contentUrl: `${publicBase}/v3/directline/conversations/${encodeURIComponent(handoff.conversationId)}/files/${file.file}`, name: file.name };
        }
        return { contentType: file.contentType, contentUrl: pathToFileURL(join(config.paths.files, file.file)).href, name: file.name };
      },
    });
    const handoffs = runtime.handoff;
    const agents = app.agentAuth.agents;
    const noticeRetryMs = options.noticeRetryMs ?? 60_000;
    let lastNoticeRetry = Date.now();
    let noticeRetrying = false;
    // Retention runs at start (createRuntime) and then once a day.
    let lastPurge = Date.now();
    const sweepMs = Math.min(5_000, noticeRetryMs);
    // Every instance: a message a dead instance left unanswered is taken up by whoever sweeps first (the
    // turn checks inside its lease that it is still unanswered).
    sweeper = setInterval(() => {
      void ready.answerOrphans().then((n) => n > 0 && logger.info({ messages: n }, 'answering web chat messages an instance left unanswered'), (err: unknown) => logger.error({ err }, 'web chat orphan sweep failed'));
    }, sweepMs);
    sweeper.unref();
    // The leader only: two instances would send the same notice twice, and race on handoffs and presence.
    const leaderSweep = () => {
      // Unclaimed handoffs become tickets; idle agents are shown as away.
      void handoffs.sweep().catch((err: unknown) => logger.error({ err }, 'handoff sweep failed'));
      void agents.markIdleAway(config.handoff.agentAwayMinutes).catch((err: unknown) => logger.error({ err }, 'presence sweep failed'));
      // A decision whose notice failed (a channel briefly down) is told again, not only at the next start.
      // One retry at a time: a batch still sending when the next is due would find the same notices not yet
      // marked told and send them twice (seen under load with a short retry interval).
      if (!noticeRetrying && Date.now() - lastNoticeRetry >= noticeRetryMs) {
        lastNoticeRetry = Date.now();
        noticeRetrying = true;
        void runtime!
          .sendPendingNotifications({ olderThanMs: noticeRetryMs })
          .then((sent) => sent > 0 && logger.info({ sent }, 'told merchants of decisions whose notice had failed'))
          .catch((err: unknown) => logger.error({ err }, 'notice retry failed'))
          .finally(() => {
            noticeRetrying = false;
          });
      }
      if (Date.now() - lastPurge >= PURGE_INTERVAL_MS) {
        lastPurge = Date.now();
        void runtime!.purgeExpired().catch((err: unknown) => logger.error({ err }, 'retention purge failed'));
      }
    };
    if ((await agents.count()) === 0) {
      logger.warn('no agents yet: create the first one with `npx pos-assist agents add <name> --role supervisor`, then log in at /agent');
    }
    if (outbox.start()) logger.info({ url: config.backoffice.webhookUrl }, 'sending requests to the back office');
    else logger.info('no BACKOFFICE_WEBHOOK_URL: requests wait for review in the agent console');
    // What every platform channel needs from the runtime. A channel that cannot start (wrong token,
    // API unreachable, bad puppet) is logged and shown in /readyz; the other channels stay up.
    const rt = runtime;
    const channelDeps = {
      attach: (a: Parameters<Runtime['attach']>[0]) => rt.attach(a),
      logic: (c: Parameters<Runtime['bot']['run']>[0]) => rt.bot.run(c),
      transcripts: rt.transcripts,
      filesDir: config.paths.files,
      uploadMaxBytes: config.webchat.uploadMaxBytes,
      inboundLimits: config.chat,
      journal: new InboundJournal(rt.store.db),
      // With REDIS_URL a chat's turns keep their order across instances (webhooks reach any of them).
      turnLock: coordination.turnLock,
      // …and a user's CHAT_MESSAGES_PER_MINUTE is one budget, whichever instances their messages reach.
      rateLimits: (spec: Parameters<typeof coordination.rateLimit>[0]) => coordination.rateLimit(spec),
      logger,
    };
    if (config.telegram.botToken) {
      try {
        telegram = await startTelegram({ ...channelDeps, config: config.telegram, deferPolling: true });
        telegramStatus = telegram.mode === 'polling' ? 'standby' : 'up';
        logger.info({ mode: telegram.mode }, 'Telegram channel started');
      } catch (err) {
        telegramStatus = 'failed';
        logger.error({ err }, 'Telegram channel could not start');
      }
    }
    if (config.wechatOfficial.appId) {
      try {
        wechatOfficial = await startWechatOfficial({ ...channelDeps, config: config.wechatOfficial, storage: new SqlStorage(rt.store.db) });
        logger.info({ path: config.wechatOfficial.path, status: wechatOfficial.status() }, 'Official Account channel started');
      } catch (err) {
        wechatOfficialFailed = true;
        logger.error({ err }, 'Official Account channel could not start');
      }
    }
    if (config.wecomKf.corpId) {
      try {
        wecomKf = await startWecomKf({ ...channelDeps, config: config.wecomKf, storage: new SqlStorage(rt.store.db) });
        logger.info({ path: config.wecomKf.path, status: wecomKf.status() }, 'WeCom customer-service channel started');
      } catch (err) {
        wecomKfFailed = true;
        logger.error({ err }, 'WeCom customer-service channel could not start');
      }
    }
    // Started and stopped as this instance gains and loses the lead, in this order (the notices at the
    // start go out on the channels just started) and the reverse.
    const singletons = {
      async start() {
        const polling = telegram?.polling;
        if (polling) {
          try {
            await polling.start();
            telegramStatus = 'up';
          } catch (err) {
            telegramStatus = 'failed';
            logger.error({ err }, 'Telegram polling could not start');
          }
        }
        if (config.wechat.puppet) {
          try {
            wechatFailed = false;
            // wechaty takes seconds to load: only a server with a puppet configured pays for it.
            const { startWechat } = await import('../channels/wechat/index.js');
            wechat = await startWechat({ ...channelDeps, config: config.wechat });
            logger.info({ puppet: config.wechat.puppet }, 'WeChat channel started; waiting for login (scan the QR code)');
          } catch (err) {
            wechatFailed = true;
            logger.error({ err }, 'WeChat channel could not start');
          }
        }
        const notified = await rt.sendPendingNotifications().catch((err: unknown) => {
          logger.error({ err }, 'could not tell merchants of pending decisions');
          return 0;
        });
        if (notified > 0) logger.info({ notified }, 'told merchants of decisions made while the server was down');
        leaderSweeper = setInterval(leaderSweep, sweepMs);
        leaderSweeper.unref();
      },
      async stop() {
        clearInterval(leaderSweeper);
        leaderSweeper = undefined;
        await wechat?.stop();
        wechat = undefined;
        if (telegram?.polling) {
          await telegram.polling.stop();
          if (telegramStatus === 'up') telegramStatus = 'standby';
        }
      },
    };
    let firstStart!: () => void;
    const started = new Promise<void>((resolve) => (firstStart = resolve));
    stopSingletons = runWhileLeader(
      election,
      { start: () => singletons.start().finally(firstStart), stop: () => singletons.stop() },
      (err) => logger.error({ err }, 'the singletons could not start or stop'),
    );
    election.start();
    // Alone (no REDIS_URL) this instance leads at once: ready means polling and the puppet run, as before.
    if (election.isLeader) await started;
    logger.info({ url, chunks: runtime.knowledge.chunkCount }, 'POS Assist is ready');
  })();
  ready.catch((err: unknown) => logger.fatal({ err }, 'start-up failed'));

  let closing: Promise<void> | undefined;
  return {
    app,
    ready,
    url,
    runtime: () => runtime,
    metrics,
    close() {
      closing ??= (async () => {
        await app.close();
        await ready.catch(() => undefined);
        clearInterval(sweeper);
        // Stepping down after the singletons stopped (the polling offset confirmed): another instance
        // takes over at its next try instead of when the lease runs out.
        await stopSingletons?.();
        await election.stop();
        await telegram?.stop();
        await wechatOfficial?.stop();
        await wecomKf?.stop();
        runtime?.handoff.hub.closeAll();
        await service?.drain();
        await coordination.close();
        await outbox?.stop();
        if (runtime) await runtime.close();
        else await database.close();
      })();
      return closing;
    },
  };
}
