/**
 * A request under way: the message is its answer — unless it asks after an earlier request in passing,
 * sets the new one aside for an earlier one's status, or asks for another request outright. Requests are
 * handled in private chats only.
 */
import type { FileRef } from '../../flows/engine.js';
import { GIVE_UP_CURRENT } from '../../flows/intent.js';
import { CANCEL_CLAUSE, TRY_AGAIN } from '../../flows/utterances.js';
import { t } from '../../i18n/messages.js';
import { TICKET_IN_TEXT } from '../flow-turns.js';
import type { TurnStep } from '../turn.js';

export const flowInProgress: TurnStep = async (turn, kit) => {
  const flows = kit.options.flows;
  const { context, conversation, text, files, locale } = turn;
  if (!flows || !conversation.flow) return false;
  if (context.activity.conversation?.isGroup) {
    // A flow from before this rule (or a group that was a private chat): it does not go on here.
    delete conversation.flow;
    await kit.say(context, t(locale, 'groupPrivateOnly'));
    return true;
  }
  // Materials for another ticket sent in the middle ("等下 先弄另一个 CX-… 你们要的盖章退货说明" + the PDF): the
  // request under way is set aside, the supplement made, and the request taken up again after it.
  const supplementId = flows.turns.supplementFlowId();
  if (files.length > 0 && supplementId && conversation.flow.flowId !== supplementId && TICKET_IN_TEXT.test(text) && flows.intents.detect(text, { withFiles: true })?.flowId === supplementId) {
    conversation.parkedFlow = { state: conversation.flow, at: Date.now() };
    delete conversation.flow;
    await kit.say(context, t(locale, 'flowParked', { title: flows.turns.flow(conversation.parkedFlow.state.flowId).title[locale] }));
    await kit.startFlow(turn, supplementId, { text, files });
    return true;
  }
  if (files.length === 0 && text) {
    const merchantId = conversation.flow.values.merchant_id?.value ?? conversation.merchantId;
    const statusFlow = flows.intents.stated(text, 'own');
    const passing = await flows.turns.statusInPassing(context, conversation.flow, statusFlow, typeof merchantId === 'string' ? merchantId : undefined, locale);
    if (passing) {
      await kit.applyFlowReply(turn, passing);
      return true;
    }
    // Asked after an earlier request as a new one has just begun, nothing given yet: the new one is set
    // aside (nothing is lost) and the earlier one looked up.
    if (statusFlow && statusFlow !== conversation.flow.flowId && Object.keys(conversation.flow.values).length === 0) {
      delete conversation.flow;
      await kit.say(context, t(locale, 'flowSetAside'));
      await kit.startFlow(turn, statusFlow, { text, files: [] });
      return true;
    }
    // Another request asked for outright ("算了退款先不弄 我要暂停结算"): the one under way ends when the
    // merchant gives it up or gave nothing but the merchant ID (which goes along); else it is an answer.
    // …or given up and another asked for after it ("算了 退款不弄了… 不过还有个事 …你们往我卡里打钱那个先停一下").
    const gaveUp = statusFlow ? undefined : afterGivingUp(text, conversation.flow.flowId, flows.intents);
    const given = Object.keys(conversation.flow.values).filter((name) => name !== 'merchant_id');
    // Nothing given yet but the merchant ID, and the message is another request in itself ("为期二十日 暂停结算"
    // at the merchant-ID question): the merchant meant that one, wish words or not.
    // (Not while looking a request up: "my refund request yesterday" names the request to find.)
    const restated = !statusFlow && given.length === 0 && conversation.flow.flowId !== flows.intents.statusFlowId() ? flows.intents.detect(text) : undefined;
    const asNew = restated?.mode === 'start' && !CANCEL_CLAUSE.test(text) && restated.flowId !== conversation.flow.flowId && restated.flowId !== flows.intents.statusFlowId() ? restated.flowId : undefined;
    const switched = statusFlow ? undefined : (flows.intents.switchedTo(text, conversation.flow.flowId) ?? gaveUp?.flowId ?? asNew);
    // Files sent first and taken for a supplement ("营业执照先发给你们"), then the request they are for told
    // ("我们店要重新装修…打钱那个先停一下"): that request starts, with the files and the merchant ID.
    const current = flows.turns.flow(conversation.flow.flowId);
    const filesOnly = given.length > 0 && given.every((name) => current.slots.find((s) => s.name === name)?.type === 'attachments');
    const told = !switched && filesOnly ? flows.intents.detect(text) : undefined;
    const instead = told?.mode === 'start' && told.flowId !== conversation.flow.flowId && told.flowId !== flows.intents.statusFlowId() ? told.flowId : undefined;
    // (Asked whether to give it up, the merchant has already let it go: another request named is the answer.)
    const lettingGo = conversation.flow.stage === 'confirm-cancel';
    if ((switched && (given.length === 0 || lettingGo || GIVE_UP_CURRENT.test(text))) || instead) {
      const left = current.title[locale];
      const carried = conversation.flow.values.merchant_id;
      const sent = instead ? given.flatMap((name) => (conversation.flow!.values[name]!.value as FileRef[] | undefined) ?? []) : [];
      const told = switched ? (gaveUp?.text ?? text) : text;
      delete conversation.flow;
      await kit.say(context, t(locale, 'flowSwitched', { title: left }));
      await kit.startFlow(turn, (switched ?? instead)!, { text: told, files: sent }, carried ? { merchant_id: carried } : {});
      return true;
    }
  }
  const reply = TRY_AGAIN.test(text) && files.length === 0 ? flows.turns.retry(conversation.flow, locale) : await flows.turns.continue(context, conversation.flow, { text, files }, locale);
  await kit.applyFlowReply(turn, reply);
  return true;
};

/** Where a message turns to another matter ("不过还有个事", "另外", "顺便", "also"). */
const ANOTHER_MATTER = /(?:不过|另外|还有个事|还有一个事|还有件事|还有一件事|顺便|再就是|\balso\b|\banother thing\b)[，,:：\s]*/i;

/** The request asked for after the one under way is given up in the same message, and the words that ask it. */
function afterGivingUp(text: string, current: string, intents: { detect: (t: string) => { flowId: string; mode: string } | undefined }): { flowId: string; text: string } | undefined {
  const m = ANOTHER_MATTER.exec(text);
  if (!m || m.index === 0 || !GIVE_UP_CURRENT.test(text.slice(0, m.index))) return undefined;
  const rest = text.slice(m.index + m[0].length).trim();
  const found = rest ? intents.detect(rest) : undefined;
  return found?.mode === 'start' && found.flowId !== current ? { flowId: found.flowId, text: rest } : undefined;
}
