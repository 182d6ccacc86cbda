/** The WeCom 微信客服 (kf) channel: API client, adapter, service states, start-up (the shared parts: ../wechat-platform/). */
export { DEFAULT_WECOM_API_BASE, KF_ORIGIN, KF_STATE, KfClient, type KfMessage, type KfOutgoing, type KfState } from './kf-client.js';
export { KfAdapter, kfConversationId, kfParties, KfSendLimitError, WECOM_KF_CHANNEL_ID, type KfAdapterOptions } from './kf-adapter.js';
export { fitInto, KF_SEND_ALLOWANCE, KF_SEND_LIMIT_ERRCODE, KF_SEND_WINDOW_MS, SendBudget } from './send-budget.js';
export { ServiceStates, type HandoffMode } from './service-state.js';
export { kfSecrets, startWecomKf, type WecomKfChannel, type WecomKfConfig, type WecomKfDeps, type WecomKfStatus } from './start.js';
