/**
 * What the merchant is told about the message itself before anything reads it: a card number was
 * masked (never send it), a file could not be used, the message was empty. Only an empty message (or one
 * whose only files were all unusable) ends the turn.
 */
import { MASKED_CARD_NUMBERS } from '../../channels/channel-adapter.js';
import { t } from '../../i18n/messages.js';
import type { TurnStep } from '../turn.js';

export const inboundChecks: TurnStep = async ({ context, text, files, unusableFiles, locale }, kit) => {
  if (Number(context.turnState.get(MASKED_CARD_NUMBERS) ?? 0) > 0) await kit.say(context, t(locale, 'cardNumberWarning'));
  const flows = kit.options.flows;
  if (unusableFiles > 0 || (!flows && (context.activity.attachments ?? []).length > 0)) {
    await kit.say(context, t(locale, flows ? 'fileUnusable' : 'unsupportedAttachment'));
    if (!text && files.length === 0) return true;
  }
  if (!text && files.length === 0) {
    await kit.say(context, t(locale, 'emptyMessage'));
    return true;
  }
  return false;
};
