import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CONFIG_VARIABLES,
  findProjectRoot,
  loadConfig,
  loadDotEnv,
  PROJECT_ROOT,
  secretValues,
  type ConfigIssue,
} from '../../src/app/config.js';
import { AppError, isAppError } from '../../src/app/errors.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Calls `loadConfig(env)`, expecting CONFIG_INVALID, and returns the error. */
function configError(env: NodeJS.ProcessEnv): AppError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(isAppError(err, 'CONFIG_INVALID')).toBe(true);
    return err as AppError;
  }
  throw new Error('loadConfig did not throw');
}

function issuesOf(err: AppError): ConfigIssue[] {
  return err.details?.issues as ConfigIssue[];
}

describe('project root', () => {
  it('is the nearest directory with a package.json', () => {
    expect(PROJECT_ROOT).toBe(REPO_ROOT);
    expect(findProjectRoot(path.join(REPO_ROOT, 'src', 'app'))).toBe(REPO_ROOT);
    expect(findProjectRoot(path.join(REPO_ROOT, 'dist', 'app'))).toBe(REPO_ROOT); // need not exist
  });
});

describe('loadConfig', () => {
  it('embeds 10 texts per request for DashScope unless told otherwise', () => {
    const dash = { EMBEDDINGS: 'openai', LLM_API_KEY: 'sk-x', LLM_BASE_URL: 'https://dashscope.aliyuncs.com/compatible-mode/v1' };
    expect(loadConfig(dash).embeddings.batchSize).toBe(10);
    expect(loadConfig({ ...dash, EMBEDDINGS_BATCH_SIZE: '6' }).embeddings.batchSize).toBe(6);
    expect(loadConfig({ ...dash, LLM_BASE_URL: 'https://api.deepseek.com/v1' }).embeddings.batchSize).toBe(512);
  });

  it('requires a key with a base URL or remote embeddings, and never echoes a key', () => {
    expect(() => loadConfig({ LLM_BASE_URL: 'https://api.deepseek.com/v1' })).toThrow(/LLM_API_KEY: is required when LLM_BASE_URL is set/);
    expect(() => loadConfig({ EMBEDDINGS: 'openai' })).toThrow(/EMBEDDINGS_API_KEY: is required/);
    let message = '';
    try {
      loadConfig({ LLM_API_KEY: 'sk has spaces secret', LLM_STRUCTURED_OUTPUT: 'xml' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/LLM_API_KEY: must be the key/);
    expect(message).not.toContain('sk has spaces secret');
    expect(message).toMatch(/LLM_STRUCTURED_OUTPUT: must be one of json_schema, function_calling, json_mode/);
  });

  it('gives the defaults when nothing is set', () => {
    expect(loadConfig({})).toEqual({
      dataDir: path.join(REPO_ROOT, 'data'),
      databaseUrl: undefined,
      redis: { url: undefined, keyPrefix: 'pos-assist:' },
      knowledgeDir: path.join(REPO_ROOT, 'knowledge'),
      flowsDir: path.join(REPO_ROOT, 'flows'),
      logLevel: 'info',
      defaultLocale: 'zh-CN',
      timeZone: 'Asia/Shanghai',
      answerMinConfidence: 0.28,
      answerMaxSources: 2,
      port: 3978,
      transcriptRetentionDays: 180,
      nodeEnv: 'development',
      host: '127.0.0.1',
      publicUrl: undefined,
      trustProxy: false,
      backoffice: { webhookUrl: undefined, webhookSecret: undefined, apiKey: undefined },
      chat: { messagesPerMinute: 30, maxTextLength: 2000 },
      handoff: {
        businessHours: 'Mon-Fri 09:00-18:00',
        timeZone: 'Asia/Shanghai',
        claimTimeoutSeconds: 300,
        agentAwayMinutes: 10,
        sessionHours: 12,
        loginMaxFailures: 5,
        lockoutMinutes: 15,
      },
      webchat: {
        directLineSecret: undefined,
        tokenTtlSeconds: 1800,
        allowedOrigins: [],
        maxTextLength: 2000,
        messagesPerMinute: 30,
        tokensPerMinute: 20,
        uploadMaxBytes: 10 * 1024 * 1024,
        uploadMaxFiles: 5,
        uploadConversationMaxBytes: 50 * 1024 * 1024,
      },
      telegram: {
        botToken: undefined,
        webhookUrl: undefined,
        webhookSecret: undefined,
        apiRoot: 'https://api.telegram.org',
        stateDir: path.join(REPO_ROOT, 'data', 'telegram'),
      },
      wechat: {
        puppet: undefined,
        puppetServiceToken: undefined,
        stateDir: path.join(REPO_ROOT, 'data', 'wechat'),
      },
      wechatOfficial: {
        appId: undefined,
        appSecret: undefined,
        token: undefined,
        encodingAesKey: undefined,
        path: '/wechat/official',
        apiBase: 'https://api.weixin.qq.com',
        passiveReplyMs: 4000,
        transferToWechat: false,
      },
      wecomKf: {
        corpId: undefined,
        secret: undefined,
        token: undefined,
        encodingAesKey: undefined,
        openKfId: undefined,
        path: '/wecom/kf',
        apiBase: 'https://qyapi.weixin.qq.com',
        handoff: 'console',
        servicerUserId: undefined,
      },
      llm: { apiKey: undefined, baseUrl: undefined, model: 'gpt-4o-mini', structuredOutput: 'json_schema', timeoutMs: 20000, temperature: undefined },
      embeddings: { provider: 'local', model: 'text-embedding-3-small', batchSize: 512, apiKey: undefined, baseUrl: undefined, modelDir: undefined, pooling: 'cls' },
      paths: {
        database: path.join(REPO_ROOT, 'data', 'pos-assist.sqlite'),
        index: path.join(REPO_ROOT, 'data', 'index'),
        files: path.join(REPO_ROOT, 'data', 'files'),
      },
    });
  });

  it('reads the Telegram variables, requires the secret (and the token) with the webhook URL and never echoes secrets', () => {
    const token = '123456789:AAE-token_value_from_BotFather';
    const config = loadConfig({
      DATA_DIR: '/srv/pos/data',
      TELEGRAM_BOT_TOKEN: token,
      TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/telegram/webhook',
      TELEGRAM_WEBHOOK_SECRET: 'Webhook_secret-0123',
      TELEGRAM_API_ROOT: 'http://127.0.0.1:8081/',
    });
    expect(config.telegram).toEqual({
      botToken: token,
      webhookUrl: 'https://bot.example.com/telegram/webhook',
      webhookSecret: 'Webhook_secret-0123',
      apiRoot: 'http://127.0.0.1:8081',
      stateDir: '/srv/pos/data/telegram',
    });
    expect(Object.isFrozen(config.telegram)).toBe(true);
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(problems({ TELEGRAM_BOT_TOKEN: token, TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/x' })).toMatch(/TELEGRAM_WEBHOOK_SECRET: is required when TELEGRAM_WEBHOOK_URL is set/);
    expect(problems({ TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/x', TELEGRAM_WEBHOOK_SECRET: 'abc' })).toMatch(/TELEGRAM_BOT_TOKEN: is required when TELEGRAM_WEBHOOK_URL is set/);
    expect(problems({ TELEGRAM_BOT_TOKEN: token, TELEGRAM_WEBHOOK_URL: 'http://bot.example.com/x', TELEGRAM_WEBHOOK_SECRET: 'abc' })).toMatch(/TELEGRAM_WEBHOOK_URL: must be an https URL/);
    expect(problems({ TELEGRAM_API_ROOT: 'api.telegram.org' })).toMatch(/TELEGRAM_API_ROOT: must be an http\(s\) URL/);
    const bad = problems({ TELEGRAM_BOT_TOKEN: 'not a token secret-ish', TELEGRAM_WEBHOOK_SECRET: 'has spaces and ünïcode' });
    expect(bad).toMatch(/TELEGRAM_BOT_TOKEN: must look like 123456789:/);
    expect(bad).toMatch(/TELEGRAM_WEBHOOK_SECRET: must be 1–256 characters of A-Z, a-z, 0-9, _ and -/);
    expect(bad).not.toContain('not a token secret-ish');
    expect(bad).not.toContain('has spaces');
    expect(problems({ TELEGRAM_WEBHOOK_SECRET: 'x'.repeat(257) })).toMatch(/TELEGRAM_WEBHOOK_SECRET: must be 1–256/);
    expect(loadConfig({ TELEGRAM_WEBHOOK_SECRET: 'x'.repeat(256) }).telegram.webhookSecret).toHaveLength(256);
  });

  it('reads the WeChat variables and never echoes the puppet service token', () => {
    const config = loadConfig({ DATA_DIR: '/srv/pos/data', WECHATY_PUPPET: 'wechaty-puppet-service', WECHATY_PUPPET_SERVICE_TOKEN: 'puppet_service_token-123' });
    expect(config.wechat).toEqual({ puppet: 'wechaty-puppet-service', puppetServiceToken: 'puppet_service_token-123', stateDir: '/srv/pos/data/wechat' });
    expect(Object.isFrozen(config.wechat)).toBe(true);
    expect(loadConfig({ WECHATY_PUPPET: '@juzi/wechaty-puppet-service' }).wechat.puppet).toBe('@juzi/wechaty-puppet-service');
    let message = '';
    try {
      loadConfig({ WECHATY_PUPPET: 'not a package', WECHATY_PUPPET_SERVICE_TOKEN: 'secret with spaces' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/WECHATY_PUPPET: must be a puppet package name/);
    expect(message).toMatch(/WECHATY_PUPPET_SERVICE_TOKEN: must be the token/);
    expect(message).not.toContain('secret with spaces');
  });

  it('reads the web chat variables, validates origins and never echoes the secret', () => {
    const config = loadConfig({
      WEBCHAT_ALLOWED_ORIGINS: 'https://pay.example.com, https://help.example.com/',
      PUBLIC_URL: 'https://chat.example.com/',
      DIRECTLINE_SECRET: 'a-long-enough-secret',
    });
    expect(config.webchat.allowedOrigins).toEqual(['https://pay.example.com', 'https://help.example.com']);
    expect(config.publicUrl).toBe('https://chat.example.com');
    expect(config.webchat.directLineSecret).toBe('a-long-enough-secret');
    expect(() => loadConfig({ WEBCHAT_ALLOWED_ORIGINS: 'https://ok.example.com,not a url' })).toThrow(/WEBCHAT_ALLOWED_ORIGINS: must be an origin/);
    let message = '';
    try {
      loadConfig({ DIRECTLINE_SECRET: 'short-secret' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/DIRECTLINE_SECRET: must be at least 16 characters/);
    expect(message).not.toContain('short-secret');
  });

  it('reads DATABASE_URL (PostgreSQL only) and never echoes it or its password', () => {
    const url = 'postgres://pos:s3cret-pw@db.example.com:5432/pos?sslmode=require';
    const config = loadConfig({ DATABASE_URL: url });
    expect(config.databaseUrl).toBe(url);
    expect(secretValues(config)).toContain('s3cret-pw');
    expect(loadConfig({ DATABASE_URL: 'postgresql://db/pos' }).databaseUrl).toBe('postgresql://db/pos');
    const message = configError({ DATABASE_URL: 'mysql://pos:s3cret-pw@db/pos' }).message;
    expect(message).toMatch(/^DATABASE_URL: must be a PostgreSQL URL such as postgres:\/\//m);
    expect(message).not.toContain('s3cret-pw');
  });

  it('reads REDIS_URL (redis:// or rediss://) and its key prefix, never echoing the URL or its password', () => {
    const config = loadConfig({ REDIS_URL: 'redis://:r3dis-pw@cache.example.com:6379/0', REDIS_KEY_PREFIX: 'shop-a:' });
    expect(config.redis).toEqual({ url: 'redis://:r3dis-pw@cache.example.com:6379/0', keyPrefix: 'shop-a:' });
    expect(secretValues(config)).toContain('r3dis-pw');
    expect(loadConfig({ REDIS_URL: 'rediss://cache.example.com' }).redis.url).toBe('rediss://cache.example.com');
    const message = configError({ REDIS_URL: 'http://:r3dis-pw@cache', REDIS_KEY_PREFIX: 'a b' }).message;
    expect(message).toMatch(/^REDIS_URL: must be a Redis URL such as redis:\/\//m);
    expect(message).toMatch(/^REDIS_KEY_PREFIX: must be 1–64 letters/m);
    expect(message).not.toContain('r3dis-pw');
  });

  it('treats empty and blank values as unset', () => {
    const config = loadConfig({ PORT: '', LOG_LEVEL: '   ', DATA_DIR: '', ANSWER_MIN_CONFIDENCE: '' });
    expect(config.port).toBe(3978);
    expect(config.logLevel).toBe('info');
    expect(config.dataDir).toBe(path.join(REPO_ROOT, 'data'));
    expect(config.answerMinConfidence).toBe(0.28);
  });

  it('reads the back-office variables, requires the secret with the URL and never echoes secrets', () => {
    const config = loadConfig({
      BACKOFFICE_WEBHOOK_URL: 'https://backoffice.example.com/hooks/pos-assist',
      BACKOFFICE_WEBHOOK_SECRET: 'webhook-secret-0123456789',
      BACKOFFICE_API_KEY: 'api-key-0123456789abcdef0123',
    });
    expect(config.backoffice).toEqual({
      webhookUrl: 'https://backoffice.example.com/hooks/pos-assist',
      webhookSecret: 'webhook-secret-0123456789',
      apiKey: 'api-key-0123456789abcdef0123',
      phoneCodeUrl: undefined,
    });
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(problems({ BACKOFFICE_WEBHOOK_URL: 'https://backoffice.example.com/x' })).toMatch(/BACKOFFICE_WEBHOOK_SECRET: is required when BACKOFFICE_WEBHOOK_URL is set/);
    expect(problems({ BACKOFFICE_WEBHOOK_URL: 'ftp://x', BACKOFFICE_WEBHOOK_SECRET: 'webhook-secret-0123456789' })).toMatch(/BACKOFFICE_WEBHOOK_URL: must be an http\(s\) URL/);
    expect(problems({ BACKOFFICE_PHONE_CODE_URL: 'https://backoffice.example.com/sms' })).toMatch(/BACKOFFICE_WEBHOOK_SECRET: is required when BACKOFFICE_PHONE_CODE_URL is set/);
    expect(problems({ BACKOFFICE_PHONE_CODE_URL: 'sms://x', BACKOFFICE_WEBHOOK_SECRET: 'webhook-secret-0123456789' })).toMatch(/BACKOFFICE_PHONE_CODE_URL: must be an http\(s\) URL/);
    expect(loadConfig({ BACKOFFICE_PHONE_CODE_URL: 'https://backoffice.example.com/sms', BACKOFFICE_WEBHOOK_SECRET: 'webhook-secret-0123456789' }).backoffice.phoneCodeUrl).toBe('https://backoffice.example.com/sms');
    const short = problems({ BACKOFFICE_API_KEY: 'short-key-1', BACKOFFICE_WEBHOOK_SECRET: 'tiny-secret' });
    expect(short).toMatch(/BACKOFFICE_API_KEY: must be at least 24 characters/);
    expect(short).toMatch(/BACKOFFICE_WEBHOOK_SECRET: must be at least 16 characters/);
    expect(short).not.toContain('short-key-1');
    expect(short).not.toContain('tiny-secret');
  });

  it('has one time zone for flows, tickets and business hours; the older HANDOFF_TIME_ZONE is read when TIME_ZONE is unset', () => {
    const both = loadConfig({ TIME_ZONE: 'Europe/Berlin', HANDOFF_TIME_ZONE: 'America/New_York' });
    expect(both.timeZone).toBe('Europe/Berlin');
    expect(both.handoff.timeZone).toBe('Europe/Berlin');
    const older = loadConfig({ HANDOFF_TIME_ZONE: 'America/New_York' });
    expect([older.timeZone, older.handoff.timeZone]).toEqual(['America/New_York', 'America/New_York']);
    expect(configError({ TIME_ZONE: 'Mars/Olympus' }).message).toMatch(/^TIME_ZONE: must be an IANA time zone such as Asia\/Shanghai \(got "Mars\/Olympus"\)$/m);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      DATA_DIR: '/srv/pos/data',
      KNOWLEDGE_DIR: '/srv/pos/guide',
      FLOWS_DIR: '/srv/pos/flows',
      LOG_LEVEL: 'debug',
      DEFAULT_LOCALE: 'en',
      ANSWER_MIN_CONFIDENCE: '0.5',
      ANSWER_MAX_SOURCES: '5',
      PORT: ' 8080 ',
      TRANSCRIPT_RETENTION_DAYS: '30',
      NODE_ENV: 'production',
    });
    expect(config).toMatchObject({
      dataDir: '/srv/pos/data',
      knowledgeDir: '/srv/pos/guide',
      flowsDir: '/srv/pos/flows',
      logLevel: 'debug',
      defaultLocale: 'en',
      answerMinConfidence: 0.5,
      answerMaxSources: 5,
      port: 8080,
      transcriptRetentionDays: 30,
      nodeEnv: 'production',
      paths: {
        database: '/srv/pos/data/pos-assist.sqlite',
        index: '/srv/pos/data/index',
        files: '/srv/pos/data/files',
      },
    });
  });

  it('accepts the bounds of each range', () => {
    expect(loadConfig({ ANSWER_MIN_CONFIDENCE: '0', PORT: '1', ANSWER_MAX_SOURCES: '1' })).toMatchObject({
      answerMinConfidence: 0,
      port: 1,
      answerMaxSources: 1,
    });
    expect(loadConfig({ ANSWER_MIN_CONFIDENCE: '1', PORT: '65535', TRANSCRIPT_RETENTION_DAYS: '1' })).toMatchObject({
      answerMinConfidence: 1,
      port: 65535,
      transcriptRetentionDays: 1,
    });
    expect(loadConfig({ ANSWER_MIN_CONFIDENCE: '.9' }).answerMinConfidence).toBe(0.9);
  });

  it('resolves relative directories against the current working directory', () => {
    const cwd = process.cwd();
    const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'pos-assist-cwd-')));
    try {
      process.chdir(dir);
      const config = loadConfig({ DATA_DIR: 'state', KNOWLEDGE_DIR: './guide', FLOWS_DIR: '../flows' });
      expect(config.dataDir).toBe(path.join(dir, 'state'));
      expect(config.knowledgeDir).toBe(path.join(dir, 'guide'));
      expect(config.flowsDir).toBe(path.join(path.dirname(dir), 'flows'));
      expect(config.paths.database).toBe(path.join(dir, 'state', 'pos-assist.sqlite'));
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('returns a frozen object', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.paths)).toBe(true);
  });

  const cases: Array<[string, string, string]> = [
    ['PORT', 'abc', 'PORT: must be an integer between 1 and 65535 (got "abc")'],
    ['PORT', '0', 'PORT: must be an integer between 1 and 65535 (got "0")'],
    ['PORT', '70000', 'PORT: must be an integer between 1 and 65535 (got "70000")'],
    ['PORT', '80.5', 'PORT: must be an integer between 1 and 65535 (got "80.5")'],
    ['LOG_LEVEL', 'verbose', 'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")'],
    ['DEFAULT_LOCALE', 'zh', 'DEFAULT_LOCALE: must be one of zh-CN, en (got "zh")'],
    ['ANSWER_MIN_CONFIDENCE', '1.5', 'ANSWER_MIN_CONFIDENCE: must be a number between 0 and 1 (got "1.5")'],
    ['ANSWER_MIN_CONFIDENCE', 'high', 'ANSWER_MIN_CONFIDENCE: must be a number between 0 and 1 (got "high")'],
    ['ANSWER_MIN_CONFIDENCE', '-0.1', 'ANSWER_MIN_CONFIDENCE: must be a number between 0 and 1 (got "-0.1")'],
    ['ANSWER_MAX_SOURCES', '6', 'ANSWER_MAX_SOURCES: must be an integer between 1 and 5 (got "6")'],
    ['ANSWER_MAX_SOURCES', 'two', 'ANSWER_MAX_SOURCES: must be an integer between 1 and 5 (got "two")'],
    ['TRANSCRIPT_RETENTION_DAYS', '0', 'TRANSCRIPT_RETENTION_DAYS: must be an integer ≥ 1 (got "0")'],
    ['TRANSCRIPT_RETENTION_DAYS', '1e3', 'TRANSCRIPT_RETENTION_DAYS: must be an integer ≥ 1 (got "1e3")'],
  ];

  it.each(cases)('names %s=%j with its reason', (variable, value, line) => {
    const err = configError({ [variable]: value });
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message.split('\n')).toEqual(['Invalid configuration: 1 environment variable is invalid', line]);
    expect(issuesOf(err)).toEqual([{ variable, reason: line.slice(variable.length + 2) }]);
  });

  it('names every bad variable at once, one per line', () => {
    const err = configError({
      PORT: 'abc',
      LOG_LEVEL: 'loud',
      ANSWER_MAX_SOURCES: '9',
      DEFAULT_LOCALE: 'fr',
      DATA_DIR: '/fine',
    });
    expect(err.message).toBe(
      [
        'Invalid configuration: 4 environment variables are invalid',
        'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
        'DEFAULT_LOCALE: must be one of zh-CN, en (got "fr")',
        'ANSWER_MAX_SOURCES: must be an integer between 1 and 5 (got "9")',
        'PORT: must be an integer between 1 and 65535 (got "abc")',
      ].join('\n'),
    );
    expect(issuesOf(err).map((i) => i.variable)).toEqual(['LOG_LEVEL', 'DEFAULT_LOCALE', 'ANSWER_MAX_SOURCES', 'PORT']);
  });
});

describe('EMBEDDINGS=onnx', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** A model folder as bge-small-zh-v1.5 ships (the files' contents are the loader's business, not config's). */
  function modelFolder(files = ['onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'config.json']): string {
    dir = mkdtempSync(path.join(tmpdir(), 'pos-assist-model-'));
    const model = path.join(dir, 'bge-small-zh-v1.5');
    for (const f of files) {
      mkdirSync(path.dirname(path.join(model, f)), { recursive: true });
      writeFileSync(path.join(model, f), '{}');
    }
    return model;
  }

  it('takes a model folder and a pooling; the batch size defaults to 16', () => {
    const model = modelFolder();
    expect(loadConfig({ EMBEDDINGS: 'onnx', EMBEDDINGS_MODEL_DIR: model }).embeddings).toEqual({
      provider: 'onnx',
      model: 'text-embedding-3-small',
      batchSize: 16,
      apiKey: undefined,
      baseUrl: undefined,
      modelDir: model,
      pooling: 'cls',
    });
    const mean = loadConfig({ EMBEDDINGS: 'onnx', EMBEDDINGS_MODEL_DIR: model, EMBEDDINGS_POOLING: 'mean', EMBEDDINGS_BATCH_SIZE: '4' }).embeddings;
    expect(mean).toMatchObject({ pooling: 'mean', batchSize: 4 });
    // No key is needed: nothing leaves the machine.
    expect(loadConfig({ EMBEDDINGS: 'onnx', EMBEDDINGS_MODEL_DIR: model }).embeddings.apiKey).toBeUndefined();
  });

  it('accepts model.onnx at the folder’s root, and a relative folder (resolved against the working directory)', () => {
    const model = modelFolder(['model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'config.json']);
    const relative = path.relative(process.cwd(), model);
    expect(loadConfig({ EMBEDDINGS: 'onnx', EMBEDDINGS_MODEL_DIR: relative }).embeddings.modelDir).toBe(model);
  });

  it('requires the folder, and says what is wrong with it', () => {
    expect(issuesOf(configError({ EMBEDDINGS: 'onnx' }))).toEqual([
      { variable: 'EMBEDDINGS_MODEL_DIR', reason: 'is required when EMBEDDINGS=onnx (the folder of an ONNX sentence-embedding model, e.g. bge-small-zh-v1.5)' },
    ]);
    const missing = path.join(tmpdir(), 'pos-assist-no-such-model');
    expect(configError({ EMBEDDINGS: 'onnx', EMBEDDINGS_MODEL_DIR: missing }).message).toBe(
      `Invalid configuration: 1 environment variable is invalid\nEMBEDDINGS_MODEL_DIR: folder not found: ${missing} (got ${JSON.stringify(missing)})`,
    );
    const noModel = modelFolder(['tokenizer.json', 'tokenizer_config.json', 'config.json']);
    expect(configError({ EMBEDDINGS: 'onnx', EMBEDDINGS_MODEL_DIR: noModel }).message).toMatch(
      /^EMBEDDINGS_MODEL_DIR: no ONNX model in .*bge-small-zh-v1\.5 \(looked for onnx\/model\.onnx and model\.onnx\)/m,
    );
    const noTokenizer = modelFolder(['onnx/model.onnx', 'config.json']);
    expect(configError({ EMBEDDINGS: 'onnx', EMBEDDINGS_MODEL_DIR: noTokenizer }).message).toMatch(
      /^EMBEDDINGS_MODEL_DIR: tokenizer\.json, tokenizer_config\.json missing in /m,
    );
    const file = path.join(modelFolder(), 'config.json');
    expect(configError({ EMBEDDINGS: 'onnx', EMBEDDINGS_MODEL_DIR: file }).message).toMatch(/^EMBEDDINGS_MODEL_DIR: not a folder: /m);
  });

  it('checks the pooling, and ignores the folder unless EMBEDDINGS=onnx', () => {
    const model = modelFolder();
    expect(configError({ EMBEDDINGS: 'onnx', EMBEDDINGS_MODEL_DIR: model, EMBEDDINGS_POOLING: 'max' }).message).toMatch(
      /^EMBEDDINGS_POOLING: must be one of cls, mean \(got "max"\)$/m,
    );
    expect(loadConfig({ EMBEDDINGS_MODEL_DIR: path.join(tmpdir(), 'pos-assist-no-such-model') }).embeddings.provider).toBe('local');
    expect(configError({ EMBEDDINGS: 'sentence-transformers' }).message).toMatch(/^EMBEDDINGS: must be one of local, openai, onnx/m);
  });
});

describe('.env.example', () => {
  it('lists every variable, and uncommented it gives the defaults', () => {
    const example = readFileSync(path.join(REPO_ROOT, '.env.example'), 'utf8');
    const uncommented = parseEnv(example.replace(/^# ([A-Z][A-Z0-9_]*=)/gm, '$1'));
    expect(Object.keys(uncommented).sort()).toEqual([...CONFIG_VARIABLES].sort());
    expect(loadConfig(uncommented)).toEqual(loadConfig({}));
  });
});

describe('loadDotEnv', () => {
  const saved = { ...process.env };
  let dir: string | undefined;

  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  function envFile(content: string): string {
    dir = mkdtempSync(path.join(tmpdir(), 'pos-assist-env-'));
    const file = path.join(dir, '.env');
    writeFileSync(file, content);
    return file;
  }

  it('loads the file without overriding variables already set', () => {
    delete process.env.PORT;
    delete process.env.POS_ASSIST_TEST_FROM_FILE;
    process.env.LOG_LEVEL = 'warn';
    process.env.POS_ASSIST_TEST_SET = 'from-environment';
    const file = envFile(
      ['# comment', 'PORT=4000', 'LOG_LEVEL=debug', 'POS_ASSIST_TEST_SET=from-file', 'POS_ASSIST_TEST_FROM_FILE="quoted value"', ''].join('\n'),
    );

    expect(loadDotEnv(file)).toBe(true);
    expect(process.env.POS_ASSIST_TEST_SET).toBe('from-environment');
    expect(process.env.POS_ASSIST_TEST_FROM_FILE).toBe('quoted value');
    expect(process.env.LOG_LEVEL).toBe('warn');
    expect(process.env.PORT).toBe('4000');

    const config = loadConfig();
    expect(config.port).toBe(4000);
    expect(config.logLevel).toBe('warn');
  });

  it('keeps an empty variable from the environment (which then counts as unset)', () => {
    process.env.PORT = '';
    const file = envFile('PORT=4000\n');
    loadDotEnv(file);
    expect(process.env.PORT).toBe('');
    expect(loadConfig().port).toBe(3978);
  });

  it('does nothing when the file does not exist', () => {
    const before = { ...process.env };
    expect(loadDotEnv(path.join(tmpdir(), 'pos-assist-no-such-dir', '.env'))).toBe(false);
    expect(process.env).toEqual(before);
  });

  it('reports an unreadable file as CONFIG_INVALID', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pos-assist-env-'));
    // A directory where the file should be.
    expect(() => loadDotEnv(dir)).toThrow(AppError);
  });
});
