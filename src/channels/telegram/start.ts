/**
 * Starting the Telegram channel, and its webhook route.
 *
 * `startTelegram` builds the adapter, attaches it to the runtime, registers the command menu (zh and en),
 * runs the updates a previous process stored but did not finish (../inbound-journal.ts), and then either
 * polls (`getUpdates`, the default: no public address needed) or, with `TELEGRAM_WEBHOOK_URL`, registers
 * the webhook with its secret. In webhook mode the server must also serve `telegramWebhookRoutes` at the
 * URL's path (`telegramWebhookPath(config.telegram)`).
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { webhookCallback } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { PlatformChannelDeps } from '../channel-adapter.js';
import { COMMAND_MENU } from './messages.js';
import { TELEGRAM_ALLOWED_UPDATES, TelegramAdapter, type TelegramAdapterOptions } from './telegram-adapter.js';
import { AppError } from '../../core/errors.js';

/** The channel's settings (`config.telegram`, from the `TELEGRAM_*` variables). */
export interface TelegramConfig {
  /** The token @BotFather gave; unset = no Telegram channel. */
  readonly botToken: string | undefined;
  /** Public https URL Telegram posts updates to (webhook mode); unset = long polling. */
  readonly webhookUrl: string | undefined;
  /** Secret Telegram sends in `X-Telegram-Bot-Api-Secret-Token` with every webhook call; required with the URL. */
  readonly webhookSecret: string | undefined;
  /** Bot API server (the official one, or a self-hosted Bot API server; tests use a local fake). */
  readonly apiRoot: string;
  /** Where the channel keeps its small state file (long button answers). Absolute. */
  readonly stateDir: string;
}

export interface TelegramDeps extends PlatformChannelDeps {
  config: TelegramConfig;
  /** The bot's user as `getMe` returns it (tests); unset, `getMe` is called at start. */
  botInfo?: UserFromGetMe;
  /** Adapter options for tests (retry limits, download timeout, streamed-reply edit interval). */
  adapterOptions?: Pick<TelegramAdapterOptions, 'retry' | 'downloadTimeoutMs' | 'streamEditIntervalMs'>;
  /**
   * Long polling waits for `channel.polling.start()` (the server starts it on the elected leader only: two
   * pollers of one bot steal each other's updates). Default: polling starts here.
   */
  deferPolling?: boolean;
}

export interface TelegramChannel {
  adapter: TelegramAdapter;
  mode: 'polling' | 'webhook';
  /**
   * Polling mode: starts and stops `getUpdates` alone, the adapter staying up (it still sends: notices,
   * agents' replies). `start` throws when polling fails before it began (401, 409).
   */
  polling?: { start(): Promise<void>; stop(): Promise<void> };
  /** Stops polling (the offset is confirmed), then waits for updates and turns in progress. */
  stop(): Promise<void>;
}

/** Registers `/start /help /status /human` in Chinese (also the default for other languages) and English. */
export async function registerCommands(adapter: TelegramAdapter): Promise<void> {
  const api = adapter.bot.api;
  await api.setMyCommands(COMMAND_MENU['zh-CN']);
  await api.setMyCommands(COMMAND_MENU['zh-CN'], { language_code: 'zh' });
  await api.setMyCommands(COMMAND_MENU.en, { language_code: 'en' });
}

