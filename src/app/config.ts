/**
 * Configuration: read once at start-up from environment variables (optionally from a `.env` file at the
 * project root first), validated with zod, then passed down as a plain frozen object. Nothing else in the
 * program reads `process.env`.
 *
 * Every variable is optional and has a default; an empty (or blank) value counts as unset. A bad value
 * stops the program with `CONFIG_INVALID` naming every bad variable at once, one per line:
 *
 * ```text
 * Invalid configuration: 2 environment variables are invalid
 * PORT: must be an integer between 1 and 65535 (got "abc")
 * LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")
 * ```
 *
 * `.env.example` at the project root lists every variable with its default; keep the two in step.
 */
import { LOCALES, type Locale } from '../i18n/messages.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AppError } from './errors.js';
import { DEFAULT_ONNX_BATCH_SIZE, ONNX_POOLINGS, onnxModelProblem, type OnnxPooling } from '../knowledge/onnx-embeddings.js';
import { DEFAULT_TIME_ZONE, isTimeZone } from '../core/time-zone.js';

// ── Project root ────────────────────────────────────────────────────────────────────────────────────

/**
 * The nearest directory at or above `from` that holds a `package.json`. This file runs as
 * `src/app/config.ts` under vitest and as `dist/app/config.js` once built; both find the repository root.
 */
export function findProjectRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = path.resolve(from);
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new AppError('CONFIG_INVALID', `no package.json found at or above ${from}`);
    dir = parent;
  }
}

export const PROJECT_ROOT: string = findProjectRoot();

// ── Types ───────────────────────────────────────────────────────────────────────────────────────────

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export { LOCALES, type Locale } from '../i18n/messages.js';

import { STRUCTURED_OUTPUT_METHODS, type LlmSettings } from '../llm/llm-settings.js';
import type { TelegramConfig } from '../channels/telegram/start.js';
import type { WechatConfig } from '../channels/wechat/start.js';
import type { WechatOfficialConfig } from '../channels/wechat-official/start.js';
import type { WecomKfConfig } from '../channels/wecom-kf/config.js';
export { STRUCTURED_OUTPUT_METHODS, type StructuredOutputMethod } from '../llm/llm-settings.js';
export const EMBEDDINGS_PROVIDERS = ['local', 'openai', 'onnx'] as const;
export type EmbeddingsProvider = (typeof EMBEDDINGS_PROVIDERS)[number];

