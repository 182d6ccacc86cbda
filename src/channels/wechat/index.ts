/** The WeChat channel (wechaty): adapter, start-up. */
export {
  numberedOptions,
  WECHAT_CHANNEL_ID,
  WechatAdapter,
  wechatConversationId,
  type MessageHandled,
  type MessageOutcome,
  type WechatAdapterOptions,
} from './wechat-adapter.js';
export { startWechat, type WechatChannel, type WechatConfig, type WechatDeps, type WechatLoginQrcode, type WechatStatus } from './start.js';
export { WechatState } from './wechat-state.js';
