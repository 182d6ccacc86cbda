import { describe, expect, it } from 'vitest';
import { detectLocale, messageKeys, t } from '../../src/i18n/messages.js';

describe('messages', () => {
  it('every key exists in both languages, and only the zh answer intro is empty', () => {
    expect(messageKeys('en').sort()).toEqual(messageKeys('zh-CN').sort());
    for (const key of messageKeys('zh-CN')) {
      expect(t('en', key).length, `en ${key}`).toBeGreaterThan(0);
      if (key !== 'answerIntro') expect(t('zh-CN', key).length, `zh ${key}`).toBeGreaterThan(0);
    }
  });

  it('never asks for card data it must not collect', () => {
    for (const locale of ['zh-CN', 'en'] as const) {
      for (const key of messageKeys(locale)) {
        const text = t(locale, key);
        // Mentions are warnings ("请不要发送…"), never requests ("请提供卡号").
        expect(text).not.toMatch(/请(提供|发送|输入)(完整)?(卡号|密码|CVV|有效期)/);
        expect(text).not.toMatch(/please (send|provide|enter) (your |the )?(full card|pin|cvv|expiry|password)/i);
      }
    }
  });
});

describe('detectLocale', () => {
  it.each([
    ['已经结算的交易怎么退货', 'zh-CN'],
    ['pos refund 怎么弄', 'zh-CN'],
    ['how do I refund a settled sale', 'en'],
    ['refund', 'en'],
    ['void失败了 code 25', 'zh-CN'],
    ['12345', undefined],
    ['ok', undefined],
    ['POS', undefined],
    ['👍', undefined],
  ])('%s → %s', (text, locale) => {
    expect(detectLocale(text)).toBe(locale);
  });
});
