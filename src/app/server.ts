/**
 * The HTTP server: one fastify instance, one port. It listens first, then loads the knowledge base and
 * the bot; `/readyz` and the chat routes answer 503 until that is done. (Building the index on a first
 * start keeps the event loop busy for about a second; health answers right after.)
 *
 * Here the pieces are wired; each lives in its own file: error mapping (`http-errors.ts`), CORS and
 * security headers (`http-security.ts`), health, readiness and metrics (`status-routes.ts`), Direct Line
 * (`/v3/directline`), pages and the token route (`/`, `/widget.js`, `/api/webchat/token`), the agent
 * console, the back office, the other chat platforms (`platform-channels.ts`) and the leader's sweeps
 * (`leader-sweep.ts`). Shutdown: stop accepting, close streams, let the turns in flight finish, close the
 * database.
 */
import { join } from 'node:path';
import multipart from '@fastify/multipart';
import websocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { DirectLineService } from '../channels/webchat/directline-service.js';
import { DirectLineStore } from '../channels/webchat/directline-store.js';
import { directLineRoutes } from '../channels/webchat/directline-routes.js';
import { pageRoutes } from '../channels/webchat/page-routes.js';
import { ConversationQueue } from '../channels/conversation-queue.js';
import { createCoordination } from '../scale/coordination.js';
import { runWhileLeader } from '../scale/leader-election.js';
import { TokenService } from '../channels/webchat/tokens.js';
import { ActivityHub, DIRECTLINE_CHANNEL_ID, WebChatAdapter } from '../channels/webchat/webchat-adapter.js';
import { backofficeRoutes, OutboxWorker } from '../requests/index.js';
import { agentAuth, requireAgent } from '../handoff/agents/index.js';
import { renderWechatLoginPage } from '../channels/wechat/login-page.js';
import { consoleRoutes } from '../handoff/console-routes.js';
import { AuditLog } from '../ops/audit-log.js';
import { opsRoutes } from '../ops/ops-routes.js';
import { KnowledgeEdits } from '../ops/knowledge-edits.js';
import { InboundJournal } from '../channels/inbound-journal.js';
import { openDatabase, SqlStorage } from '../store/index.js';
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { PROJECT_ROOT, type Config } from './config.js';
import { AppError } from './errors.js';
import type { Logger } from './logger.js';
import { createRuntime, type Runtime } from './runtime.js';
import { Metrics } from './metrics.js';
import { httpErrorHandler } from './http-errors.js';
import { allowedOrigins, registerHttpSecurity } from './http-security.js';
import { leaderSweep } from './leader-sweep.js';
import { PlatformChannels } from './platform-channels.js';
import { statusRoutes } from './status-routes.js';
import type { PlatformChannelDeps } from '../channels/channel-adapter.js';

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
  const platforms = new PlatformChannels(config, logger, () => election.isLeader);

  const isAllowedOrigin = allowedOrigins(config);

  app.setErrorHandler(httpErrorHandler(config.webchat));
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'Not found' } }));

  await registerHttpSecurity(app, isAllowedOrigin);
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  await app.register(multipart, {
    limits: { fileSize: config.webchat.uploadMaxBytes, files: config.webchat.uploadMaxFiles + 2, fields: 4 },
  });

  const metrics = new Metrics();
  await app.register(statusRoutes, {
    metrics,
    metricsToken: config.metricsToken,
    readiness: () =>
      service && runtime
        ? {
            database: () => sql`select 1`.execute(database.db).then(() => true),
            redis: coordination.kind === 'redis' ? () => coordination.healthy() : undefined,
            details: () => ({
              chunks: runtime!.knowledge.chunkCount,
              languageModel: runtime!.llm ? 'on' : 'off',
              channels: { webchat: 'up', ...platforms.statuses() },
            }),
          }
        : undefined,
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

  await platforms.registerRoutes(app);

  // The WeChat login QR code for operators (under /agent/api/: needs a console session).
  app.get('/agent/api/wechat', async () => ({ status: platforms.wechatStatus(), qrcode: platforms.wechatLogin().qrcode ?? null }));
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
    reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(await renderWechatLoginPage(platforms.wechatStatus(), platforms.wechatLogin().qrcode, platforms.wechatLogin().user)),
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
    const agents = app.agentAuth.agents;
    const noticeRetryMs = options.noticeRetryMs ?? 60_000;
    const sweepMs = Math.min(5_000, noticeRetryMs);
    // Every instance: a message a dead instance left unanswered is taken up by whoever sweeps first (the
    // turn checks inside its lease that it is still unanswered).
    sweeper = setInterval(() => {
      void ready.answerOrphans().then((n) => n > 0 && logger.info({ messages: n }, 'answering web chat messages an instance left unanswered'), (err: unknown) => logger.error({ err }, 'web chat orphan sweep failed'));
    }, sweepMs);
    sweeper.unref();
    const sweep = leaderSweep({ runtime, agents, agentAwayMinutes: config.handoff.agentAwayMinutes, noticeRetryMs, logger });
    if ((await agents.count()) === 0) {
      logger.warn('no agents yet: create the first one with `npx pos-assist agents add <name> --role supervisor`, then log in at /agent');
    }
    if (outbox.start()) logger.info({ url: config.backoffice.webhookUrl }, 'sending requests to the back office');
    else logger.info('no BACKOFFICE_WEBHOOK_URL: requests wait for review in the agent console');
    // What every platform channel needs from the runtime.
    const rt = runtime;
    const channelDeps: PlatformChannelDeps = {
      attach: (a) => rt.attach(a),
      logic: (c) => rt.bot.run(c),
      transcripts: rt.transcripts,
      filesDir: config.paths.files,
      uploadMaxBytes: config.webchat.uploadMaxBytes,
      inboundLimits: config.chat,
      journal: new InboundJournal(rt.store.db),
      // With REDIS_URL a chat's turns keep their order across instances (webhooks reach any of them).
      turnLock: coordination.turnLock,
      // …and a user's CHAT_MESSAGES_PER_MINUTE is one budget, whichever instances their messages reach.
      rateLimits: (spec) => coordination.rateLimit(spec),
      logger,
    };
    await platforms.start(channelDeps, () => new SqlStorage(rt.store.db));
    // Started and stopped as this instance gains and loses the lead, in this order (the notices at the
    // start go out on the channels just started) and the reverse.
    const singletons = {
      async start() {
        await platforms.startSingletons(channelDeps);
        const notified = await rt.sendPendingNotifications().catch((err: unknown) => {
          logger.error({ err }, 'could not tell merchants of pending decisions');
          return 0;
        });
        if (notified > 0) logger.info({ notified }, 'told merchants of decisions made while the server was down');
        leaderSweeper = setInterval(sweep, sweepMs);
        leaderSweeper.unref();
      },
      async stop() {
        clearInterval(leaderSweeper);
        leaderSweeper = undefined;
        await platforms.stopSingletons();
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
        await platforms.stop();
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
