/**
 * The chat platforms besides web chat — Telegram, the WeChat Official Account, WeCom 微信客服 and the
 * wechaty puppet — as the server starts, shows and stops them. Their callback routes are registered
 * before the server listens; the channels start once the bot is loaded. A channel that cannot start
 * (wrong token, API unreachable, bad puppet) is logged and shown as `failed` in `/readyz`; the others stay
 * up. Telegram long polling and the puppet run on the elected leader only (`startSingletons`): two
 * pollers of one bot steal each other's updates, two puppets are two logins.
 */
import type { FastifyInstance } from 'fastify';
import type { PlatformChannelDeps } from '../channels/channel-adapter.js';
import { startTelegram, telegramWebhookPath, telegramWebhookRoutes, type TelegramChannel } from '../channels/telegram/index.js';
import type { WechatChannel } from '../channels/wechat/index.js';
import { officialSecrets, startWechatOfficial, type WechatOfficialChannel } from '../channels/wechat-official/index.js';
import { wechatCallbackRoutes } from '../channels/wechat-platform/index.js';
import { kfSecrets, startWecomKf, type WecomKfChannel } from '../channels/wecom-kf/index.js';
import type { SqlStorage } from '../store/index.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

/** 'standby': polling runs on the leader, another instance (this one still sends: notices, agents' replies). */
type TelegramStatus = 'off' | 'starting' | 'up' | 'standby' | 'failed';

export class PlatformChannels {
  private telegram: TelegramChannel | undefined;
  private telegramStatus: TelegramStatus;
  private wechat: WechatChannel | undefined;
  private wechatFailed = false;
  private wechatOfficial: WechatOfficialChannel | undefined;
  private wechatOfficialFailed = false;
  private wecomKf: WecomKfChannel | undefined;
  private wecomKfFailed = false;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
    /** Whether this instance leads (runs the singletons) now. */
    private readonly isLeader: () => boolean,
  ) {
    this.telegramStatus = config.telegram.botToken ? 'starting' : 'off';
  }

  /** The platforms' callback URLs (Telegram's webhook, the Official Account's and WeCom's), each its own scope. */
  async registerRoutes(app: FastifyInstance): Promise<void> {
    const { config } = this;
    if (config.telegram.botToken && config.telegram.webhookUrl) {
      await app.register(telegramWebhookRoutes, {
        adapter: () => this.telegram?.adapter,
        secretToken: config.telegram.webhookSecret!,
        path: telegramWebhookPath(config.telegram),
      });
    }
    if (config.wechatOfficial.appId) {
      await app.register(wechatCallbackRoutes, {
        path: config.wechatOfficial.path,
        secrets: officialSecrets(config.wechatOfficial),
        scheme: 'official',
        receiver: () => (this.wechatOfficial ? (xml) => this.wechatOfficial!.adapter.receive(xml) : undefined),
      });
    }
    if (config.wecomKf.corpId) {
      await app.register(wechatCallbackRoutes, {
        path: config.wecomKf.path,
        secrets: kfSecrets(config.wecomKf),
        scheme: 'wecom',
        receiver: () => (this.wecomKf ? (xml) => this.wecomKf!.adapter.receive(xml) : undefined),
      });
    }
  }

  /** Each channel's state, as `/readyz` shows it. */
  statuses(): { telegram: TelegramStatus; wechat: string; wechatOfficial: string; wecomKf: string } {
    const { config } = this;
    return {
      telegram: this.telegramStatus,
      wechat: this.wechatStatus(),
      wechatOfficial: config.wechatOfficial.appId ? (this.wechatOfficialFailed ? 'failed' : (this.wechatOfficial?.status() ?? 'starting')) : 'off',
      wecomKf: config.wecomKf.corpId ? (this.wecomKfFailed ? 'failed' : (this.wecomKf?.status() ?? 'starting')) : 'off',
    };
  }

  wechatStatus(): string {
    if (!this.config.wechat.puppet) return 'off';
    return this.wechatFailed ? 'failed' : (this.wechat?.status() ?? (this.isLeader() ? 'starting' : 'standby'));
  }

  /** The puppet's login QR code and logged-in user, for the operators' page. */
  wechatLogin(): { qrcode: ReturnType<WechatChannel['qrcode']> | undefined; user: ReturnType<WechatChannel['user']> | undefined } {
    return { qrcode: this.wechat?.qrcode(), user: this.wechat?.user() };
  }

  /** Starts the configured channels (Telegram without its polling: that is a singleton). */
  async start(deps: PlatformChannelDeps, storage: () => SqlStorage): Promise<void> {
    const { config, logger } = this;
    if (config.telegram.botToken) {
      try {
        this.telegram = await startTelegram({ ...deps, config: config.telegram, deferPolling: true });
        this.telegramStatus = this.telegram.mode === 'polling' ? 'standby' : 'up';
        logger.info({ mode: this.telegram.mode }, 'Telegram channel started');
      } catch (err) {
        this.telegramStatus = 'failed';
        logger.error({ err }, 'Telegram channel could not start');
      }
    }
    if (config.wechatOfficial.appId) {
      this.wechatOfficial = await this.callbackChannel('Official Account', config.wechatOfficial.path, () =>
        startWechatOfficial({ ...deps, config: config.wechatOfficial, storage: storage() }),
      );
      this.wechatOfficialFailed = !this.wechatOfficial;
    }
    if (config.wecomKf.corpId) {
      this.wecomKf = await this.callbackChannel('WeCom customer-service', config.wecomKf.path, () => startWecomKf({ ...deps, config: config.wecomKf, storage: storage() }));
      this.wecomKfFailed = !this.wecomKf;
    }
  }

  /** A channel the platform calls back (Official Account, WeCom): started and logged, or undefined and logged. */
  private async callbackChannel<T extends { status(): string }>(name: string, path: string, start: () => Promise<T>): Promise<T | undefined> {
    try {
      const channel = await start();
      this.logger.info({ path, status: channel.status() }, `${name} channel started`);
      return channel;
    } catch (err) {
      this.logger.error({ err }, `${name} channel could not start`);
      return undefined;
    }
  }

  /** On becoming the leader: Telegram long polling, then the WeChat puppet. */
  async startSingletons(deps: PlatformChannelDeps): Promise<void> {
    const { config, logger } = this;
    const polling = this.telegram?.polling;
    if (polling) {
      try {
        await polling.start();
        this.telegramStatus = 'up';
      } catch (err) {
        this.telegramStatus = 'failed';
        logger.error({ err }, 'Telegram polling could not start');
      }
    }
    if (config.wechat.puppet) {
      try {
        this.wechatFailed = false;
        // wechaty takes seconds to load: only a server with a puppet configured pays for it.
        const { startWechat } = await import('../channels/wechat/index.js');
        this.wechat = await startWechat({ ...deps, config: config.wechat });
        logger.info({ puppet: config.wechat.puppet }, 'WeChat channel started; waiting for login (scan the QR code)');
      } catch (err) {
        this.wechatFailed = true;
        logger.error({ err }, 'WeChat channel could not start');
      }
    }
  }

  /** On losing the lead (or shutting down): the puppet and the polling stop; the adapters stay to send. */
  async stopSingletons(): Promise<void> {
    await this.wechat?.stop();
    this.wechat = undefined;
    if (this.telegram?.polling) {
      await this.telegram.polling.stop();
      if (this.telegramStatus === 'up') this.telegramStatus = 'standby';
    }
  }

  async stop(): Promise<void> {
    await this.telegram?.stop();
    await this.wechatOfficial?.stop();
    await this.wecomKf?.stop();
  }
}
