/**
 * A request starts: by its button, by taking the offer the last answer made (in one word or more, or by
 * sending the request's facts), by the facts sent right after a question about it, by how the merchant
 * states it (intent.ts; with a language model, the model's reading when the rules are unsure), or — for
 * a status or a supplement — by asking after the request this chat filed. A question that is about a
 * request without asking for one is answered, and the request offered.
 */
import { ActivityTypes } from 'botbuilder';
import { type IntentMatch, asksIfDone, asksWhatIsNeeded, isQuestion, namesMerchantId, namesTicket, questionBeside, sendsMaterials, soundsLikeRequest } from '../../flows/intent.js';
import { joinDigitGroups, normalize } from '../../flows/slot-types/normalize.js';
import { withoutCourtesy } from '../../flows/utterances.js';
import { t, type MessageKey } from '../../i18n/messages.js';
import type { TurnStep } from '../turn.js';
import { FLOW_ACTIONS } from '../turn-kit.js';

const ACCEPT = /^(好|好的|好啊|可以|行|是|是的|嗯|要|需要|办理|开始|麻烦了|ok|okay|yes|sure|please)[\s!！。.,，]*$/i;
/** Yes to an offer, put in more words ("好的，帮我办一下", "要的要的", "yes please, go ahead"). */
const ACCEPT_SAID = /^(?:好|好的|好呀|好啊|好吧|行|行啊|可以|可以的|嗯+|对|对的|是|是的|要|要的|需要|麻烦(?:你|您)?了?|那就|帮我|办吧|申请吧|ok|okay|yes|yeah|yep|sure|please|go ahead|do it)+(?:[\s!！。.,，]|$)[^?？]{0,20}$/i;
// ("merchant no 8453…" is a number's label, not a no.)
const DECLINE_SAID = /不用|不要|不需要|算了|先不|别|暂时不|\b(?:(?<!(?:merchant|terminal|voucher|ref|reference|card|phone|ticket|mid|tid)\s*)no(?![.:#]?\s*\d)|not now|don'?t|later)\b/i;
/** Asking for it after an answer that offered nothing ("那你帮我申请吧"): a plain "好的" only acknowledges. */
const TOPIC_TAKEN = /帮我|帮忙|(?:申请|办|弄|提交)(?:吧|一下)|(?:给我|帮我)?(?:提|办|弄|申请)(?:一个|个|一下)吧?|就这么办|就这样办|\b(?:please|file it|do it|go ahead)\b/i;
/** An acknowledgement that promises more ("好的 麻烦了 我问下…", "ok let me check"): the topic stays. */
const ACKNOWLEDGED = /^(?:好|好的|行|嗯|哦|ok|okay|sure|麻烦了|谢谢)[\s,，!！。.]*/i;
/** A question of how, beside words that would take the offer ("帮我看看怎么弄"): no yes. */
const QUESTION_OF_HOW = /怎么|如何|\bhow\b/i;
/** How long a request a rule stopped can be taken up again. */
const STOPPED_FRESH_MS = 30 * 60_000;
/** How long after a question its request's facts still mean that request. */
const TOPIC_FRESH_MS = 10 * 60_000;
/** How long a story sent in bursts waits for the request it leads to. */
const STORY_FRESH_MS = 3 * 60_000;
/** How much of a story sent in bursts is kept (its latest characters): a request's facts, not a memoir. */
const STORY_MAX_CHARS = 400;
/** The facts of a request sent after the offer (an ID, an amount, a day): the offer taken, with them. Read in
 * half-width digits: a phone keyboard may type ８２１５… */
const REQUEST_FACTS = /\d{6,}|\d{2,}\s*(?:元|块|蚊|rmb|yuan)|今天|昨天|前天|上周|\b(?:today|yesterday)\b/i;

export const flowStart: TurnStep = async (turn, kit) => {
  const flows = kit.options.flows;
  if (!flows) return false;
  const { context, conversation, text, locale } = turn;
  // …and digits read out by voice ("八九八五零零…") as digits.
  // …and a number typed in groups ("商户号 8271 0359 4662 018") as one.
  const facts = REQUEST_FACTS.test(joinDigitGroups(normalize(text).text));
  // "好的🙏", "ok thanks": the yes without what surrounds it.
  const said = withoutCourtesy(text);
  const offered = conversation.offer;
  delete conversation.offer;
  const told = conversation.told;
  delete conversation.told;
  const withTold = (said: string): string => (told ? (said ? `${told}\n${said}` : told) : said);
  const story = conversation.story;
  delete conversation.story;
  const freshStory = story && Date.now() - story.at < STORY_FRESH_MS ? story.text : undefined;
  const withStory = (said: string): string => (freshStory ? `${freshStory}\n${said}` : said);
  const byButton = (Object.keys(FLOW_ACTIONS) as MessageKey[]).find((k) => t(locale, k) === text || t('zh-CN', k) === text || t('en', k) === text);
  const flowId =
    (byButton && FLOW_ACTIONS[byButton]) ||
    (offered && (ACCEPT.test(said) || text === kit.startLabel(offered, locale) || text === kit.startLabel(offered, 'zh-CN')) ? offered : undefined);
  if (flowId) {
    await kit.startFlow(turn, flowId, { text: flowId === offered ? withTold('') : '', files: kit.takeHeld(conversation) });
    return true;
  }
  // The offer answered in more words, or with the request's facts: taken, and the facts with it.
  // …or in its own words ("能退就好 你帮我弄一下吧", "那你给我提一个吧", "can you file it for me").
  if (offered && !DECLINE_SAID.test(text) && (ACCEPT_SAID.test(said) || (TOPIC_TAKEN.test(text) && !QUESTION_OF_HOW.test(text)) || (facts && !isQuestion(text)))) {
    await kit.startFlow(turn, offered, { text: withTold(text), files: kit.takeHeld(conversation) });
    return true;
  }
  // Told to void on the terminal first, "照你说的弄了，显示撤销失败" takes the request up again.
  const stopped = conversation.stoppedFlow;
  if (stopped && Date.now() - stopped.at > STOPPED_FRESH_MS) delete conversation.stoppedFlow;
  else if (stopped && text && turn.files.length === 0 && flows.turns.has(stopped.state.flowId)) {
    const resumed = await flows.turns.resume(context, stopped, { text }, locale);
    if (resumed) {
      delete conversation.stoppedFlow;
      await kit.say(context, t(locale, 'flowResumed', { title: flows.turns.flow(stopped.state.flowId).title[locale] }));
      await kit.applyFlowReply(turn, resumed);
      return true;
    }
  }
  // Files kept from before ("[photo]" then "退") are what the words are about.
  const withFiles = (conversation.heldFiles?.length ?? 0) > 0;
  // A story told in bursts may state the request only read whole ("上个月28号…团费4500刷卡付的" then "…不扣他钱
  // 原路给他打回去"): what it says then is a new request, never a question.
  const detected = flows.intents.detect(text, { withFiles }) ?? (freshStory && turn.files.length === 0 ? storyRequest(flows.intents, `${freshStory}\n${text}`, withFiles) : undefined);
  // "钱退给顾客了吗" from the chat that filed a refund asks after it, not after refunds in general.
  // …also where the guide would answer and offer a new request ("结算停了没有啊 今天怎么还到账了").
  // So does "你们发的消息说要补什么" (what the review wants): the status carries the reviewer's note.
  // …and so does "短信说我CX-…要补东西 补啥" asked with no file: what to send is the reviewer's note, not a supplement yet.
  const asksNeeded = asksWhatIsNeeded(text) && turn.files.length === 0 && !conversation.heldFiles?.length;
  const statusFlowId = (!detected || detected.mode === 'offer' || (asksNeeded && namesTicket(text))) && (asksIfDone(text) || asksNeeded) ? flows.intents.statusFlowId() : undefined;
  // "营业执照要怎么发给你们" from the chat whose request needs more: that request's supplement.
  const supplementId = !detected && !statusFlowId && sendsMaterials(text) ? await flows.turns.supplementAsked(context) : undefined;
  // Asked with one's own merchant ID, it is about one's own requests wherever they were filed.
  const ownFlow = supplementId ?? (statusFlowId && (namesMerchantId(text) || namesTicket(text) || (await flows.turns.filedHere(context))) ? statusFlowId : undefined);
  const intent = ownFlow ? { flowId: ownFlow, score: 1, mode: 'start' as const } : detected;
  const topic = conversation.topic;
  delete conversation.topic;
  if (!intent && !offered && topic && Date.now() - topic.at < TOPIC_FRESH_MS && (facts || TOPIC_TAKEN.test(text)) && !isQuestion(text) && !DECLINE_SAID.test(text)) {
    await kit.startFlow(turn, topic.flowId, { text: withTold(text), files: kit.takeHeld(conversation) });
    return true;
  }
  const about = intent?.mode === 'start' ? undefined : flows.intents.topicOf(text);
  if (about) {
    conversation.topic = { flowId: about, at: Date.now() };
    // …with the story told before it: its day and amount are the request's too.
    conversation.told = withStory(text);
  } else if (!intent && topic && Date.now() - topic.at < TOPIC_FRESH_MS && (ACKNOWLEDGED.test(text) || isQuestion(text))) {
    // "好的 麻烦了 我问下我爸商户号": the facts come next, for the same request.
    // …and so they do after a question on the way ("我在机器上弄退货 提示超过退货期限 退不了 这咋整").
    conversation.topic = topic;
    if (told) conversation.told = told;
  }
  if (!intent && flows.classifier && soundsLikeRequest(text)) {
    // The rules are unsure; the model picks among the same flows, which then run as usual.
    await context.sendActivity({ type: ActivityTypes.Typing });
    const classified = await flows.classifier.classify(text, locale);
    if (classified?.flowId) {
      await kit.startFlow(turn, classified.flowId, { text, files: [] });
      return true;
    }
  }
  if (intent?.mode === 'start') {
    // "那帮我退第二笔吧 MID…" after the question that told the story: the story's facts are the request's too.
    const sameTopic = topic !== undefined && topic.flowId === intent.flowId && Date.now() - topic.at < TOPIC_FRESH_MS;
    // A question of how long asked beside the request is answered first, and is no part of the request's
    // facts (its "customer" is no reason).
    const beside = ownFlow ? undefined : questionBeside(text);
    if (beside) await kit.answer(turn, beside.question, { offerTopics: false });
    // "前几天让你们退的那笔到哪一步了？商户号…。还有今天又有个客人要退，昨天刷的540…": the status first, then the new
    // request with its own facts.
    const next = intent.flowId === flows.intents.statusFlowId() ? requestAfterStatus(text, flows.intents) : undefined;
    const request = next?.before ?? beside?.rest ?? text;
    await kit.startFlow(turn, intent.flowId, { text: sameTopic ? withTold(request) : withStory(request), files: [] });
    if (next && !conversation.flow) await kit.startFlow(turn, next.flowId, { text: next.text, files: [] });
    return true;
  }
  // A statement that asks nothing and names no request may be the start of a story the next message ends.
  // …or go on with the story before it.
  if (!intent && !about && text && turn.files.length === 0 && !isQuestion(text)) conversation.story = { text: freshStory ? [...`${freshStory}\n${text}`].slice(-STORY_MAX_CHARS).join('') : text, at: Date.now(), last: text };
  if (intent?.mode !== 'offer') return false;
  const answered = await kit.answer(turn, text, { offerTopics: !!intent.asked });
  // A question the guide could not answer ("银行扣了我一笔年费，能申请退回吗") is no request of ours — unless it
  // tells a sale of the merchant's own, its day and amount: that sale is the request's.
  if (intent.asked && !answered && !intent.ownSale) {
    await kit.handOverIfStuck(turn);
    return true;
  }
  conversation.offer = intent.flowId;
  conversation.told = withStory(text);
  const title = flows.turns.flow(intent.flowId).title[locale];
  // The offer is the last message, so it carries the answer's 👍/👎 too (buttons show under the last one).
  const rate = answered && conversation.feedbackFor ? kit.feedbackActions(locale) : [];
  await context.sendActivity(kit.withActions(context, t(locale, 'offerFlow', { title }), [kit.startLabel(intent.flowId, locale), ...rate]));
  return true;
};

/** Where a status question hands over to a new request in the same message ("…到哪一步了？…。还有今天又有个客人要退…"). */
const AND_ALSO = /[。！!；;？?\s]\s*(?:还有|另外|另一个事|顺便|再就是)[，,、\s]*/;

/** The new request asked after the status in the same message: its flow and its words, and the status's words. */
function requestAfterStatus(text: string, intents: { detect: (t: string) => { flowId: string; mode: string } | undefined; statusFlowId: () => string | undefined }): { flowId: string; text: string; before: string } | undefined {
  const m = AND_ALSO.exec(text);
  if (!m || m.index === 0) return undefined;
  const rest = text.slice(m.index + m[0].length).trim();
  const found = intents.detect(rest);
  if (!found || found.mode !== 'start' || found.flowId === intents.statusFlowId()) return undefined;
  return { flowId: found.flowId, text: rest, before: text.slice(0, m.index + 1).trim() };
}

/**
 * The new request a story read whole states, if any — or asks how to make, of a sale of the merchant's own
 * told with its day and amount ("…办了张洗护年卡 2400 刷的卡" … "想给阿姨退回去 这个要怎么弄"): answered, and
 * the request offered. A status is no story's request.
 */
function storyRequest(intents: { detect: (t: string, o?: { withFiles?: boolean }) => IntentMatch | undefined; statusFlowId: () => string | undefined }, story: string, withFiles: boolean): IntentMatch | undefined {
  const found = intents.detect(story, { withFiles });
  return (found?.mode === 'start' || found?.ownSale) && found.flowId !== intents.statusFlowId() ? found : undefined;
}