export async function startTelegram(deps: TelegramDeps): Promise<TelegramChannel> {
  const { config, logger } = deps;
  if (!config.botToken) throw new AppError('CONFIG_INVALID', 'telegram: TELEGRAM_BOT_TOKEN is not set');
  const log = logger.child({ channel: 'telegram' });
  const adapter = new TelegramAdapter({
    token: config.botToken,
    apiRoot: config.apiRoot,
    ...(deps.botInfo ? { botInfo: deps.botInfo } : {}),
    transcripts: deps.transcripts,
    filesDir: deps.filesDir,
    uploadMaxBytes: deps.uploadMaxBytes,
    stateDir: config.stateDir,
    journal: deps.journal,
    logic: deps.logic,
    ...(deps.turnLock ? { turnLock: deps.turnLock } : {}),
    ...(deps.rateLimits ? { rateLimits: deps.rateLimits } : {}),
    logger: log,
    ...(deps.inboundLimits ? { inboundLimits: deps.inboundLimits } : {}),
    ...deps.adapterOptions,
  });
  const bot = adapter.bot;
  // getMe (unless given): a wrong token stops here with Telegram's answer (401 Unauthorized).
  await bot.init();
  deps.attach(adapter);
  await registerCommands(adapter).catch((err: unknown) => log.warn({ err }, 'could not register the command menu (setMyCommands)'));
  // Updates stored but not answered when the previous process stopped run first, before any new update
  // of their chats; then the journal forgets what is older than a day.
  const replayed = await adapter.replayPending().catch((err: unknown) => {
    log.error({ err }, 'telegram: could not replay stored updates');
    return 0;
  });
  if (replayed > 0) log.info({ replayed }, 'telegram: answering updates left unprocessed by the previous run');
  await deps.journal.purge().catch((err: unknown) => log.warn({ err }, 'telegram: could not purge the inbound journal'));

  if (config.webhookUrl) {
    if (!config.webhookSecret) throw new AppError('CONFIG_INVALID', 'telegram: TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_WEBHOOK_URL');
    await bot.api.setWebhook(config.webhookUrl, {
      secret_token: config.webhookSecret,
      allowed_updates: [...TELEGRAM_ALLOWED_UPDATES],
    });
    log.info({ username: bot.botInfo.username, path: telegramWebhookPath(config) }, 'telegram bot ready (webhook)');
    return {
      adapter,
      mode: 'webhook',
      async stop() {
        // The webhook stays registered: Telegram keeps updates while the server restarts.
        await adapter.drain();
      },
    };
  }

  let running: Promise<void> | undefined;
  const startPolling = async (): Promise<void> => {
    if (running && bot.isRunning()) return;
    let started!: () => void;
    const onStart = new Promise<void>((resolve) => (started = resolve));
    let failure: unknown;
    // A polling failure (wrong token: 401; another instance polling the same bot: 409) ends the loop; it
    // is logged, and thrown from here when it happens before polling began.
    const loop = bot
      .start({ allowed_updates: [...TELEGRAM_ALLOWED_UPDATES], onStart: () => started() })
      .catch((err: unknown) => {
        failure = err;
        log.error({ err }, 'telegram polling stopped');
      });
    running = loop;
    await Promise.race([onStart, loop]);
    if (failure !== undefined) throw failure;
    log.info({ username: bot.botInfo.username }, 'telegram bot ready (long polling)');
  };
  const stopPolling = async (): Promise<void> => {
    // bot.stop() confirms the offset: whoever polls next does not get the same updates again.
    if (bot.isRunning()) await bot.stop();
    await running;
    running = undefined;
  };
  if (!deps.deferPolling) await startPolling();
  return {
    adapter,
    mode: 'polling',
    polling: { start: startPolling, stop: stopPolling },
    async stop() {
      await stopPolling();
      await adapter.drain();
    },
  };
}

/** The path the webhook is served at: the path of `TELEGRAM_WEBHOOK_URL` (behind a proxy, map it 1:1). */
export function telegramWebhookPath(config: Pick<TelegramConfig, 'webhookUrl'>): string {
  return config.webhookUrl ? new URL(config.webhookUrl).pathname : '/telegram/webhook';
}

export interface TelegramWebhookRouteOptions {
  /** The adapter, or a getter (undefined while the server is still starting: answered 503, Telegram retries). */
  adapter: TelegramAdapter | (() => TelegramAdapter | undefined);
  /** `TELEGRAM_WEBHOOK_SECRET`. */
  secretToken: string;
  /** `telegramWebhookPath(config.telegram)`. */
  path: string;
}

const SECRET_HEADER = 'x-telegram-bot-api-secret-token';
type WebhookHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
const handlers = new WeakMap<TelegramAdapter, WebhookHandler>();

function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The webhook as a fastify plugin: `POST <path>` with Telegram's JSON update. The secret header is checked
 * first (a wrong or missing one → 401, nothing else is revealed), then grammY's `webhookCallback` takes
 * the update (it checks the secret again). The update's work is not awaited: the answer is immediate.
 */
export async function telegramWebhookRoutes(app: FastifyInstance, options: TelegramWebhookRouteOptions): Promise<void> {
  const current = typeof options.adapter === 'function' ? options.adapter : () => options.adapter as TelegramAdapter;
  app.post(options.path, async (request, reply) => {
    if (!sameSecret(request.headers[SECRET_HEADER], options.secretToken)) {
      return reply.code(401).send({ ok: false, error: 'wrong or missing X-Telegram-Bot-Api-Secret-Token' });
    }
    const adapter = current();
    if (!adapter) return reply.code(503).header('retry-after', '5').send({ ok: false, error: 'starting' });
    let handler = handlers.get(adapter);
    if (!handler) {
      handler = webhookCallback(adapter.bot, 'fastify', { secretToken: options.secretToken, onTimeout: 'return' }) as WebhookHandler;
      handlers.set(adapter, handler);
    }
    await handler(request, reply);
    return reply;
  });
}
