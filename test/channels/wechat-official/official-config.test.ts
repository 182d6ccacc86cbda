/** The WECHAT_OA_* and WECOM_KF_* variables: validated at start, with the variable's name and the reason. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/app/config.js';

function problems(env: Record<string, string>): string {
  try {
    loadConfig(env);
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

describe('WeChat Official Account and WeCom kf configuration', () => {
  it('needs the secret and token with an AppID, and the three callback settings with a corp ID', () => {
    const oa = problems({ WECHAT_OA_APP_ID: 'wx0123456789abcdef' });
    expect(oa).toContain('WECHAT_OA_APP_SECRET: is required when WECHAT_OA_APP_ID is set');
    expect(oa).toContain('WECHAT_OA_TOKEN: is required');
    const kf = problems({ WECOM_KF_CORP_ID: 'ww0123456789abcdef' });
    for (const name of ['WECOM_KF_SECRET', 'WECOM_KF_TOKEN', 'WECOM_KF_ENCODING_AES_KEY']) expect(kf).toContain(`${name}: is required`);
  });

  it('refuses malformed values without echoing secrets', () => {
    const message = problems({ WECHAT_OA_APP_ID: 'gh_123', WECHAT_OA_ENCODING_AES_KEY: 'tooShortSecretValue', WECHAT_OA_PASSIVE_REPLY_MS: '6000', WECOM_KF_HANDOFF: 'phone' });
    expect(message).toContain('WECHAT_OA_APP_ID: must be the AppID');
    expect(message).toContain('WECHAT_OA_ENCODING_AES_KEY: must be the 43-character EncodingAESKey');
    expect(message).not.toContain('tooShortSecretValue');
    expect(message).toContain('WECHAT_OA_PASSIVE_REPLY_MS: must be an integer between 100 and 4500');
    expect(message).toContain('WECOM_KF_HANDOFF: must be one of console, wecom');
    expect(problems({ WECOM_KF_HANDOFF: 'wecom' })).toContain('WECOM_KF_SERVICER_USERID: is required when WECOM_KF_HANDOFF=wecom');
  });

  it('reads a complete setting', () => {
    const config = loadConfig({
      WECHAT_OA_APP_ID: 'wx0123456789abcdef',
      WECHAT_OA_APP_SECRET: '0123456789abcdef0123456789abcdef',
      WECHAT_OA_TOKEN: 'token123',
      WECHAT_OA_ENCODING_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
      WECHAT_OA_API_BASE: 'http://127.0.0.1:9/',
      WECHAT_OA_TRANSFER_CUSTOMER_SERVICE: 'yes',
    });
    expect(config.wechatOfficial).toMatchObject({ appId: 'wx0123456789abcdef', apiBase: 'http://127.0.0.1:9', transferToWechat: true, path: '/wechat/official' });
  });
});