export interface Config {
  /** Where the program keeps its state (database, index, uploaded files). Absolute. */
  readonly dataDir: string;
  /**
   * `DATABASE_URL`: a `postgres://` URL puts the store in PostgreSQL (several instances can share it);
   * unset, it is the SQLite file at `paths.database`.
   */
  readonly databaseUrl: string | undefined;
  /**
   * `REDIS_URL`: instances coordinate in Redis (Direct Line stream fan-out, web chat turn locks and rate
   * limits); unset, in this process only (one instance). `keyPrefix` starts every key and channel.
   */
  readonly redis: { readonly url: string | undefined; readonly keyPrefix: string };
  /** The provider's guide: Markdown articles the answers come from. Absolute. */
  readonly knowledgeDir: string;
  /** Conversation flow definitions. Absolute. */
  readonly flowsDir: string;
  readonly logLevel: LogLevel;
  readonly defaultLocale: Locale;
  /** The merchants' IANA time zone: flow dates ("昨天"), ticket days, business hours, times shown. */
  readonly timeZone: string;
  /** Below this retrieval confidence (0–1) the bot does not answer from the guide. */
  readonly answerMinConfidence: number;
  /** How many guide articles an answer cites at most (1–5). */
  readonly answerMaxSources: number;
  /** Port of the web server (web chat, webhooks). */
  readonly port: number;
  /** Bearer key of `GET /metrics` (Prometheus); unset = that route answers 404. */
  readonly metricsToken: string | undefined;
  /** Transcripts older than this many days are deleted (PIPL: keep only as long as needed). */
  readonly transcriptRetentionDays: number;
  /** `NODE_ENV` as given (any value); `development` when unset. */
  readonly nodeEnv: string;
  /** Interface the server listens on (127.0.0.1 by default; 0.0.0.0 to listen on every interface). */
  readonly host: string;
  /** The server's public origin, when it sits behind a proxy; otherwise taken from each request. */
  readonly publicUrl: string | undefined;
  /**
   * Which proxies in front of the server are trusted to say the client's address (`X-Forwarded-For`):
   * none (false, the default), any (true), the last N hops, or these addresses/CIDRs (fastify's
   * `trustProxy`). Rate limits count by that address, so behind a proxy without it every merchant
   * shares one bucket.
   */
  readonly trustProxy: boolean | number | string[];
  readonly webchat: {
    /** Secret for `POST /v3/directline/tokens/generate` and secret-authenticated calls; unset = disabled. */
    readonly directLineSecret: string | undefined;
    readonly tokenTtlSeconds: number;
    /** Origins (besides localhost) allowed to call the web chat API from a browser. */
    readonly allowedOrigins: readonly string[];
    readonly maxTextLength: number;
    readonly messagesPerMinute: number;
    /** Tokens the demo page's token route hands out per minute and client address. */
    readonly tokensPerMinute: number;
    readonly uploadMaxBytes: number;
    readonly uploadMaxFiles: number;
    /** Most bytes of files one web chat conversation may hold, all uploads together. */
    readonly uploadConversationMaxBytes: number;
  };
  /** What one Telegram or WeChat user may send: messages a minute and the longest text (each can cost a model call). */
  readonly chat: { readonly messagesPerMinute: number; readonly maxTextLength: number };
  /** The back office that decides requests. Each part is off while unset. */
  readonly backoffice: {
    /** Where new requests and supplements are POSTed (signed); unset = they wait in the agent console. */
    readonly webhookUrl: string | undefined;
    /** HMAC-SHA256 key of the webhook's signature header; required with the URL. */
    readonly webhookSecret: string | undefined;
    /** Bearer key of `POST /api/requests/:id/status` and `GET /api/requests/:id`; unset = those answer 503. */
    readonly apiKey: string | undefined;
    /** Where the bot asks for a code to be texted to the merchant's phone on file (signed); unset = no "短信验证". */
    readonly phoneCodeUrl: string | undefined;
  };
  /** Human handoff and the agent console. */
  readonly handoff: {
    /** When agents work, e.g. `Mon-Fri 09:00-18:00` (several ranges: `Mon-Fri 09:00-18:00; Sat 10:00-14:00`). */
    readonly businessHours: string;
    /** IANA time zone of the business hours (always the top-level `timeZone`). */
    readonly timeZone: string;
    /** A handoff nobody claims within this many seconds becomes a ticket (the merchant is told). */
    readonly claimTimeoutSeconds: number;
    /** An agent without activity for this many minutes is shown as away (and gets no new handoffs). */
    readonly agentAwayMinutes: number;
    /** Console sessions last at most this many hours. */
    readonly sessionHours: number;
    /** Failed logins in a row before an account is locked, and for how many minutes. */
    readonly loginMaxFailures: number;
    readonly lockoutMinutes: number;
  };
  /** The Telegram channel. Off while `botToken` is unset. */
  readonly telegram: TelegramConfig;
  /** The WeChat channel (wechaty). Off while `puppet` is unset. */
  readonly wechat: WechatConfig;
  /** The Official Account (公众号) channel. Off while `appId` is unset. */
  readonly wechatOfficial: WechatOfficialConfig;
  /** The WeCom customer-service (微信客服) channel. Off while `corpId` is unset. */
  readonly wecomKf: WecomKfConfig;
  /**
   * The language model: any OpenAI-compatible chat endpoint. Off while `apiKey` is unset; then
   * answers are extractive and slots are read by rules alone.
   */
  readonly llm: LlmSettings;
  /** Which embedding builds the knowledge index's vectors. */
  readonly embeddings: {
    readonly provider: EmbeddingsProvider;
    readonly model: string;
    /** Texts per embeddings request (DashScope accepts at most 10). */
    readonly batchSize: number;
    /** `EMBEDDINGS_API_KEY`, else the language model's key. */
    readonly apiKey: string | undefined;
    /** `EMBEDDINGS_BASE_URL`, else the language model's base URL. */
    readonly baseUrl: string | undefined;
    /** `EMBEDDINGS=onnx`: the model folder (absolute); checked at start-up to hold a model and its tokenizer. */
    readonly modelDir?: string | undefined;
    /** `EMBEDDINGS=onnx`: `cls` (default, bge) or `mean`. */
    readonly pooling?: OnnxPooling;
  };
  /** Files and folders inside `dataDir`. */
  readonly paths: {
    readonly database: string;
    readonly index: string;
    readonly files: string;
  };
}

/** One bad variable, as listed in `CONFIG_INVALID`'s `details.issues`. */
export interface ConfigIssue {
  variable: string;
  reason: string;
}

// ── Schema ──────────────────────────────────────────────────────────────────────────────────────────

// Each variable's schema reports one reason; `loadConfig` appends the value it got.

function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  const reason =
    max === Number.MAX_SAFE_INTEGER ? `must be an integer ≥ ${min}` : `must be an integer between ${min} and ${max}`;
  return z
    .string()
    .regex(/^[+-]?\d+$/, reason)
    .transform(Number)
    .pipe(z.number().min(min, reason).max(max, reason));
}

