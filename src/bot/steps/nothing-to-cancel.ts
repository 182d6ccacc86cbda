/** "取消" (or its button, "是，取消") with no flow in progress: there is nothing to cancel, and an offer lapses. */
import { t } from '../../i18n/messages.js';
import type { TurnStep } from '../turn.js';

const CANCEL_ALONE = /^((是|是的|确定|yes)[，,\s]*)?(取消|算了|不办了|不申请了|cancel|never ?mind)[\s!！。.]*$/i;

export const nothingToCancel: TurnStep = async ({ context, conversation, text, locale }, kit) => {
  if (!kit.options.flows || !CANCEL_ALONE.test(text)) return false;
  delete conversation.offer;
  await kit.say(context, t(locale, 'nothingToCancel'));
  return true;
};
