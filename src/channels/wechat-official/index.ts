/** The Official Account (公众号) channel: callback crypto, API client, adapter, start-up, callback route. */
export { buildXml, openCallback, sealReply, signatureOf, verifyUrl, type CallbackSecrets, type CallbackXml } from './callback.js';
export { channelStore, type ChannelStore } from './channel-store.js';
export { DEFAULT_WECHAT_API_BASE, OfficialAccountClient } from './official-client.js';
export { OfficialAccountAdapter, officialConversationId, WECHAT_OFFICIAL_CHANNEL_ID, WindowClosedError, type OfficialAdapterOptions } from './official-adapter.js';
export type { MessageHandled, MessageOutcome } from './platform-adapter.js';
export { officialSecrets, startWechatOfficial, type WechatOfficialChannel, type WechatOfficialConfig, type WechatOfficialDeps, type WechatOfficialStatus } from './start.js';
export { wechatCallbackRoutes, type CallbackRouteOptions } from './routes.js';
export { WechatApi, WechatApiError, type TokenEntry, type TokenStore } from './wechat-api.js';
