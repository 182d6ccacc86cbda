/** The WeCom 微信客服 channel's settings (`config.wecomKf`, from the `WECOM_KF_*` variables). */
export interface WecomKfConfig {
  /** The corp ID (企业ID); unset = no kf channel. It is also the callbacks' receive ID. */
  readonly corpId: string | undefined;
  /** The 微信客服 Secret (微信客服 → API). */
  readonly secret: string | undefined;
  /** The callback Token and EncodingAESKey entered with the URL. */
  readonly token: string | undefined;
  readonly encodingAesKey: string | undefined;
  /** Only this 客服账号 (open_kfid); unset = every account the secret manages. */
  readonly openKfId: string | undefined;
  /** The path WeCom calls. */
  readonly path: string;
  /** https://qyapi.weixin.qq.com (tests: a local fake). */
  readonly apiBase: string;
  /**
   * Where people answer: `console` (our agent console; the session stays with the bot — WeCom lets the
   * API send only then — and ends when an agent resolves it) or `wecom` (the session moves to WeCom's queue
   * on a handoff and to `servicerUserId` when an agent claims it: that member answers in the WeCom app).
   */
  readonly handoff: 'console' | 'wecom';
  readonly servicerUserId: string | undefined;
}