function decimal(min: number, max: number) {
  const reason = `must be a number between ${min} and ${max}`;
  return z
    .string()
    .regex(/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/, reason)
    .transform(Number)
    .pipe(z.number().min(min, reason).max(max, reason));
}

/** An IANA time zone name this Node knows. */
function timeZone() {
  return z.string().refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai');
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.join(', ')}` });
}

/** A directory; relative values are resolved against the current working directory. */
function directory(fallback: string) {
  return z
    .string()
    .transform((value) => path.resolve(value))
    .default(fallback);
}

function schemaFor(root: string) {
  return z.object({
    DATA_DIR: directory(path.join(root, 'data')),
    DATABASE_URL: postgresUrl().optional(),
    REDIS_URL: redisUrl().optional(),
    REDIS_KEY_PREFIX: z.string().regex(/^[\w.:-]{1,64}$/, 'must be 1–64 letters, digits or . _ : -').default('pos-assist:'),
    KNOWLEDGE_DIR: directory(path.join(root, 'knowledge')),
    FLOWS_DIR: directory(path.join(root, 'flows')),
    LOG_LEVEL: oneOf(LOG_LEVELS).default('info'),
    DEFAULT_LOCALE: oneOf(LOCALES).default('zh-CN'),
    TIME_ZONE: timeZone().optional(),
    ANSWER_MIN_CONFIDENCE: decimal(0, 1).default(0.28),
    ANSWER_MAX_SOURCES: integer(1, 5).default(2),
    PORT: integer(1, 65535).default(3978),
    TRANSCRIPT_RETENTION_DAYS: integer(1).default(180),
    NODE_ENV: z.string().default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PUBLIC_URL: origin().optional(),
    TRUST_PROXY: z
      .string()
      .trim()
      .default('false')
      .transform((raw, ctx): boolean | number | string[] => {
        if (/^(false|0|no|off|)$/i.test(raw)) return false;
        if (/^(true|yes|on)$/i.test(raw)) return true;
        if (/^[1-9]\d?$/.test(raw)) return Number(raw);
        const list = raw.split(',').map((a) => a.trim()).filter(Boolean);
        const address = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:.]*)(?:\/\d{1,3})?$|^(?:loopback|linklocal|uniquelocal)$/i;
        const bad = list.find((a) => !address.test(a));
        if (bad !== undefined || list.length === 0) {
          ctx.addIssue({ code: 'custom', message: `must be true, false, a hop count (1-99) or a comma-separated list of addresses/CIDRs (got "${bad ?? raw}")` });
          return z.NEVER;
        }
        return list;
      }),
    DIRECTLINE_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    DIRECTLINE_TOKEN_TTL_SECONDS: integer(60, 86_400).default(1800),
    WEBCHAT_ALLOWED_ORIGINS: originList().default([]),
    WEBCHAT_MAX_TEXT_LENGTH: integer(1, 20_000).default(2000),
    WEBCHAT_MESSAGES_PER_MINUTE: integer(1, 10_000).default(30),
    WEBCHAT_TOKENS_PER_MINUTE: integer(1, 10_000).default(20),
    UPLOAD_MAX_BYTES: integer(1024, 100 * 1024 * 1024).default(10 * 1024 * 1024),
    UPLOAD_MAX_FILES: integer(1, 20).default(5),
    CHAT_MESSAGES_PER_MINUTE: integer(1, 10_000).default(30),
    CHAT_MAX_TEXT_LENGTH: integer(100, 100_000).default(2000),
    UPLOAD_CONVERSATION_MAX_BYTES: integer(1024, 10 * 1024 * 1024 * 1024).default(50 * 1024 * 1024),
    BACKOFFICE_WEBHOOK_URL: httpUrl().optional(),
    BACKOFFICE_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    BACKOFFICE_API_KEY: z.string().min(24, 'must be at least 24 characters').optional(),
    METRICS_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
    BACKOFFICE_PHONE_CODE_URL: httpUrl().optional(),
    HANDOFF_BUSINESS_HOURS: z
      .string()
      .regex(
        /^\s*(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)(?:-(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun))?(?:,(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)(?:-(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun))?)*\s+\d{2}:\d{2}-\d{2}:\d{2}\s*(?:;\s*|$))+$|^\s*always\s*$/,
        'must look like "Mon-Fri 09:00-18:00" (ranges separated by ";"), or "always"',
      )
      .default('Mon-Fri 09:00-18:00'),
    // The older name, from when only business hours had a time zone; TIME_ZONE wins when both are set.
    HANDOFF_TIME_ZONE: timeZone().optional(),
    HANDOFF_CLAIM_TIMEOUT_SECONDS: integer(10, 86_400).default(300),
    AGENT_AWAY_MINUTES: integer(1, 1440).default(10),
    AGENT_SESSION_HOURS: integer(1, 168).default(12),
    AGENT_LOGIN_MAX_FAILURES: integer(1, 100).default(5),
    AGENT_LOCKOUT_MINUTES: integer(1, 1440).default(15),
    TELEGRAM_BOT_TOKEN: z.string().regex(/^\d+:[A-Za-z0-9_-]+$/, 'must look like 123456789:AAE… (the token @BotFather gives)').optional(),
    TELEGRAM_WEBHOOK_URL: httpsUrl().optional(),
    TELEGRAM_WEBHOOK_SECRET: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, 'must be 1–256 characters of A-Z, a-z, 0-9, _ and -').optional(),
    TELEGRAM_API_ROOT: httpUrl('https://api.telegram.org').transform((v) => v.replace(/\/+$/, '')).default('https://api.telegram.org'),
    WECHATY_PUPPET: z
      .string()
      .regex(/^(?:@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/, 'must be a puppet package name such as wechaty-puppet-wechat4u or wechaty-puppet-service')
      .optional(),
    WECHATY_PUPPET_SERVICE_TOKEN: z.string().regex(/^\S{1,512}$/, 'must be the token your puppet service gave (no spaces)').optional(),
    WECHAT_OA_APP_ID: z.string().regex(/^wx[0-9a-f]{16}$/, 'must be the AppID from 设置与开发 → 基本配置, such as wx1234567890abcdef').optional(),
    WECHAT_OA_APP_SECRET: z.string().regex(/^[0-9a-zA-Z]{32}$/, 'must be the 32-character AppSecret from 设置与开发 → 基本配置').optional(),
    WECHAT_OA_TOKEN: callbackToken().optional(),
    WECHAT_OA_ENCODING_AES_KEY: aesKey().optional(),
    WECHAT_OA_PATH: urlPath().default('/wechat/official'),
    WECHAT_OA_API_BASE: httpUrl('https://api.weixin.qq.com').transform((v) => v.replace(/\/+$/, '')).default('https://api.weixin.qq.com'),
    WECHAT_OA_PASSIVE_REPLY_MS: integer(100, 4500).default(4000),
    WECHAT_OA_TRANSFER_CUSTOMER_SERVICE: bool().default(false),
    WECOM_KF_CORP_ID: z.string().regex(/^ww[0-9a-zA-Z]{16}$|^wx[0-9a-f]{16}$/, 'must be the corp ID from 我的企业 → 企业信息, such as ww1234567890abcdef').optional(),
    WECOM_KF_SECRET: z.string().regex(/^[0-9A-Za-z_-]{20,64}$/, 'must be the 微信客服 Secret from 微信客服 → API (43 characters)').optional(),
    WECOM_KF_TOKEN: callbackToken().optional(),
    WECOM_KF_ENCODING_AES_KEY: aesKey().optional(),
    WECOM_KF_OPEN_KFID: z.string().regex(/^wk[0-9A-Za-z_-]{6,64}$/, 'must be a 客服账号 ID such as wkAbCdEf0123456789 (or leave it unset for every account)').optional(),
    WECOM_KF_PATH: urlPath().default('/wecom/kf'),
    WECOM_KF_API_BASE: httpUrl('https://qyapi.weixin.qq.com').transform((v) => v.replace(/\/+$/, '')).default('https://qyapi.weixin.qq.com'),
    WECOM_KF_HANDOFF: oneOf(['console', 'wecom'] as const).default('console'),
    WECOM_KF_SERVICER_USERID: z.string().regex(/^[0-9A-Za-z_.@-]{1,64}$/, 'must be the userid of a WeCom member who receives customers (接待人员)').optional(),
    LLM_API_KEY: apiKey().optional(),
    OPENAI_API_KEY: apiKey().optional(),
    LLM_BASE_URL: httpUrl('https://dashscope.aliyuncs.com/compatible-mode/v1').transform((v) => v.replace(/\/+$/, '')).optional(),
    LLM_MODEL: z.string().regex(/^\S{1,200}$/, 'must be a model name such as gpt-4o-mini, qwen-plus or deepseek-chat').default('gpt-4o-mini'),
    LLM_STRUCTURED_OUTPUT: oneOf(STRUCTURED_OUTPUT_METHODS).default('json_schema'),
    LLM_TIMEOUT_MS: integer(100, 600_000).default(20_000),
    LLM_TEMPERATURE: decimal(0, 2).optional(),
    EMBEDDINGS: oneOf(EMBEDDINGS_PROVIDERS).default('local'),
    EMBEDDINGS_MODEL: z.string().regex(/^\S{1,200}$/, 'must be a model name such as text-embedding-3-small or text-embedding-v3').default('text-embedding-3-small'),
    EMBEDDINGS_BATCH_SIZE: integer(1, 2048).optional(),
    EMBEDDINGS_API_KEY: apiKey().optional(),
    EMBEDDINGS_BASE_URL: httpUrl('https://dashscope.aliyuncs.com/compatible-mode/v1').transform((v) => v.replace(/\/+$/, '')).optional(),
    EMBEDDINGS_MODEL_DIR: z.string().transform((value) => path.resolve(value)).optional(),
    EMBEDDINGS_POOLING: oneOf(ONNX_POOLINGS).default('cls'),
  });
}

function httpUrl(example = 'https://backoffice.example.com/pos-assist/requests') {
  return z.string().refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }, `must be an http(s) URL such as ${example}`);
}

function redisUrl() {
  return z.string().refine((v) => {
    try {
      return /^rediss?:$/.test(new URL(v).protocol);
    } catch {
      return false;
    }
  }, 'must be a Redis URL such as redis://:password@redis.example.com:6379/0 (rediss:// for TLS)');
}

function postgresUrl() {
  return z.string().refine((v) => {
    try {
      return /^postgres(?:ql)?:$/.test(new URL(v).protocol);
    } catch {
      return false;
    }
  }, 'must be a PostgreSQL URL such as postgres://pos_assist:password@db.example.com:5432/pos_assist');
}

/** DashScope rejects more than 10 texts per embeddings request; others take OpenAI's 512. */
function defaultBatchSize(baseUrl: string | undefined): number {
  return baseUrl && /(^|\.)dashscope(-intl)?\.aliyuncs\.com$/.test(new URL(baseUrl).hostname) ? 10 : 512;
}

function apiKey() {
  return z.string().regex(/^\S{1,512}$/, 'must be the key your provider gave (no spaces)');
}

/** The Token entered next to a WeChat callback URL: 3–32 letters and digits. */
function callbackToken() {
  return z.string().regex(/^[A-Za-z0-9]{3,32}$/, 'must be the Token entered with the server URL: 3–32 letters and digits');
}

/** An EncodingAESKey: 43 characters of A-Z, a-z, 0-9. */
function aesKey() {
  return z.string().regex(/^[A-Za-z0-9]{43}$/, 'must be the 43-character EncodingAESKey (letters and digits)');
}

/** A URL path the server serves, such as /wechat/official. */
function urlPath() {
  return z.string().regex(/^\/[A-Za-z0-9._~\/-]*$/, 'must be a path such as /wechat/official');
}

function bool() {
  return z
    .string()
    .regex(/^(true|false|1|0|yes|no|on|off)$/i, 'must be true or false')
    .transform((v) => /^(true|1|yes|on)$/i.test(v));
}

/** Telegram only calls webhooks over https. */
function httpsUrl() {
  return z.string().refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'https:' && !u.hash;
    } catch {
      return false;
    }
  }, 'must be an https URL such as https://bot.example.com/telegram/webhook (Telegram only calls https)');
}

/** Variables whose value must never be echoed in an error message or a log. */
const SECRET_VARIABLES = new Set([
  'DATABASE_URL', // may hold a password
  'REDIS_URL', // may hold a password
  'DIRECTLINE_SECRET',
  'BACKOFFICE_WEBHOOK_SECRET',
  'BACKOFFICE_API_KEY',
  'METRICS_TOKEN',
  'TELEGRAM_BOT_TOKEN',
  'TELEGRAM_WEBHOOK_SECRET',
  'WECHATY_PUPPET_SERVICE_TOKEN',
  'WECHAT_OA_APP_SECRET',
  'WECHAT_OA_TOKEN',
  'WECHAT_OA_ENCODING_AES_KEY',
  'WECOM_KF_SECRET',
  'WECOM_KF_TOKEN',
  'WECOM_KF_ENCODING_AES_KEY',
  'LLM_API_KEY',
  'OPENAI_API_KEY',
  'EMBEDDINGS_API_KEY',
]);

function databasePassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The configured secrets' values: output of a language model that contains one never reaches a merchant
 * (the model never sees them; this catches a leak from anywhere).
 */
export function secretValues(config: Config): string[] {
  return [
    config.llm.apiKey,
    config.embeddings.apiKey,
    config.webchat.directLineSecret,
    config.backoffice.webhookSecret,
    config.backoffice.apiKey,
    config.metricsToken,
    config.telegram.botToken,
    config.telegram.webhookSecret,
    config.wechat.puppetServiceToken,
    config.wechatOfficial.appSecret,
    config.wechatOfficial.token,
    config.wechatOfficial.encodingAesKey,
    config.wecomKf.secret,
    config.wecomKf.token,
    config.wecomKf.encodingAesKey,
    databasePassword(config.databaseUrl),
    databasePassword(config.redis.url),
  ].filter((s): s is string => typeof s === 'string' && s.length > 0);
}

function origin() {
  const reason = 'must be an origin such as https://support.example.com';
  return z.string().refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'http:' || u.protocol === 'https:') && !u.search && !u.hash;
    } catch {
      return false;
    }
  }, reason).transform((v) => v.replace(/\/+$/, ''));
}

/** Comma-separated origins; every one must be valid. */
function originList() {
  return z
    .string()
    .transform((v) => v.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(origin()).transform((xs) => xs.map((x) => new URL(x).origin)));
}

/** The variables this module reads (the keys of the schema), in the order errors are reported. */
export const CONFIG_VARIABLES = Object.keys(schemaFor(PROJECT_ROOT).shape) as readonly string[];

// ── Loading ─────────────────────────────────────────────────────────────────────────────────────────

/**
 * Reads and validates the configuration. Throws `AppError('CONFIG_INVALID')` listing every bad variable
 * in its message (one per line) and in `details.issues` (`ConfigIssue[]`).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty or blank counts as unset; surrounding spaces (easy to leave in a .env file) are dropped.
  const raw: Record<string, string | undefined> = {};
  for (const name of CONFIG_VARIABLES) {
    const value = env[name]?.trim();
    raw[name] = value === '' ? undefined : value;
  }

  const parsed = schemaFor(PROJECT_ROOT).safeParse(raw);
  // Variables that only make sense together.
  const together: ConfigIssue[] = [];
  if (raw.BACKOFFICE_WEBHOOK_URL && !raw.BACKOFFICE_WEBHOOK_SECRET) {
    together.push({ variable: 'BACKOFFICE_WEBHOOK_SECRET', reason: 'is required when BACKOFFICE_WEBHOOK_URL is set (the back office checks the signature with it)' });
  }
  if (raw.BACKOFFICE_PHONE_CODE_URL && !raw.BACKOFFICE_WEBHOOK_SECRET) {
    together.push({ variable: 'BACKOFFICE_WEBHOOK_SECRET', reason: 'is required when BACKOFFICE_PHONE_CODE_URL is set (the back office checks the signature with it)' });
  }
  if (raw.TELEGRAM_WEBHOOK_URL && !raw.TELEGRAM_WEBHOOK_SECRET) {
    together.push({ variable: 'TELEGRAM_WEBHOOK_SECRET', reason: 'is required when TELEGRAM_WEBHOOK_URL is set (it proves a webhook call comes from Telegram)' });
  }
  if (raw.TELEGRAM_WEBHOOK_URL && !raw.TELEGRAM_BOT_TOKEN) {
    together.push({ variable: 'TELEGRAM_BOT_TOKEN', reason: 'is required when TELEGRAM_WEBHOOK_URL is set' });
  }
  if (raw.WECHAT_OA_APP_ID) {
    for (const name of ['WECHAT_OA_APP_SECRET', 'WECHAT_OA_TOKEN'] as const) {
      if (!raw[name]) together.push({ variable: name, reason: 'is required when WECHAT_OA_APP_ID is set (see the README, Official Account)' });
    }
  }
  if (raw.WECOM_KF_CORP_ID) {
    for (const name of ['WECOM_KF_SECRET', 'WECOM_KF_TOKEN', 'WECOM_KF_ENCODING_AES_KEY'] as const) {
      if (!raw[name]) together.push({ variable: name, reason: 'is required when WECOM_KF_CORP_ID is set (see the README, WeCom customer service)' });
    }
  }
  if (raw.WECOM_KF_HANDOFF === 'wecom' && !raw.WECOM_KF_SERVICER_USERID) {
    together.push({ variable: 'WECOM_KF_SERVICER_USERID', reason: 'is required when WECOM_KF_HANDOFF=wecom (the WeCom member who takes a customer an agent claimed)' });
  }
  if (raw.WECHAT_OA_APP_ID && raw.WECOM_KF_CORP_ID && (raw.WECHAT_OA_PATH ?? '/wechat/official') === (raw.WECOM_KF_PATH ?? '/wecom/kf')) {
    together.push({ variable: 'WECOM_KF_PATH', reason: 'must differ from WECHAT_OA_PATH' });
  }
  const llmKey = raw.LLM_API_KEY ?? raw.OPENAI_API_KEY;
  if (raw.LLM_BASE_URL && !llmKey) {
    together.push({ variable: 'LLM_API_KEY', reason: 'is required when LLM_BASE_URL is set (any non-empty value for a server without keys, such as Ollama)' });
  }
  if (raw.EMBEDDINGS === 'openai' && !(raw.EMBEDDINGS_API_KEY ?? llmKey)) {
    together.push({ variable: 'EMBEDDINGS_API_KEY', reason: 'is required when EMBEDDINGS=openai and no LLM_API_KEY is set' });
  }
  if (raw.EMBEDDINGS === 'onnx') {
    const dir = raw.EMBEDDINGS_MODEL_DIR;
    const problem = dir
      ? onnxModelProblem(path.resolve(dir))
      : 'is required when EMBEDDINGS=onnx (the folder of an ONNX sentence-embedding model, e.g. bge-small-zh-v1.5)';
    if (problem) together.push({ variable: 'EMBEDDINGS_MODEL_DIR', reason: dir ? `${problem} (got ${JSON.stringify(dir)})` : problem });
  }
  if (!parsed.success || together.length > 0) {
    const issues: ConfigIssue[] = [];
    for (const issue of parsed.success ? [] : parsed.error.issues) {
      const variable = String(issue.path[0]);
      if (issues.some((i) => i.variable === variable)) continue; // one reason per variable
      // Values are echoed so the fix is obvious. A later secret variable (API key, token) must not be.
      const shown = SECRET_VARIABLES.has(variable) ? '' : ` (got ${JSON.stringify(raw[variable])})`;
      issues.push({ variable, reason: `${issue.message}${shown}` });
    }
    for (const issue of together) if (!issues.some((i) => i.variable === issue.variable)) issues.push(issue);
    const count = issues.length === 1 ? '1 environment variable is invalid' : `${issues.length} environment variables are invalid`;
    throw new AppError('CONFIG_INVALID', [count, ...issues.map((i) => `${i.variable}: ${i.reason}`)].join('\n'), {
      details: { issues },
    });
  }

  const v = parsed.data!;
  const zone = v.TIME_ZONE ?? v.HANDOFF_TIME_ZONE ?? DEFAULT_TIME_ZONE;
  return Object.freeze({
    dataDir: v.DATA_DIR,
    databaseUrl: v.DATABASE_URL,
    redis: Object.freeze({ url: v.REDIS_URL, keyPrefix: v.REDIS_KEY_PREFIX }),
    knowledgeDir: v.KNOWLEDGE_DIR,
    flowsDir: v.FLOWS_DIR,
    logLevel: v.LOG_LEVEL,
    defaultLocale: v.DEFAULT_LOCALE,
    timeZone: zone,
    answerMinConfidence: v.ANSWER_MIN_CONFIDENCE,
    answerMaxSources: v.ANSWER_MAX_SOURCES,
    port: v.PORT,
    metricsToken: v.METRICS_TOKEN,
    transcriptRetentionDays: v.TRANSCRIPT_RETENTION_DAYS,
    nodeEnv: v.NODE_ENV,
    host: v.HOST,
    publicUrl: v.PUBLIC_URL,
    trustProxy: Array.isArray(v.TRUST_PROXY) ? Object.freeze([...v.TRUST_PROXY]) as string[] : v.TRUST_PROXY,
    webchat: Object.freeze({
      directLineSecret: v.DIRECTLINE_SECRET,
      tokenTtlSeconds: v.DIRECTLINE_TOKEN_TTL_SECONDS,
      allowedOrigins: Object.freeze([...v.WEBCHAT_ALLOWED_ORIGINS]),
      maxTextLength: v.WEBCHAT_MAX_TEXT_LENGTH,
      messagesPerMinute: v.WEBCHAT_MESSAGES_PER_MINUTE,
      tokensPerMinute: v.WEBCHAT_TOKENS_PER_MINUTE,
      uploadMaxBytes: v.UPLOAD_MAX_BYTES,
      uploadMaxFiles: v.UPLOAD_MAX_FILES,
      uploadConversationMaxBytes: v.UPLOAD_CONVERSATION_MAX_BYTES,
    }),
    chat: Object.freeze({ messagesPerMinute: v.CHAT_MESSAGES_PER_MINUTE, maxTextLength: v.CHAT_MAX_TEXT_LENGTH }),
    handoff: Object.freeze({
      businessHours: v.HANDOFF_BUSINESS_HOURS,
      timeZone: zone,
      claimTimeoutSeconds: v.HANDOFF_CLAIM_TIMEOUT_SECONDS,
      agentAwayMinutes: v.AGENT_AWAY_MINUTES,
      sessionHours: v.AGENT_SESSION_HOURS,
      loginMaxFailures: v.AGENT_LOGIN_MAX_FAILURES,
      lockoutMinutes: v.AGENT_LOCKOUT_MINUTES,
    }),
    backoffice: Object.freeze({
      webhookUrl: v.BACKOFFICE_WEBHOOK_URL,
      webhookSecret: v.BACKOFFICE_WEBHOOK_SECRET,
      apiKey: v.BACKOFFICE_API_KEY,
      phoneCodeUrl: v.BACKOFFICE_PHONE_CODE_URL,
    }),
    telegram: Object.freeze({
      botToken: v.TELEGRAM_BOT_TOKEN,
      webhookUrl: v.TELEGRAM_WEBHOOK_URL,
      webhookSecret: v.TELEGRAM_WEBHOOK_SECRET,
      apiRoot: v.TELEGRAM_API_ROOT,
      stateDir: path.join(v.DATA_DIR, 'telegram'),
    }),
    wechat: Object.freeze({
      puppet: v.WECHATY_PUPPET,
      puppetServiceToken: v.WECHATY_PUPPET_SERVICE_TOKEN,
      stateDir: path.join(v.DATA_DIR, 'wechat'),
    }),
    wechatOfficial: Object.freeze({
      appId: v.WECHAT_OA_APP_ID,
      appSecret: v.WECHAT_OA_APP_SECRET,
      token: v.WECHAT_OA_TOKEN,
      encodingAesKey: v.WECHAT_OA_ENCODING_AES_KEY,
      path: v.WECHAT_OA_PATH,
      apiBase: v.WECHAT_OA_API_BASE,
      passiveReplyMs: v.WECHAT_OA_PASSIVE_REPLY_MS,
      transferToWechat: v.WECHAT_OA_TRANSFER_CUSTOMER_SERVICE,
    }),
    wecomKf: Object.freeze({
      corpId: v.WECOM_KF_CORP_ID,
      secret: v.WECOM_KF_SECRET,
      token: v.WECOM_KF_TOKEN,
      encodingAesKey: v.WECOM_KF_ENCODING_AES_KEY,
      openKfId: v.WECOM_KF_OPEN_KFID,
      path: v.WECOM_KF_PATH,
      apiBase: v.WECOM_KF_API_BASE,
      handoff: v.WECOM_KF_HANDOFF,
      servicerUserId: v.WECOM_KF_SERVICER_USERID,
    }),
    llm: Object.freeze({
      apiKey: v.LLM_API_KEY ?? v.OPENAI_API_KEY,
      baseUrl: v.LLM_BASE_URL,
      model: v.LLM_MODEL,
      structuredOutput: v.LLM_STRUCTURED_OUTPUT,
      timeoutMs: v.LLM_TIMEOUT_MS,
      temperature: v.LLM_TEMPERATURE,
    }),
    embeddings: Object.freeze({
      provider: v.EMBEDDINGS,
      model: v.EMBEDDINGS_MODEL,
      batchSize:
        v.EMBEDDINGS_BATCH_SIZE ?? (v.EMBEDDINGS === 'onnx' ? DEFAULT_ONNX_BATCH_SIZE : defaultBatchSize(v.EMBEDDINGS_BASE_URL ?? v.LLM_BASE_URL)),
      apiKey: v.EMBEDDINGS_API_KEY ?? v.LLM_API_KEY ?? v.OPENAI_API_KEY,
      baseUrl: v.EMBEDDINGS_BASE_URL ?? v.LLM_BASE_URL,
      modelDir: v.EMBEDDINGS_MODEL_DIR,
      pooling: v.EMBEDDINGS_POOLING,
    }),
    paths: Object.freeze({
      database: path.join(v.DATA_DIR, 'pos-assist.sqlite'),
      index: path.join(v.DATA_DIR, 'index'),
      files: path.join(v.DATA_DIR, 'files'),
    }),
  });
}

/**
 * Loads `file` (default: `.env` at the project root) into `process.env` with Node's
 * `process.loadEnvFile`, if it exists. Returns whether a file was loaded.
 *
 * Variables already in the environment win over the file — Node's own rule, kept on purpose so that
 * `PORT=8080 pos-assist …` overrides `.env`. That includes variables set to an empty string: an empty
 * `PORT=` in the shell hides the file's `PORT`, and `loadConfig` then uses the default.
 */
export function loadDotEnv(file: string = path.join(PROJECT_ROOT, '.env')): boolean {
  try {
    process.loadEnvFile(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new AppError('CONFIG_INVALID', `could not read ${file}`, { cause: err });
  }
}
