/**
 * "取消" (or its button, "是，取消"; read as the flows read it) with no flow in progress: there is nothing
 * to cancel, and an offer lapses.
 */
import { t } from '../../i18n/messages.js';
import { CANCEL, YES_CANCEL } from '../../flows/utterances.js';
import type { TurnStep } from '../turn.js';

export const nothingToCancel: TurnStep = async ({ context, conversation, text, locale }, kit) => {
  if (!kit.options.flows || !(CANCEL.test(text) || YES_CANCEL.test(text))) return false;
  delete conversation.offer;
  await kit.say(context, t(locale, 'nothingToCancel'));
  return true;
};
