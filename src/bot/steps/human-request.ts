/**
 * Asking for a person, or complaining: handed over with the reason (a person offered earlier, taken now,
 * keeps the offer's reason). Without the handoff service (a deployment without agents) the request is on
 * record for the operators and the merchant is told so honestly.
 */
import type { FlowState } from '../../flows/engine.js';
import { t } from '../../i18n/messages.js';
import { isComplaint } from '../handoff-turns.js';
import type { ConversationData, TurnStep } from '../turn.js';
import type { TurnKit } from '../turn-kit.js';

/** A person asked for by name, not only a call: "转人工，电话138…" wants an agent even when a number was asked. */
const NAMES_A_PERSON = /人工|真人|活人|客服|经理|\b(?:agent|human|real person|actual person|operator|manager)\b/i;

/**
 * Asking for a person, however put: "转人工", "我要找人工", "给我找个活人", "让人给我回个电话", "我要跟人说",
 * "找个懂的人打电话教我", "can I talk to a real
 * person", "speak to a manager", "下午三点以后打给我". ("有问题打我电话", "有问题打给我" are a contact number for a
 * request, not a call-back request, nor is "回头审核结果打我电话"; "直接打我电话嘛 175…" is one. "电话里说麻烦我们
 * 把…" reports what someone said on the phone, "电话里说比较清楚" asks for a call; "顾客打了两回电话来问" counts
 * calls; "我们主管…明天派人上门" is the shop's own visit to a customer; Shanghainese 寻个人工 is 找个人工. The
 * merchant's own manager ("manager have the password") is no request for ours.)
 */
const HUMAN_REQUEST =
/转(?:个|一个|一下|下)?人工|人工客服|人工服务|找(?:你们|您们)?(?:的)?(?:人工)?客服|客服(?:的)?电话(?:一直|老是|总是)?打不通|真人|活人|找(?:你们|您们)?(?:的)?人工|(?:喊|叫|派|来|整|弄|搞)(?:个|一个|一位)?人工|要人工|接人工|人工吧|回个电话|(?<![一两二三四五六七八九十几好\d])回电话|(?<![一两二三四五六七八九十几好\d])回电|(?<!银行|风控|他们|客人|顾客|客户|对方|警察|派出所|老板|经理|房东|物业|有人|[他她])(?:给|跟|和)我打(?:个|一个)?电话(?![^，,。]{0,3}说)|(?<!银行|他们|客人|顾客|客户|对方|警察|派出所)打个电话给我|(?<!银行|他们|客人|顾客|客户|对方|警察|派出所)打电话给我|(?:直接|马上|现在|赶紧|赶快|你们|麻烦)打我电话|直接打给我|(?<!别|不要|不用|问题|有事|的话|一起|一块|一块儿|再|都|全|统一|一次性|钱|款|补|结果|结果了|结果就)打给我(?!卡|账户|的卡)|(?<!(?:我们|咱们|主管|老板|店里|店长|公司)(?:(?!你们)[^，,。]){0,20})派(?:个|一个|一位)?(?:人|师傅|工作人员|技术员?)(?:过来|来|上门)|有没有(?:人工|真人)?客服|有没有(?:人工|真人)|有人工吗|人工在吗|(?:跟|和|与)(?:你们)?(?:的)?(?:工作人员|客服人员|人工|真人)(?:直接)?(?:沟通|说|聊|联系|对接)|(?:能|可以|直接)(?:直接)?(?:打|通)(?:个)?电话(?:说|讲|聊|沟通)|(?<!客人|顾客|客户|他|她|对方|人家|老板|银行|家里|老公|老婆)电话(?:里|上)(?:说|讲)(?=吧|比较|更|才|清楚|方便|[\s，,。!！.]*$)|打字太(?:麻烦|累|慢)|不想打字|客服在吗|客服在不在|有客服吗|(?:跟|和)人(?:当面|直接|亲自)?(?:说|聊|讲)|打(?:个|一个)电话(?:过来|给我)|(?:你们|能不能|可不可以|可以|麻烦|请)[^，,。\s]{0,4}打电话过来|来(?:个|一个)电话|找个人|找个懂的人|(?:直接)?找(?:个)?人(?:来)?(?:帮|给)(?:我|忙)?(?:弄|办|处理|搞|看)|找懂的人|叫个人|来个人|让人打电话|打电话教我|转客服|帮我转接|寻(?:个|一个)?(?:人工|客服|真人)|人工坐席|真人客服|轉人工|(?<!去)(?:搵|揾)人(?!睇|看|验|驗|鑑|鉴|估|查)|(?:搵|揾)(?:個|个)人(?!睇|看|验|驗|鑑|鉴|估|查)|同真人|打俾我|打畀我|给我回电|换个人|换人来|有没有人能|有没有人可以|客服小姐姐|客服小哥|找你们(?:的)?(?:经理|负责人|领导|工作人员)|(?:叫|让|喊)你们(?:的)?(?:经理|负责人|领导|主管|管事的)(?:出来|来|过来)?|(?:叫|让|喊|找)(?:个|一个)(?:经理|负责人|领导|主管|管事的|能做主的)(?:出来|来|过来)?|(?:叫|让|喊)(?:经理|负责人|领导|主管|管事的|能做主的)(?:出来|过来)|(?:找|叫|来|换)(?:个|一个)?(?:能|会|懂|管)[\u4e00-\u9fff]{0,4}的人|让(?:客服|人|你们的?人|工作人员)[^，,。]{0,3}(?:打|联系|回)|让你们(?:的)?[^\s，,。]{0,4}(?:联系我|打给我|回电)|请(?:你们的?)?(?:客服|工作人员|经理)联系我|(?:让|找|派|叫)(?:个|一个)?人(?:来)?教(?:我|一下|教)|有(?:没有)?人(?:能|可以)?教(?:我|一下|教)|安排(?:个|一个|一位)?(?:人|客服|工作人员|专人|同事)[^，,。]{0,4}(?:联系|打|回)|安排(?:个|一个|一位)?[^，,。]{0,4}(?:经理|专人)[^，,。]{0,4}(?:对接|联系|跟进)|(?:客户经理|专人|工作人员)(?:跟|和|与)我对接|(?:工作人员|客服人员|专人)(?:联系|打给|回电话?给?)我|^\s*人工\s*$|人工人工|(?:talk|speak|chat) (?:to|with) ?(?:人工|真人|客服)|不(?:要|想)(?:跟|和|同)?机器人|\bnot (?:a |with a )?(?:robot|bot)\b|\bno (?:more )?(?:robot|bots?)\b|[\s，,。!！]人工[!！。\s]*$|\b(?:connect|transfer|put) me (?:to|through|with)\b|\b(?:someone|somebody|anyone|a person|a human) (?:i|we) can (?:talk|speak) (?:to|with)\b|\b(?:can|could) (?:someone|somebody|anyone)(?: who [a-z ]{2,30}?)? (?:call|phone|ring) (?:me|us)\b|\b(?:want|need|get me|give me) (?:the |a )?customer (?:service|support)\b|\bcustomer (?:service|support),? please\b|\bspeak (?:to|with) (?:your )?staff\b|\b(agent|human|real person|operator|your manager|(?:get|want|need) (?:me )?(?:a|the) manager|call me back|call me at|call me on|(?:get|have|ask|send) (?:someone|somebody|a person|an agent|a human|a real person) (?:to )?call me|someone (?:to )?call me|somebody (?:to |please )call me|please (?:someone|somebody) call me|please call me|(?:can|could|would) (?:someone|somebody|anyone|you) (?:please )?call me|phone me|ring me|give me a call|live chat|actual person|actual human|give me a ring|(?:someone|somebody) (?:from|on|at) your (?:team|side|end|company|office)|talk to (?:a|someone|somebody)|speak (?:to|with) (?:a|someone|somebody)|get (?:me )?(?:a|someone) (?:person|human|real)|get me someone|i (?:need|want) (?:someone|somebody|a person|a human|a real person)(?! to (?:refund|void|cancel))|someone now)\b/i;

