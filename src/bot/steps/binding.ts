/**
 * Who the merchant is: "/bind 12345678", "绑定 12345678", "bind 12345678" — or "绑定", then the code —
 * binds this chat's user to the merchant the back office issued the code for; "短信验证 <merchant ID>"
 * texts a code to the phone on file for that merchant. A flow in progress then asks its question again.
 */
import type { TurnContext } from 'botbuilder';
import { t, type Locale } from '../../i18n/messages.js';
import type { ConversationData, TurnStep } from '../turn.js';
import type { TurnKit } from '../turn-kit.js';

/** A binding code sent with its command ("/bind 12345678", "绑定码：12345678"); group 1 is absent for the bare command. */
const BIND = /^\s*(?:\/bind|绑定码?|綁定碼?|bind(?:ing code)?)\s*[:：]?\s*(\d{8})?\s*[。.!！]?\s*$/i;
/** The code alone, after the bot asked for it. */
const BIND_CODE_ALONE = /^\s*(\d{8})\s*$/;
/** Asking for a code texted to the merchant's phone on file, with or without the merchant ID (group 1). */
const PHONE_CHECK = /^\s*(?:\/verify|短信验证|手机验证|短信認證|手機驗證|验证|驗證|verify(?: by (?:sms|text|phone))?|sms verify)\s*[:：]?\s*(\d{15})?\s*[。.!！]?\s*$/i;

export const binding: TurnStep = async (turn, kit) => {
  if (!(await bindingTurn(kit, turn.context, turn.conversation, turn.text, turn.locale))) return false;
  await kit.reprompt(turn);
  return true;
};

/** True when the message was a binding code, the command without one, or a phone check. */
async function bindingTurn(kit: TurnKit, context: TurnContext, conversation: ConversationData, text: string, locale: Locale): Promise<boolean> {
  const identities = kit.options.identities;
  if (!identities) return false;
  const phoneCheck = kit.options.phoneCheck ? PHONE_CHECK.exec(text) : null;
  if (phoneCheck) {
    await phoneCheckTurn(kit, context, conversation, phoneCheck[1] ?? conversation.merchantId, locale);
    return true;
  }
  const asked = conversation.awaitingBindingCode === true;
  delete conversation.awaitingBindingCode;
  const m = BIND.exec(text) ?? (asked ? BIND_CODE_ALONE.exec(text) : null);
  if (!m) return false;
  const code = m[1];
  if (!code) {
    conversation.awaitingBindingCode = true;
    await kit.say(context, t(locale, 'bindAsk'));
    return true;
  }
  const result = await identities.redeem({ channelId: context.activity.channelId, userId: context.activity.from?.id ?? '' }, code);
  const reply = result.ok
    ? t(locale, 'bindDone', { merchant: result.merchantId })
    : result.reason === 'limited'
      ? t(locale, 'bindLimited', { minutes: String(Math.max(1, Math.ceil(result.retryAfterSeconds / 60))) })
      : t(locale, 'bindInvalid');
  if (result.ok) conversation.merchantId = result.merchantId;
  await kit.say(context, reply);
  return true;
}

/**
 * "短信验证 898310048160001": the back office texts a one-time code to the phone it has on file for that
 * merchant (never to a number typed here), and the next 8 digits this user sends are taken as it.
 */
async function phoneCheckTurn(kit: TurnKit, context: TurnContext, conversation: ConversationData, merchantId: string | undefined, locale: Locale): Promise<void> {
  if (!merchantId) {
    await kit.say(context, t(locale, 'phoneCheckNeedsMerchant'));
    return;
  }
  const result = await kit.options.phoneCheck!.send({ channelId: context.activity.channelId, userId: context.activity.from?.id ?? '' }, merchantId);
  if (result.ok) {
    conversation.awaitingBindingCode = true;
    const reply = result.phone ? t(locale, 'phoneCheckSent', { phone: result.phone }) : t(locale, 'phoneCheckSentUnnamed');
    await kit.say(context, reply);
    return;
  }
  const reply =
    result.reason === 'limited'
      ? t(locale, 'bindLimited', { minutes: String(Math.max(1, Math.ceil(result.retryAfterSeconds / 60))) })
      : t(locale, result.reason === 'no_phone' ? 'phoneCheckNoPhone' : 'phoneCheckUnavailable');
  await kit.say(context, reply);
}
