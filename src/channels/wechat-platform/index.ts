/**
 * What the Official Account (../wechat-official/) and WeCom 微信客服 (../wecom-kf/) share: the callback
 * crypto and XML (WXBizMsgCrypt), the callback route, the HTTP client with its shared access token, the
 * channel store, and the adapter base class (journal, options, files, outgoing parts).
 */
export { buildXml, CALLBACK_MAX_SKEW_MS, openCallback, sealReply, signatureOf, timestampSkewMs, verifyUrl, type CallbackQuery, type CallbackSecrets, type CallbackXml } from './callback.js';
export { wechatCallbackRoutes, type CallbackRouteOptions } from './callback-routes.js';
export { channelStore, type ChannelStore } from './channel-store.js';
export { WechatPlatformAdapter, platformOptions, replayStored, type MessageHandled, type MessageOutcome, type OutgoingPart, type PlatformAdapterOptions, type PlatformJob } from './platform-adapter.js';
export { WechatApi, WechatApiError, type Download, type TokenEntry, type TokenStore, type TooLarge } from './wechat-api.js';