export const humanRequest: TurnStep = async (turn, kit) => {
  const { context, conversation, text, locale } = turn;
  if (!text) return false;
  const handoff = kit.options.handoff;
  const complaint = handoff !== undefined && isComplaint(text);
  if (!(HUMAN_REQUEST.test(text) || complaint) || answersPhoneQuestion(kit, conversation, text)) return false;
  if (handoff) {
    const offered = complaint ? undefined : conversation.handoffOffer;
    const reason = complaint ? 'complaint' : (offered ?? 'human_request');
    kit.options.onHandoff?.(context, { reason, detail: text.slice(0, 100) });
    const givenPhone = conversation.flow?.values.phone?.value;
    await handoff.request(context, conversation, reason, offered ? (conversation.handoffOfferDetail ?? null) : null, locale, kit.sender(context), turn.said ?? text, givenPhone === undefined ? undefined : String(givenPhone));
    return true;
  }
  await kit.recordMiss(context, text, 0, locale);
  await kit.say(context, t(locale, 'humanRequested'));
  if (kit.options.flows && conversation.flow) {
    await kit.say(context, t(locale, 'humanRequestedInFlow'));
    await kit.reprompt(turn);
  }
  return true;
};

/** "call me on 177…" / "打电话给我 138…" said to the flow's question for a phone number: the number, no callback. */
function answersPhoneQuestion(kit: TurnKit, conversation: ConversationData, text: string): boolean {
  const flows = kit.options.flows;
  const flow: FlowState | undefined = conversation.flow;
  return Boolean(flows && flow) && !NAMES_A_PERSON.test(text) && flows!.turns.givesAskedPhone(flow!, text);
}
