/** The Official Account (公众号) channel: API client, adapter, start-up (the shared parts: ../wechat-platform/). */
export { DEFAULT_WECHAT_API_BASE, OfficialAccountClient } from './official-client.js';
export { OfficialAccountAdapter, officialConversationId, WECHAT_OFFICIAL_CHANNEL_ID, WindowClosedError, type OfficialAdapterOptions } from './official-adapter.js';
export { officialSecrets, startWechatOfficial, type WechatOfficialChannel, type WechatOfficialConfig, type WechatOfficialDeps, type WechatOfficialStatus } from './start.js';
