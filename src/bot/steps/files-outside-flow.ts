/**
 * Files with no flow in progress: for the request waiting for materials; or, sent with "帮我撤销这笔", the
 * request that reads the slip; otherwise kept until the merchant says what they are for (nothing dropped)
 * — never with a full card number on a photo (blacked out in the copy kept, the merchant told).
 */
import { t } from '../../i18n/messages.js';
import type { TurnStep } from '../turn.js';

export const filesOutsideFlow: TurnStep = async (turn, kit) => {
  const flows = kit.options.flows;
  const { context, conversation, text, files, locale } = turn;
  if (!flows || files.length === 0) return false;
  const supplement = flows.turns.supplementFlowId();
  if (conversation.awaitingSupplement && supplement) {
    await kit.startFlow(turn, supplement, { text, files });
    return true;
  }
  const intent = text ? flows.intents.detect(text, { withFiles: true }) : undefined;
  if (intent?.mode === 'start' && flows.turns.flow(intent.flowId).slots.some((s) => s.type === 'attachments')) {
    await kit.startFlow(turn, intent.flowId, { text, files });
    return true;
  }
  const covered = await flows.turns.coverCardNumbers(context, files, locale);
  await kit.sendSays(context, covered.notes);
  const held = [...(conversation.heldFiles ?? [])];
  for (const f of covered.files) if (!held.some((h) => h.file === f.file)) held.push(f);
  if (held.length === 0) return true;
  conversation.heldFiles = held.slice(-10);
  const options = [t(locale, 'actionStartCancel'), t(locale, 'actionSupplement'), t(locale, 'actionStartSuspend')];
  await context.sendActivity(kit.withActions(context, t(locale, 'filesWithoutFlow', { count: held.length }), options));
  return true;
};
