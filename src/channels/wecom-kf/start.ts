/**
 * Starting the WeCom 微信客服 channel. The server also serves `wechatCallbackRoutes` (scheme `wecom`) at
 * `WECOM_KF_PATH`, with the channel's `receive` once it has started.
 *
 * At start: an access token is fetched (a wrong secret stops the channel: `/readyz` says `failed`), the
 * messages a previous process stored but did not finish are run, and each configured account is pulled
 * once — the configured one, else every account WeCom has called about — for messages that arrived while
 * the server was down (the cursor says where it stopped).
 */
import type { Storage } from 'botbuilder';
import type { PlatformChannelDeps } from '../channel-adapter.js';
import type { CallbackSecrets } from '../wechat-platform/callback.js';
import { channelStore } from '../wechat-platform/channel-store.js';
import type { WecomKfConfig } from './config.js';
import { KfAdapter } from './kf-adapter.js';
import { KfClient } from './kf-client.js';
import { platformOptions, replayStored } from '../wechat-platform/platform-adapter.js';
import { AppError } from '../../core/errors.js';

export type { WecomKfConfig } from './config.js';
export type WecomKfStatus = 'up' | 'failed';

export interface WecomKfDeps extends PlatformChannelDeps {
  config: WecomKfConfig;
  storage: Storage;
}

export interface WecomKfChannel {
  adapter: KfAdapter;
  status(): WecomKfStatus;
  stop(): Promise<void>;
}

export function kfSecrets(config: WecomKfConfig): CallbackSecrets {
  if (!config.corpId || !config.token || !config.encodingAesKey) throw new AppError('CONFIG_INVALID', 'wecom-kf: WECOM_KF_CORP_ID, WECOM_KF_TOKEN and WECOM_KF_ENCODING_AES_KEY are required');
  return { token: config.token, encodingAesKey: config.encodingAesKey, receiveId: config.corpId };
}

export async function startWecomKf(deps: WecomKfDeps): Promise<WecomKfChannel> {
  const { config } = deps;
  kfSecrets(config);
  if (!config.secret) throw new AppError('CONFIG_INVALID', 'wecom-kf: WECOM_KF_SECRET is required');
  const log = deps.logger.child({ channel: 'wecom-kf' });
  const store = channelStore(deps.storage, 'wecom-kf/');
  const client = new KfClient({ corpId: config.corpId!, secret: config.secret, baseUrl: config.apiBase, tokens: store, logger: log });
  // A wrong corp ID or secret stops here, with WeCom's errcode.
  await client.api.accessToken();
  const adapter = new KfAdapter({
    client,
    ...platformOptions(deps, store, log),
    handoff: config.handoff,
    ...(config.servicerUserId ? { servicerUserId: config.servicerUserId } : {}),
    ...(config.openKfId ? { openKfId: config.openKfId } : {}),
  });
  deps.attach(adapter);
  await replayStored(adapter, deps.journal, log);
  // What came while the server was down (the cursor says where the last pull stopped).
  for (const account of await adapter.accounts()) void adapter.pull(account);
  log.info({ path: config.path, handoff: config.handoff }, 'wecom-kf: ready for callbacks');
  return {
    adapter,
    status: () => 'up',
    async stop() {
      await adapter.drain();
    },
  };
}
