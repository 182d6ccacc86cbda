/**
 * Starting the Official Account channel. The server also serves `wechatCallbackRoutes` at the configured
 * path (`WECHAT_OA_PATH`), with the channel's `receive` once it has started.
 *
 * At start the messages a previous process stored but did not finish are run (their replies go through
 * the API), and an access token is fetched: when that fails (wrong AppSecret, the server's IP not in the
 * account's whitelist) the channel still answers passively and `/readyz` says `passive-only`.
 */
import type { Storage } from 'botbuilder';
import type { PlatformChannelDeps } from '../channel-adapter.js';
import type { CallbackSecrets } from '../wechat-platform/callback.js';
import { channelStore } from '../wechat-platform/channel-store.js';
import { OfficialAccountClient } from './official-client.js';
import { OfficialAccountAdapter } from './official-adapter.js';
import { platformOptions, replayStored } from '../wechat-platform/platform-adapter.js';
import { AppError } from '../../core/errors.js';

/** The channel's settings (`config.wechatOfficial`, from the `WECHAT_OA_*` variables). */
export interface WechatOfficialConfig {
  /** The account's AppID (开发者ID); unset = no Official Account channel. */
  readonly appId: string | undefined;
  readonly appSecret: string | undefined;
  /** The Token entered with the server URL (服务器配置). */
  readonly token: string | undefined;
  /** The EncodingAESKey (43 characters) for safe mode; unset = plain mode. */
  readonly encodingAesKey: string | undefined;
  /** The path WeChat calls (the path of the server URL entered in the console). */
  readonly path: string;
  /** https://api.weixin.qq.com (tests: a local fake). */
  readonly apiBase: string;
  /** How long a callback waits for the bot's answer before replying "success" (ms, < 5000). */
  readonly passiveReplyMs: number;
  /** Hand users who ask for a person to WeChat's own customer-service tools too (`transfer_customer_service`). */
  readonly transferToWechat: boolean;
}

export type WechatOfficialStatus = 'up' | 'passive-only' | 'failed';

export interface WechatOfficialDeps extends PlatformChannelDeps {
  config: WechatOfficialConfig;
  /** Where tokens, windows and options are kept (the bot's SQL `Storage`, shared by instances). */
  storage: Storage;
}

export interface WechatOfficialChannel {
  adapter: OfficialAccountAdapter;
  secrets: CallbackSecrets;
  status(): WechatOfficialStatus;
  stop(): Promise<void>;
}

export function officialSecrets(config: WechatOfficialConfig): CallbackSecrets {
  if (!config.appId || !config.token) throw new AppError('CONFIG_INVALID', 'wechat-official: WECHAT_OA_APP_ID and WECHAT_OA_TOKEN are required');
  return { token: config.token, encodingAesKey: config.encodingAesKey, receiveId: config.appId };
}

export async function startWechatOfficial(deps: WechatOfficialDeps): Promise<WechatOfficialChannel> {
  const { config } = deps;
  const secrets = officialSecrets(config);
  if (!config.appSecret) throw new AppError('CONFIG_INVALID', 'wechat-official: WECHAT_OA_APP_SECRET is required');
  const log = deps.logger.child({ channel: 'wechat-official' });
  const store = channelStore(deps.storage, 'wechat-official/');
  const client = new OfficialAccountClient({ appId: config.appId!, appSecret: config.appSecret, baseUrl: config.apiBase, tokens: store, logger: log });
  const adapter = new OfficialAccountAdapter({
    client,
    ...platformOptions(deps, store, log),
    passiveReplyMs: config.passiveReplyMs,
    transferToWechat: config.transferToWechat,
  });
  deps.attach(adapter);
  let status: WechatOfficialStatus = 'up';
  try {
    await client.api.accessToken();
  } catch (err) {
    status = 'passive-only';
    log.error({ err }, 'wechat-official: no access token (check WECHAT_OA_APP_SECRET and the IP whitelist); answering passively only');
  }
  await replayStored(adapter, deps.journal, log);
  log.info({ path: config.path, safeMode: Boolean(config.encodingAesKey) }, 'wechat-official: ready for callbacks');
  return {
    adapter,
    secrets,
    status: () => status,
    async stop() {
      await adapter.drain();
    },
  };
}
