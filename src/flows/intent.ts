/**
 * Which flow, if any, a message asks to start. A flow starts on a request ("我想撤销一笔交易", "帮我申请
 * 退货"), not on a question about the topic ("已经结算了还能撤销吗" is for the knowledge base): the
 * message must resemble the flow's intent examples, and a question without a request word stays a
 * question.
 */
import { EnglishSpeller } from '../knowledge/english-speller.js';
import { STOPWORDS, tokenize } from '../knowledge/text.js';
import type { Flow } from './flow-schema.js';
import { ID_LABELS, type IdType } from './slot-types/labels.js';
import { SLOT_TYPES } from './slot-types/registry.js';
import { simplifiedText } from '../core/chinese-script.js';
import { halfWidth, withoutCourtesy } from './utterances.js';
import { withDigits } from '../core/english-numbers.js';

/** The merchant asks us to do it. */
const FIRST_PERSON = /我想|我要|我需要|想要|帮我|麻烦|请帮|给我|想撤销|想取消|想暂停|想停|查一下|查查|\b(i want|i'd like|i need|please|help me|check my|where is my)\b/i;
/**
 * A bare wish at the end of a statement ("…参考号191919191919，想退货"): a request when it is not a
 * question and not about somebody else ("顾客要退款怎么办" is a question for the guide).
 */
const BARE_WISH = /(想|要)(撤销|退货|退款|退钱)[了吧啊。.!！\s]*$/;
const THIRD_PARTY = /顾客|客人|客户|持卡人|消费者|别人/;
/** The merchant's own request or a ticket number. */
const OWN = /我的|我那个|我们的|我提交的|我申请的|\b(my|mine)\b/i;
const TICKET = /\b[A-Za-z]{2,8}-?\d{8}-?\d{4,}\b/;
const TICKET_ALONE = /^\s*(?:工单号?|单号|ticket(?: no\.?| number)?)?\s*[:：]?\s*[A-Za-z]{2,8}-?\d{8}-?\d{4,}\s*[?？。.!！]?\s*$/i;
/** Words about a request's state (the status flow needs one). */
const STATUS_WORDS = /查|进度|状态|审核|到哪|哪一步|工单|结果|通过了|批了|\b(status|progress|ticket|where is|check)\b/i;
/** Words of the process itself: with a question ("怎么申请…"), we answer and offer to do it. */
const PROCESS = /申请|提交|办理|要求|查询|\b(file|submit|apply)\b/i;
/**
 * 几天 asks "how many days" ("要几天到账", "要停几天", "停几天能恢复") but after 关/停/歇/休/住/走 it says "a few
 * days" ("店先关几天", "先停几天"): a statement of what the merchant wants. Used by QUESTION, HOW and HOW_LONG.
 */
const DAYS_ASKED = String.raw`(?<![前好这过十关停歇休住走])几天|(?<=要[关停歇休住走])几天|(?<=[关停歇休住走])几天(?=能|才|会|可以|恢复|到|就)`;
// "有啥事打我" is "if anything comes up", no question; nor is a relative clause (", which we hadn't disclosed",
// "a man who…", ", when he came back").
const QUESTION = new RegExp(String.raw`[?？]|吗|呢(?![单單笔筆张張个個条條份部台次段排间間啲度位件])|怎么|如何|什么(?![都也])|为什么|为啥|(?<!有)啥(?![都也])|有啥(?!事)|咋|多久|多长时间|要好久|好久(?:能|才|可以|会|到)|${DAYS_ASKED}|哪些|哪一步|哪一?[张联份]|(?:去|在|到|找)哪(?:里|儿)?|哪里|哪儿|能不能|可不可以|是不是|要不要|该不该|应不应该|会不会|有没有|行不行|(?<!不)(?<same>[\u4e00-\u9fff])不\k<same>|区别|[^一-龥]?不$|没$|了没有?[啊呀呢吧哇嘛]*$|\b(how|what|why|can i|should i|is it|do i|does|can they|will they|would they|should they|do they)\b|(?<!,\s?)\b(?:which|when|where)\b|\bwho\b(?!\s+(?:had|has|have|was|were|bought|paid|came|comes|is|are|just|only|never|already))`, 'i');

/**
 * Whether it was done, asked of a refund, a void or a hold ("钱退给顾客了吗", "停了没", "did the refund go
 * through"): from a chat that filed a request, that request's status; from anyone else, a question for the guide.
 */
const ASKS_IF_DONE =
  /(?:退|撤|到账|到卡|批|通过|停|生效|处理|办)[^，,。?？\s]{0,6}(?:了吗|了么|了没有?|了冇|好了没|完了吗|了嘛)|(?:啥|什么|怎样的?)(?:状态|进度)|到(?:哪|什么)(?:一)?步|还在审|还没(?:审|批|好|处理|办|动静|消息|结果)|(?:能不能|可以|麻烦)?(?:快点|尽快|加急|催一下|催催)|有(?:结果|消息|进展)了?(?:吗|没)|\b(?:did|have) (?:you|u)(?: guys)? (?:approve|process|handle|do|finish|check)(?:d|ed)? (?:it|that|this|my)|\bany (?:update|news|progress)\b|\bwhere (?:are we|is it|are things|do we stand|does it stand) (?:with|on)\b|\bhow(?:'s| is| are) (?:my|the|our) (?:refund|request|application|hold|suspension)s?\b(?! (?:done|made|filed))|没人(?:回|理|管(?![账店钱事家]))|(?:一直|还)没(?:人)?回(?:复|我)?|\b(?:nobody|no one|no-one) (?:replied|answered|got back|responded|called)|\bhaven'?t heard (?:back|anything)|\bstill waiting\b|\b(?:is|was) it (?:approved|done|processed|rejected)\b|\b(?:did|has|have|is) (?:the |my |our |it |that )?(?:refund|void|money|hold|suspension|cancellation|it)(?: been)? ?(?:go(?:ne)? through|done|approved|processed|refunded|voided|active|started|arrived)\b/i;

export function asksIfDone(text: string): boolean {
  return ASKS_IF_DONE.test(simplifiedText(text));
}

/**
 * What the review wants, or what its message meant ("你们发的消息说要补什么 我没看懂", "what else do you need from
 * me"): from a chat that filed a request, that request's status, which carries the reviewer's note.
 */
const ASKS_WHAT_NEEDED =
  /(?:要|还要|需要|让我)?补(?:充)?(?:什么|啥|哪些|些什么)|缺(?:什么|啥|哪些)|还(?:要|差|需要)(?:什么|啥|哪些)(?:材料|资料|东西)?|(?:你们|您)(?:给我)?发(?:的|来的)(?:消息|通知|短信)|(?:消息|通知|短信)[^，,。]{0,6}(?:没看懂|看不懂)|\bwhat (?:else )?(?:do|did) (?:you|u)(?: guys)? (?:need|want)\b|缺(?:材料|资料|东西)|(?:收到|接到)(?:了)?(?:你们的?)?(?:通知|消息|短信)|\bwhat(?:'s| is) missing\b|\bdon'?t understand (?:the|your) (?:message|notice)\b|\b(?:you|u)(?: guys)? (?:need|want|asked for|require) (?:more|additional|extra) (?:info|information|details|documents|docs|materials)\b|\b(?:got|received|get) (?:a |your |the )?(?:message|notice|sms|text)\b/i;

export function asksWhatIsNeeded(text: string): boolean {
  return ASKS_WHAT_NEEDED.test(simplifiedText(text));
}

/**
 * Sending materials, asked or said ("营业执照要怎么发给你们", "I'll upload the licence"): from a chat whose
 * request the review asked more of, that request's supplement.
 */
const SEND_VERB = /发|传|上传|补|交|提供|拍|\b(?:send|upload|give|attach|provide)\b/i;
const MATERIAL = /执照|材料|资料|照片|图片|小票|签购单|证明|文件|说明|\b(?:licen[cs]e|documents?|docs|photos?|pictures?|slip|receipt|files?|papers?)\b/i;

export function sendsMaterials(text: string): boolean {
  const t = simplifiedText(text);
  return SEND_VERB.test(t) && MATERIAL.test(t);
}

/**
 * A clause about waiting for something else to be done before acting ("等新账户办好了再恢复", "等装修完了再说",
 * "until the new account is set up"): its words of being done say when, not that a request was.
 */
// …and so is how to be told of the result later ("回头审核结果打我电话", "有结果了通知我"): no progress asked after.
const WAITED_FOR = /(?:等(?:到|我们|我)?|直到)[^，,。；;!！?？]{0,14}?(?:办好|弄好|搞好|批下来|下来|出来|好了|完了|完)[^，,。；;!！?？]*|[^，,。；;!！?？\s]{0,8}(?:办好|弄好|搞好|批下来|下来)(?:之前|以前)|(?:回头|之后|以后|到时候|到时|有)?(?:审核|审批)?(?:结果|消息)(?:了|出来)?(?:就|请|麻烦)?(?:打我电话|打电话|打给我|通知我|告诉我|联系我|发我|call me)[^，,。；;!！?？]*|\buntil\b[^,.;!?]*/gi;

/** Whether the message reads as a question (for the guide) rather than a statement or a request. */
export function isQuestion(text: string): boolean {
  return QUESTION.test(withoutCourtesy(text, { softeners: false }).replace(EMBEDDED_QUESTION, ' '));
}

/**
 * A question of how or how long asked beside a request in one message ("Hi, how long does a refund take to
 * reach the customer's card? Also I need to refund a customer who paid yesterday, 2,450 RMB…"): the question,
 * to be answered, and the rest, which is the request. Undefined when there is no such question or nothing
 * else was said.
 */
export function questionBeside(text: string): { question: string; rest: string } | undefined {
  const sentences = text.split(/(?<=[?？])\s*/);
  if (sentences.length < 2) return undefined;
  const asked = sentences.filter((s) => /[?？]\s*$/.test(s) && HOW.test(s));
  if (asked.length === 0) return undefined;
  const rest = sentences
    .filter((s) => !asked.includes(s))
    .join(' ')
    .replace(/^\s*(?:also|and|plus|另外|还有|顺便|然后)[,，、\s]*/i, '')
    .trim();
  // The rest asks nothing itself ("a customer who paid yesterday" asks nothing: no question mark).
  if ([...rest].length < 6 || /[?？]/.test(rest) || /吗|呢$/.test(rest)) return undefined;
  return { question: asked.join(' ').trim(), rest };
}

/**
 * Loose signs of a wish to act ("…给他退了吧", "payouts should stop"): where no flow's examples match such
 * a statement, a language model (when configured) is asked which flow, if any, it means.
 */
const ACTION_HINT = /想|要|帮|请|申请|办|取消|撤|退|暂停|停|冻结|查|补|进度|不要了|\b(want|need|please|cancel|refund|void|suspend|hold|stop|status|check|add)\b/i;

export function soundsLikeRequest(text: string): boolean {
  return ACTION_HINT.test(text) && !QUESTION.test(withoutCourtesy(text, { softeners: false }));
}

export interface IntentMatch {
  flowId: string;
  score: number;
  /** start: the merchant asked for it; offer: a question about it — answer, then offer to start. */
  mode: 'start' | 'offer';
  /** Offered because a question asks how to do what the request would ask: only worth offering after an answer. */
  asked?: true;
  /**
   * The question tells a sale of the merchant's own, its day and amount ("今天上午…刷的银行卡买了两千四百块的药…撤消它
   * 要什么主管密码"): the request is worth offering even when the guide has no answer.
   */
  ownSale?: true;
}

/** A question about how or how long ("怎么补材料", "审核要多久"): about the process, never one's own request. */
const HOW = new RegExp(String.raw`怎么(?!了|样|样啦|样呀|还|回事|一点|都|没|不|就|又|这么|那么)|怎样|如何|找谁|边个|邊個|多久|${DAYS_ASKED}|多长时间|(?<!卡)在哪(?!里(?:填|写|弄|搞|出|有问题|不对|错))|(?<!卡在)哪里(?!填|写|弄|搞|出|有问题|不对|错)|在这里|哪些|什么材料|要啥|干嘛|注意什么|注意啥|啲咩|咩文件|咩材料|要咩|\b(how (do|can|to|long|much|many)|what do i need|what (?:documents?|materials?|papers?|information|info|details) (?:do|does|will|would|should|must) (?:i|we)|where|who)\b`, 'i');
/** "…钱退到客户卡上没有": done or not, asked at the end (after a request of one's own only: "凭证号没有" is no question). */
const ENDS_DONE_OR_NOT = /没有[啊呀呢吧嘛]*[?？]?\s*(?:(?:商户号?|mid)\s*[:：]?\s*)?(?:\d{15})?\s*$/i;
const HOW_LONG = new RegExp(String.raw`多久|多长时间|${DAYS_ASKED}`);
/** Asking what is usual, not where one's own request stands. */
const IN_GENERAL = /正常|一般|通常|平时|\b(?:normally|usually|typically|in general)\b/i;
/** One's own request asked after in a word or two ("status?", "check status pls", "进度？"). */
/** "我那个到底怎么样了？？": one's own request, named by nothing else, asked after. */
// …or by when it was asked for ("上礼拜给一个超市退醋的那个 咋样了").
const MY_THAT_ONE = /我(?:的|们)?(?:那个|那单|那笔|那件事)(?:事)?(?:到底|究竟|现在)?(?:怎么样了|咋样了|怎样了|到哪了|弄好了没|办好了没|批了没|好了没)|(?:上礼拜|上周|上个?星期|前几天|前两天|上次|上回|之前|昨天|前天)[^，,。?？]{0,16}的那(?:个|单|笔)[\s，,]*(?:到底|究竟|现在)?(?:咋样了|怎么样了|怎样了|到哪了|办好了没|批了没|好了没)/;
const BARE_STATUS = /^\s*(?:(?:pls|plz|please)\s+)?(?:check\s+)?(?:(?:my|the)\s+)?(?:request\s+|refund\s+|ticket\s+)?(?:status|progress|update)(?:\s+(?:pls|plz|please|check|update))?\s*[?？.!]*$|^\s*(?:进度|状态|申请进度|申请状态)\s*[?？]*$/i;
const BARE_REQUEST_WORD = /^\s*(?:pls|plz|please)?\s*(refund|void)\s*(?:(?:this|that|it)(?: one)?)?\s*(?:pls|plz|please)?[\s.!]*$/i;
/** Asking where or how to look a request up oneself ("在哪里能查到", "how can I check"): a question about the service. */
const LOOKUP_HOW = /在哪里?(?:能|可以)?查|去哪(?:里|儿)?查|怎么查|如何查|怎样查|\bhow (?:do|can) i (?:check|see|find)\b|\bwhere can i (?:check|see|find)\b/i;
/** A question this long tells a story around it: the merchant wants an answer first. */
const LONG_QUESTION_CHARS = 60;
/** A request put as a question ("能帮我把这笔退了吗", "can you hold our payouts?"). */
const POLITE_REQUEST = /好不好[?？]?\s*$|拜托|能帮我|可以帮我|能不能帮|可不可以帮|能不能给我|可不可以给我|能不能先|可不可以先|(?:能不能|可不可以)(?:从|自)[^，,。?？]{1,8}(?:开始|起)|能否|可否|帮忙|麻烦|你们(?:那边|这边)?(?:能|可以)(?:处理|办|弄)|\b(can you|could you|would you|can u|could u|please|pls|plz|is it possible to|possible to get)\b/i;
/** Questions as dialects, pinyin and typing put them ("點樣退錢", "要啥材料伐", "zenme ban"). */
/**
 * Question words that ask nothing: a time not known yet ("什么时候能开业要等商场再通知", "不知道啥时候恢复"),
 * a few days ("晚几天再打"), "still waiting" ("人家司机还等着呢"), "nothing much" ("没有什么证明材料"), "whatever you need" ("你说要什么我给你") and an English question word after
 * what it is about ("a dispute over who gets the money").
 */
const EMBEDDED_QUESTION = /(?:晚|缓|迟|推|延后|推迟)几天(?!能|才|会|可以|到)|\b(?:customer|client|guest|he|she|they)(?:'s| is| are| was| were| keeps?| kept)? (?:asking|asks|asked|calling|ringing)(?: (?:me|us))?(?: (?:daily|every day|all the time|again))? (?:where|when|why|how|what)\b[^.?!]*[.?!]?|问(?:我们|咱们|俺们)(?:能不能|可不可以|行不行|能否|可否)[^，,。?？\s]{0,8}|(?:家长|客人|顾客|客户|学员|来访者|患者|他|她|对方|人家)问[^，,。?？\s]{0,6}?(?:能不能|可不可以|行不行|能否|可否)[^，,。?？\s]{0,8}(?=[\s，,。]*(?:我们|我|老板)?(?:都|也)?(?:同意了|答应了|说可以|说行))|着呢(?=[\s，,。!！]|$)|\b(?:over|about|as to|regarding|decide|deciding|agree on|argue about|argue over|not sure|don'?t know)\s+(?:who|what|when|which|where|how)\b|(?:你|您)?(?:说|看)?(?:要|需要)(?:什么|啥)[^，,。?？]{0,3}?(?:我|都)?(?:就)?(?:给|发|提供)|(?:不知道|不确定|说不准|不清楚|没定|不一定)[^，。,.!！?？\s]{0,6}?(?:什么时候|啥时候|哪天|多久)|(?:什么时候|啥时候|哪天)[^，。,.!！?？\s]{0,10}?(?:要等|得等|还要等|再说|还不知道|不知道|待定|说不准|不确定|没准|还没定|看情况)|没有?(?:什么|啥)|(?:不管|无论)?(?:哪个|哪张|哪家|谁)[^，,。?？!！\s]{0,8}?都(?:要|会|得|是)/g;
const DIALECT_QUESTION = /喎|边个|邊個|边度|邊度|点搞|點搞|不嘛|得到不|得不[?？]?$|点样|點樣|几耐|幾耐|啷个|咋个|咋整|咋办|咋弄|咩|乜|係唔係|系唔系|係咪|是否|几位|多少|哪个|哪些|哪里|在哪|伐[?？]?$|\b(zenme|ruhe|shenme|duojiu)\b/i;
/**
 * A terminal's error quoted ("撤销跳出个12", "退货提示57", "void failed"): a question about what to do,
 * unless the message also carries the request's facts (an ID) or asks for it in so many words. ("…吊柜根本挂
 * 不住 做不了" is a job that cannot be done, no terminal's; "报了日本七日游" signs up for a tour.)
 */
const TERMINAL_ERROR = /报(?![警案销表名停班课团])(?!了个)(?!了?[^\s，,。\d]{0,6}(?:游|团|班|课|名|考))|提示|显示|跳出|出来个|出了个|弹出|不允许|不存在|失败|不成功|退不了|撤不了|(?:机器|终端|pos|交易|撤销|退货|退款|说)[^，,。\s]{0,6}做不了|超期|没收到|冇收到|未收到|\b(code|error|fail(ed)?|declined?|not received|didn'?t (get|receive)|exceeded|expired|not allowed|won'?t let)\b|\b(?:terminal|machine|pos) (?:says|said|say|shows|showed|show|displays?|displayed)\b|\bcannot void\b|\bcan'?t void\b|\balready settled\b/i;
const EXPLICIT_REQUEST = /帮我|帮忙|申请|\d{6,}|\b(please|pls|plz|help me)\b/i;
/**
 * Whether it can be done, asked with the merchant's own ID ("…结算能不能先停掉 商户号826…"): nobody gives
 * their merchant ID to learn the rules — asked for, however long the story around it.
 */
const CAN_YOU = /能不能|可不可以|能否|可否|可以吗|能吗|能(?:停|暂停|退|撤|取消)[^，,。?？\s]{0,3}吗|行不行|行吗|\b(?:can|could) (?:you|u|we|i)\b/i;
const MERCHANT_ID = /(?<!\d)\d{15}(?!\d)/;
/**
 * The writer as the cardholder, charged at another shop ("我在别的饭店吃饭刷卡被多扣了200"): no sale of the
 * merchant's own to undo, whatever the message asks.
 */
const AS_CARDHOLDER = /在别(?:的|家)[^，,。?？]{0,8}(?:刷卡)?被(?:多)?扣|我(?:的卡)?被(?:多)?扣了|那家店|\bi (?:was|got) (?:over|double )?charged\b|\bmy (?:credit |debit )?card (?:was|got) (?:over|double )?charged\b/i;
/** Undone to be done again at the terminal ("可不可以撤了再刷"): how to do it oneself, a question for the guide. */
const REDO_AT_TERMINAL = /(?:撤|退)[^，,。?？]{0,3}(?:再|重新)刷|重刷|\b(?:void|cancel) (?:it )?and (?:re-?swipe|re-?run|charge (?:it )?again)\b/i;
/**
 * A deposit held by pre-authorization ("押金扣多了…那笔完成能撤回来不"): the merchant undoes it at the
 * terminal (预授权完成撤销), which no request here files — asked about it, the guide answers.
 */
const PRE_AUTH = /预授权|押金|授权完成|\bpre-?auth(?:ori[sz]ation)?\b|\bdeposit hold\b/i;
/**
 * Asked about the rule first ("撤销有没有截止时间？今晚十点半还能撤今天下午那笔吗？"): the answer is the guide's,
 * and the request is offered after it.
 */
const ASKS_THE_RULE = /有没有(?:个)?(?:截止|时间限制|时限|期限|限制|规定)|截止(?:时间|到几点)|最晚(?:几点|什么时候)|几点(?:之前|以前|前)(?:能|可以)?/;
/** Asked for approval at the end ("…这样可以吧", "没问题吧"): a question, though it has no question word. */
const ASKS_APPROVAL = /(?:可以|行|对|没问题|没事|合规|ok)吧[?？]?\s*$/i;

/** Whether a message names a merchant ID (15 digits): what it asks is then about that merchant's own requests. */
export function namesMerchantId(text: string): boolean {
  return MERCHANT_ID.test(text);
}

/** Whether a message names a ticket number ("CX-20261205-0002"): what it asks is about that request. */
export function namesTicket(text: string): boolean {
  return TICKET.test(text);
}
/** Long messages put their request in a sentence; a polite question there is still a question. */
const POLITE_REQUEST_MAX_CHARS = 40;
/** A message that ends by asking us to do it ("…钱怎么退回他卡上，帮我弄") is that request, whatever it asked on the way. */
const REQUEST_TAIL = /(?:帮我|帮忙|麻烦你?们?|(?<!申)请你?们?|你们)(?:给)?(?:弄|办|处理|搞|退|撤|停|暂停|冻结)[^，,。?？吗呢嘛不没\d]{0,6}[。.!！\s]*(?:(?:商户号?|商户编号|mid)\s*[:：]?\s*\d{15}[。.!！\s]*)?$|(?:能|可以|能不能|可不可以)帮(?:我|忙)(?:们)?(?:处理|办|弄|退|撤)[^，,。?？]{0,4}(?:吗|不)?[?？。!！\s]*$|\b(?:please (?:do|sort|handle|process) it|(?:do|sort|handle|process) it for me)[.!\s]*$|\b(?:can|could|would) (?:you|u)(?: guys)? (?:do|sort|set up|arrange|start|handle) (?:it|this|that)(?: for (?:me|us))?(?: (?:from|starting|on|as of|for) [^.!?]{1,24})?[?.!\s]*$|\b(?:can|could|would) (?:you|u)(?: guys)?(?: please)? (?:refund|void|reverse|cancel) (?:her|him|them|it|this|that|this one|the customer|my customer)\b[^.!?]{0,20}[?.!]?\s*(?:here(?:'s| is) (?:the |her |his |a )?(?:slip|receipt|photo|picture)[.!\s]*)?$/i;
/**
 * The whole message is the wish ("I want a refund", "refund needed", "need to do a void"): a merchant asks
 * for the thing itself, as "要退款" does. Longer messages are read as statements or questions.
 */
const WANTS_IT_ALONE =
  /^\s*(?:我)?(?:想|要|需要)?(?:请|麻烦(?:你|您)?)?(?:帮(?:我|忙)?)?(?:办|做|弄|申请|提|搞)(?:一?个|一下|下)?(?:撤销|退货|退款)(?:申请)?[吧啊呀哈。.!！\s]*$|^\s*(?:i\s+)?(?:want|need|would like|'d like)\s+(?:a\s+|to\s+(?:do\s+a\s+|make\s+a\s+|file\s+a\s+|request\s+a\s+)?)?(?:refund|void)(?:\s+(?:please|pls|plz))?[.!\s]*$|^\s*(?:refund|void)\s+(?:needed|wanted|required|please|pls|plz)[.!\s]*$/i;
/** Words that point at what was sent with them ("这个帮我撤了", "please refund this"). */
const POINTS_AT_FILE = /这个|这张|这笔|这单|它|帮我|帮忙|麻烦|\b(?:this|it|these|please|pls|plz)\b/i;
/** Words with 退 or 撤 in them that undo no sale ("上礼拜辞退的收银员", "退休", "撤退"). */
const NOT_UNDOING = /辞退|退休|退出|退烧|后退|倒退|减退|退伍|退役|撤退|撤离/g;
/**
 * A story, then the ask put politely at its end ("…他就转走 俺一分见不着 能不能先叫打款停了 等俺俩把账算清再说"):
 * the ask is the request, however long the story — unless what it asks is how, how long or what.
 */
const POLITE_REQUEST_ALL = new RegExp(POLITE_REQUEST.source, 'gi');

function politeTail(text: string): string | undefined {
  const asks = [...text.matchAll(POLITE_REQUEST_ALL)].at(-1);
  if (!asks) return undefined;
  // From the start of its clause: "会不会惹上什么麻烦" is no 麻烦你.
  // (A space ends a clause too, typed on a phone without marks.)
  const clauseStart = Math.max(...['，', ',', '。', '！', '!', '？', '?', '；', ';', '\n', ' '].map((p) => text.lastIndexOf(p, asks.index))) + 1;
  const tail = text.slice(clauseStart);
  if ([...tail].length > POLITE_REQUEST_MAX_CHARS * (/[\u4e00-\u9fff]/.test(tail) ? 1 : 2.5)) return undefined;
  if (HOW.test(tail) || HOW_LONG.test(tail) || /什么|啥|哪|会不会|行不行|是不是|有没有|要不要|\b(?:what|which|when|why|will it|would it)\b/i.test(tail)) return undefined;
  return tail;
}

/** A fact of one transaction (an amount, an ID, a day): "前天那笔九百九的" is about a transaction. */
const TRANSACTION_FACT = /\d{3,}|[一二三四五六七八九十两百千万]+(块|元|蚊|塊)|今天|昨天|前天|昨儿|上周|上礼拜|礼拜|星期|号那|刚刷|刚才|上个月|上上个月|个月前|\b(today|yesterday|yday|days? ago|last week|this morning)\b/i;

/**
 * One particular sale, named by what it was ("昨儿个那笔一千二", "这笔980的", "前天那单"): asking how to undo it
 * ("…咋整回去啊，顾客不要了") is asking for it to be undone, not how undoing works in general.
 */
/**
 * A sale told with its day and amount ("顾客昨天刷了500", "今天刷错了一笔，刷成了1000"), then asked what to do
 * ("怎么弄", "能退吗", "你们能处理吗"): this sale is to be undone, not refunds explained in general.
 */
/** Charged as another amount ("刷成了五千九百九十", "按成1100"). */
const MISCHARGED_AS = /[打按输刷]成了?\s*(?:\d{2,}|[一二三四五六七八九十两百千万]{2,})/;
const SALE_TOLD = new RegExp(String.raw`(?:今天|昨天|前天|大前天|上周.|上个?星期.|\d{1,2}号)[^，,。?？]{0,8}刷(?:了|的|错了?|成了?)[^，,。?？]{0,6}?(?:\d{2,}|[一二三四五六七八九十两百千万]{2,})|` + MISCHARGED_AS.source);
const WHAT_TO_DO = /咋办|怎么办|怎么弄|咋弄|咋整|咋处理|怎么处理|能退吗|能不能退|能撤吗|能处理吗|能不能处理|能办吗|帮我看看|你看看|你看着办/;
const PARTICULAR_SALE = /(?:刚|刚才|刚刚)[刷付收]的[^，,。?？]{0,4}\d{2,}|[这那]笔[^，,。?？!！]{0,6}?(?:\d{2,}|[一二三四五六七八九十两百千万]{2,}|[块元蚊])|(?:\d{2,}|[一二三四五六七八九十两百千万]{2,})(?:块|元|蚊)?的?那笔|(?:昨|前|今)(?:天|儿个?|日)[^，,。?？]{0,3}[这那](?:笔|单)/;

/**
 * One sale named by its day and its amount ("昨天刷的880可以退给顾客吗？", "a customer returned a phone she
 * bought 3 days ago for 2999, how do i get her money back?"): asking whether or how to undo it is asking
 * for it — unless the question is when, why, or about a message on the terminal.
 */
const SALE_DAY =
  /今天|今日|昨天|昨日|昨儿|琴日|寻日|前天|前日|前儿|上周|上个?星期|上个?礼拜|[周礼拜星期][一二三四五六日天]|上个月|\d{1,2}号|\d+天前|[一二三两四五六七八九十]天前|刚才|刚刚|上午|中午|下午|早上|晚上|下昼|\b(?:today|yesterday|this (?:morning|afternoon|evening)|last (?:week|night|month|(?:mon|tues|wednes|thurs|fri|satur|sun)day)|\d+ days? ago|on (?:mon|tues|wednes|thurs|fri|satur|sun)day)\b/i;
const SALE_AMOUNT = /(?<![\d-])\d{2,7}(?:\.\d{1,2})?(?![\d-])|[一二三四五六七八九两]+[十百千万][一二三四五六七八九十两百千万]*/;
const NOT_ABOUT_DOING_IT =
  /想问|问一下|问下|请问|咨询|多久|多长时间|什么时候|几时|为什么|为啥|点解|报|提示|显示|跳出|怎么操作|如何操作|怎么弄|机器上|POS上|终端上|输什么|输哪|什么号|哪个号|哪张|哪里|在哪|去哪|密码|带什么|需要什么|要什么|\b(?:how long|when will|when does|why|on the (?:terminal|machine|pos)|what (?:should|can|do) i do|what i (?:should|can|need to) do|what (?:to do|now))\b/i;
/** Longer, it is a story around a question about the rules or the terminal ("…这种情况我应该怎么操作"). */
const TOLD_SALE_MAX_CHARS = 60;
/** The merchant's own case told: a customer, a sale, a day or an amount ("有个客人要退货", "今天有笔交易刷错了"). */
const OWN_CASE =
  /我们|我的|我家|咱们|店里|本店|(?:刷|扣|付)了?(?:两|2)次|下个?月|下周|下礼拜|\b(?:we|we're|we are|our|my (?:shop|store|business))\b|有(?:个|位|一个|一位)(?:客人|顾客|客户|人)|有(?:笔|一笔|单|一单)|[这那]笔|[这那]个?单|一笔|刚才|刚刚|今天|昨天|前天|上周|\d{2,}|(?:客人|顾客|客户)(?:要|想)(?:退|撤)|(?:客人|顾客|客户)(?:退货了|退了|拿回来了?|不要了)|刷错|按错|输错|打错|多扣|刷重复|刷多|\bcustomer (?:returned|wants|paid|was|bought|changed)|\b(?:yesterday|today|this morning)\b|\bi (?:charged|swiped|rang)|\bwe (?:charged|swiped)/i;
/**
 * A mistake or a sale of one's own, then whether it can be undone ("刷错了 能撤回来不", "这个单能退不"):
 * asking for it. "还能退不" (still, after what happened) and "咋整" ask about the rules first.
 */
const OWN_SALE = /刷错|按错|输错|打错|多扣|刷重复|刷多了|[这那](?:个|一)?[单笔]|有(?:一)?[单笔]|刷的(?:一|这|那)[单笔]/;
/** The customer wants the sale undone ("患者要取消", "客人要退"). */
const CUSTOMER_WANTS_IT = /(?:客人|顾客|客户|患者|病人|家长|学员|住客|买家)(?:说)?(?:要|想|非要|坚持要)(?:退|撤|取消)/;
/** A new request asked for in so many words ("帮我申请退款", "要撤销这笔"). */
const NEW_REQUEST_NAMED = /(?:这笔|那笔|这单|那单|这张)[^，,。？?]{0,10}(?:要|想|帮我|需要)(?:申请)?(?:全额|全部)?(?:退|撤)|(?:帮我|帮忙|麻烦)(?:申请|办|提)?(?:个|一个|一下)?(?:撤销|退货|退款|暂停结算)|(?:我要|我想|要|想)申请(?:个|一个)?(?:撤销|退货|退款|暂停结算)/;
/** A refund or void done on the terminal whose money has not arrived. */
const UNDONE_NOT_ARRIVED = /(?:(?:退|撤销?)(?:成功|好了|完了)|已经(?:退|撤)了)[^？?]*(?:没(?:见到|收到|到账)|还没到)/;
/** A mistake at the till, told of one's own sale. */
/** Asking us to see to it ("你看这个怎么弄", "你们看着办"). */
const LEFT_TO_US = /你们?(?:帮我)?看(?:看)?(?:这个|这|一下|下)?(?:该|应该)?(?:怎么|咋)(?:弄|办|整|处理|搞)|你们?看着办|(?:麻烦|请)(?:你|您)(?:们)?帮(?:我|忙)看(?:看|一下|下)(?:该|应该)?(?:怎么|咋)(?:弄|办|处理)/;
/** Greetings of other languages, written among English ("Hola, good afternoon"): no typos of request words ("hold"). */
const GREETINGS_ELSEWHERE = ['hola', 'ola', 'salam', 'salaam', 'bonjour', 'ciao', 'namaste', 'hallo', 'aloha', 'shalom', 'merhaba', 'privet', 'annyeong', 'konnichiwa'];
const OWN_MISTAKE = /刷错|按错|输错|打错|多打了|多按了|手滑|多扣|刷重复|刷重了|刷多了|多刷了/;
const CAN_IT_BE_UNDONE = /(?<!还)能(?:不能)?(?:给(?:他|她|人家|人|顾客|客人|客户))?(?:退|撤)|(?<!还)可以(?:给(?:他|她|人家|人|顾客|客人|客户))?(?:退|撤)|撤回来|\bcan (?:it|this|that|these|(?:this|that) (?:one|sale|payment|transaction|charge)) be (?:refunded|voided|cancell?ed|reversed)\b|\b(?:can (?:i|you|u|we)|could (?:you|u)|is it possible to|can) (?:refund|void|cancel|reverse) (?:it|this|that)\b/i;
/**
 * One sale paid twice ("付了两遍", "扣了两次"): asking how to get rid of the second is asking us to. What
 * happened, not a worry ("会不会扣两次钱").
 */
const PAID_TWICE = /(?:刷|付|扣|支付|交)了两(?:遍|次|回)|重复(?:刷|付|扣)了/;
/**
 * What we (or the review) told the merchant to do ("你们是不是让我补什么材料"): about their own request,
 * however it is asked — not the general question of which materials a request needs.
 */
const TOLD_TO = /(?:你们|审核|客服|那边|银行)[^，,。?？]{0,6}(?:让|叫|要|通知|说)我(?:们)?(?:补|交|提供|发|上传|重新)|(?:你们|审核|客服|那边)[^，,。?？\s]{0,4}(?:说缺|说还缺|asked (?:me |us )?for)/i;

/** A request of one's own, filed before ("我的申请", "上周提的那个", "礼拜五提交的", "之前交的单子", "my request"). */
const OWN_FILED =
  /我(?:们)?(?:的|那个|这个)(?:撤销的|退款的|退货的|暂停的|停结算的)?(?:申请|单子|工单|退款申请|撤销申请)|我(?:们)?(?:的|那笔|那个)(?:退款|退货|撤销)(?=怎么还|还没|到账|退了|批|好了|有|是不是|咋|怎么)|你们(?:到底|究竟)?(?:给|帮)?(?:我|人家|客人)?(?:退|批|办|处理)(?:了)?没(?:有)?(?:退|批|办|处理)|(?:之前|上次|上回|前几天|前两天|前些天|前一阵|前天|昨天|上周|上个?礼拜|上个?星期|早两日|早几日|前两日|前几日|早两天|早几天)(?:已经)?(?:申请|提交|提|交)(?:了|过)?(?:暂停|退款|撤销|退货|停|退的|撤的)|我(?:们)?(?:已经|之前|昨天|前天|今天|上周)?(?:提交|提|交|申请)了(?:[一两二三几\d]个)?(?:撤销|退货|退款|暂停结算|暂停)?(?:申请|单子)|(?:之前|上次|上回|前几天|前天|昨天|今天|刚才|刚刚|刚(?=提交|申请|提|交|办)|上午|上周|上个?礼拜|上个?星期|(?:上个?)?(?:礼拜|星期|周)[一二三四五六日天1-7]|那天|(?:\d{1,2}|[一二两三四五六七八九十]{1,2})天前)(?:提|交|申请|办|提交|搞|弄)(?:的|了的)|(?:提|交|申请|提交)过(?:的|了)?|(?:之前|上次|上回|前几天|前天|昨天|上周|上个?礼拜|上个?星期)(?:申请|提交|提)(?:给|帮)(?:顾客|客人|客户|人家)(?:退|撤)的|(?:之前|上次|上回|前几天|前天|昨天|今天|刚才|刚刚|刚(?=提交|申请|提|交|办)|上周|上个?礼拜|上个?星期|(?:上个?)?(?:礼拜|星期|周)[一二三四五六日天1-7])(?:在(?:这里|这儿|你们这|这边))?(?:提交|申请|办|提|交)(?:了)?(?:(?:撤销|退货|退款|暂停结算|暂停|停结算)的|的(?:撤销|退货|退款|暂停结算|申请|单子))|(?:让|叫|找|请)你们(?:帮(?:我|忙))?[^，,。?？\s]{1,8}的(?=[\s，,。]|$)|(?:申请|提交|提)了?[^，,。?？\s]{0,6}(?:好|都|已经)?(?:几|[一二两三四五六七八九十\d]+)(?:天|周|个礼拜|个星期)了|\bmy (?:request|application|ticket|refund request|void request|refund application|void application|claim)\b|\b(?:the|that) (?:request|application|refund|void|hold) (?:i|we) (?:made|filed|sent|submitted|did|asked for|requested)\b|\bsince (?:i|we) (?:asked for|requested|applied for|filed|submitted|sent) (?:a|the|my|our) (?:refund|void|hold|request|application|suspension|cancellation)\b/i;

/**
 * "go through" with an object is to examine ("the bank need to go through them", "going through our
 * records"); only a request going through ("did my refund go through?") asks how it stands.
 */
const GOES_THROUGH_THINGS = /\b(?:go|going|goes|went|gone) (?:through|thru) (?:them|it|those|these|the|all|our|my|your|their|every|each|some|a few)\b/gi;

/** Asked to look it up ("都帮我看下", "check it for me"). */
const LOOK_AT_IT = /帮我看|帮忙看|看一下|看下|看看|查一下|查下|查查|帮我查|\b(?:check|look (?:it|them) up|look up)\b/i;
/** Still waiting ("还没到账", "still hasn't got the money"): about what was filed, though no question. */
const NOT_YET = /还没|还是没|仍然没|一直没|没收到|没到账|(?:都|也|一直|还|到现在都?)没(?:有)?个?(?:消息|动静|回音|信儿|回复|结果)|\b(?:still|not yet|hasn'?t|haven'?t|nothing (?:has )?happened|no (?:news|reply|response|answer))\b/i;

/**
 * The merchant's own plan to try it themselves ("行，那我让收银员在机器上撤一下试试", "I'll try it on the
 * terminal"), after being told how: no request to us.
 */
const OWN_TRY = /(?:我|我们|那我)(?:先|去|再|自己)?(?:让|叫)?[^，,。?？!！]{0,12}(?:试试|试一下|试下|试一试|试试看)|\b(?:i'?ll|let me|we'?ll|i will|we will) (?:try|give it a (?:try|go))\b/i;
/**
 * A request filed before, named on its own ("阿拉昨日提交了一只撤销申请", "上回让你们退的那笔", "我有两个退款申请",
 * "i filed a void yesterday"): merchants open with it before asking how it stands, and it is no new request.
 */
const FILED_BEFORE =
  /(?:提交|提|交|递)了(?:一|1|两|2)?(?:只|个|份|单)?[\u4e00-\u9fff]{0,4}申请|(?:让|叫|请)你们(?:帮我|给我)?(?:退|撤|停|撤销|退款|暂停)[^，,。\s]{0,4}(?:的|那)|(?:前几天|上回|上次|之前|昨天|前天|上周|上礼拜|上个月)(?:就|已经)?(?:让|叫|请|找)你们|(?:前几天|前两天|前些天|上回|上次|之前|昨天|前天|上周|上礼拜|上个月)(?:申请|提交|提|交)(?:了|过)?[\u4e00-\u9fff]{0,6}?(?:的)?那(?:个|笔|单)[\s。.!！]*$|我(?:们)?(?:有|提了|交了)(?:两|几|2|3|三|一)个[\u4e00-\u9fff]{0,4}申请|\b(?:i|we)(?: have| had|'ve)? (?:filed|submitted|sent in|put in|raised|made) (?:a |an |the |my |our |two |2 )?(?:void|refund|cancellation|hold|suspension|request|application)|\b(?:i|we) (?:asked|applied|requested)(?: you(?: guys)?)?(?: (?:yesterday|earlier|last (?:week|month)|a (?:few|couple of) days ago|on \w+day|this morning))? (?:you )?(?:to|for) (?:(?:a|an|the|our|my) )?(?:pause|hold|stop|suspend|freeze|void|refund|cancel)/i;
/** …unless it is filed again ("重新申请", "再提一个", "file a new one"). */
const FILED_AGAIN = /重新|再(?:申请|提|交|办)|又要|\b(?:again|new one|another)\b/i;


/** Wanting something else, said outright: "我要…", "我是要…", "改成退货" (not "改成19号开始停": a value), "I want to … instead". */
const SWITCH_WISH = /我(?:是|其实|只是)?(?:要|想|需要)|(?:其实|真正)(?:就|只)?(?:是)?(?:要|想|需要)|帮我|(?:改(?:成|为|办)|换成)(?=\s*(?:申请|办理?|退|撤|暂停|停结算|冻结|补|查|\b(?:refund|void|hold|suspend)))|\b(?:i (?:want|need|'d like|would like)|instead)\b/i;
/** Doubting one's own words before putting them right ("我是不是说岔了 其实就是想…"): no question to answer. */
const SELF_DOUBT = /(?:我|是我)?是不是(?:我)?(?:说岔了|说错了|搞错了|弄错了|讲错了|没说清楚?|没讲清楚?|表达得?不清楚|表达错了|说得?不清楚)[?？，,。.\s]*/g;
/**
 * A request denied ("I certainly never asked for any kind of hold", "我又没申请暂停结算"): a complaint that the
 * money did not come, not that request.
 */
const NEVER_ASKED_FOR =
  /(?:我|我们)?(?:又|也|根本|从来|从)?(?:没|没有|并没有?)(?:申请|要求|让你们|叫你们|办)(?:过)?(?:什么)?(?:暂停结算|暂停|停结算|冻结|止付)|\b(?:i|we)\s+(?:certainly\s+|definitely\s+|never\s+ever\s+)?(?:never|didn'?t|did not|haven'?t|have not)\s+(?:ever\s+)?(?:ask(?:ed)?|request(?:ed)?|appl(?:y|ied)|sign(?:ed)? up)\s+(?:for\s+)?(?:any\s+(?:kind\s+of\s+|sort\s+of\s+)?|a\s+|the\s+|this\s+)?(?:hold|suspension|freeze|pause)s?\b/gi;
/** Giving up the request under way on the way to another ("算了退款先不弄", "不是这个", "actually"). */
export const GIVE_UP_CURRENT = /算了|不弄|不办|不要了|不用了|不是这个|不是|先不|别弄|\b(?:never ?mind|not that|actually|instead|forget)\b/i;

/** The codes that name one transaction or merchant: a message of three of them asks for the flow that takes them. */
const IDENTIFYING_CODES = new Set(['merchant_id', 'terminal_id', 'voucher_no', 'reference_no']);
const FACTS_ALONE_AT_LEAST = 3;
/** What a message or a code means ("提示57是什么意思", "what does code 51 mean"). */
const ASKS_MEANING = /什么意思|啥意思|是什么|是啥|\bwhat (?:does|do|is)\b[^?]*\bmean|\bmeaning\b/i;
/** A message this short sent with a file ("撤不了", "要退") is about what the file shows. */
const SAID_WITH_FILE_MAX_CHARS = 6;
const LABELLED = Object.fromEntries(Object.entries(ID_LABELS).map(([type, words]) => [type, new RegExp(words, 'i')])) as Record<IdType, RegExp>;

interface Statement {
  flowId: string;
  act: string[];
  about: string[];
  questions: boolean;
  ticketAlone: boolean;
  /** Its flow takes files: with a file sent, such a request is read first ("this is for the request you asked more info on"). */
  takesFiles: boolean;
}

/** Words of a request in English besides the flows' own, for the typo corrector ("hlep me cancle"). */
const REQUEST_WORDS = ['help', 'please', 'cancel', 'refund', 'transaction', 'payment', 'void', 'settlement', 'status', 'request', 'check', 'suspend', 'payout', 'agent', 'human', 'customer', 'charged', 'twice', 'wrong', 'amount'];

export class IntentDetector {
  private readonly examples: { flowId: string; tokens: Set<string> }[] = [];
  private readonly statements: Statement[] = [];
  /** The same, those whose flow takes files first: read when a file is sent. */
  private readonly statementsWithFiles: Statement[];
  /** Per request flow (not a status check), its slots typed as identifying codes. */
  private readonly codeSlots: { flowId: string; types: string[] }[] = [];
  /** English typed in a hurry, corrected towards the words of the flows' requests. */
  private readonly speller: EnglishSpeller;

  constructor(flows: Iterable<Flow>, private readonly threshold = 0.3) {
    // Known words are never corrected: common English, and every English word the flows say or list.
    const english: string[] = [...REQUEST_WORDS, ...[...STOPWORDS].filter((w) => /^[a-z]+$/.test(w))];
    for (const flow of flows) {
      english.push(...(lower(JSON.stringify(flow)).match(/[a-z]+/g) ?? []));
      for (const example of [...flow.intents['zh-CN'], ...flow.intents.en]) {
        this.examples.push({ flowId: flow.id, tokens: new Set(tokenize(example)) });
      }
      const st = flow.statement;
      if (st) this.statements.push({ flowId: flow.id, act: st.act.map(lower), about: st.about.map(lower), questions: st.questions, ticketAlone: st.ticketAlone, takesFiles: flow.slots.some((slot) => slot.type === 'attachments') });
      if (st && !st.questions) this.codeSlots.push({ flowId: flow.id, types: [...new Set(flow.slots.map((s) => s.type).filter((t) => IDENTIFYING_CODES.has(t)))] });
    }
    // Statements that may be questions (about one's own requests) are read first: "那个退款申请批了没"
    // names a refund, but asks after a request.
    this.statements.sort((a, b) => Number(b.questions) - Number(a.questions));
    this.statementsWithFiles = [...this.statements].sort((a, b) => Number(b.takesFiles) - Number(a.takesFiles));
    this.speller = new EnglishSpeller(english, GREETINGS_ELSEWHERE);
  }

  /**
   * The flow a message states a request for ("前天那笔九百九的，顾客要退钱"): a word of the flow's `act`, a
   * word of its `about` (or, for a transaction, one of its facts), and no question — unless the flow
   * takes questions (status, supplements) and this is no question about how.
   */
  stated(text: string, which: 'own' | 'new' | 'any' = 'any', opts: { withFiles?: boolean; asked?: boolean; topic?: boolean } = {}): string | undefined {
    const t = lower(text);
    // Counted in characters of Chinese, or twice as many of English.
    const polite =
      (POLITE_REQUEST.test(text) && [...text].length <= POLITE_REQUEST_MAX_CHARS * (/[\u4e00-\u9fff]/.test(text) ? 1 : 2.5)) ||
      REQUEST_TAIL.test(text) ||
      // Asked with one's own merchant ID ("顾客要退货 我该怎么操作 商户号…"): the merchant wants it done.
      ((CAN_YOU.test(text) || (HOW.test(text) && !HOW_LONG.test(text))) && MERCHANT_ID.test(text)) ||
      // …and so is a hold of a few days told with it ("我们油漆店的打款要停几天 商户号 8407…").
      (/(?:停|关|歇)几天(?![能才会可到])/.test(text) && MERCHANT_ID.test(text));
    const particular =
      // A sale charged wrong at one's own till, left to us to sort out ("…店员手一滑刷成了五千九百九十…你看这个怎么
      // 弄"), however long the voice message that tells it. ("…咋整" alone asks how: the guide answers it.)
      // …and so is a sale told with its day and amount that the customer wants back ("…一共四百六十元，是刷卡付
      // 的…想把钱拿回去…麻烦您帮我看看该怎么弄").
      ((OWN_MISTAKE.test(text) || MISCHARGED_AS.test(text) || (SALE_DAY.test(text) && SALE_AMOUNT.test(text))) && LEFT_TO_US.test(text)) ||
      ((PARTICULAR_SALE.test(text) || (SALE_TOLD.test(text) && WHAT_TO_DO.test(text)) || (OWN_SALE.test(text) && CAN_IT_BE_UNDONE.test(text)) || (PAID_TWICE.test(text) && WHAT_TO_DO.test(text))) &&
        [...text].length <= POLITE_REQUEST_MAX_CHARS) ||
      (SALE_DAY.test(text) &&
        SALE_AMOUNT.test(text) &&
        !NOT_ABOUT_DOING_IT.test(text) &&
        [...text].length <= TOLD_SALE_MAX_CHARS * (/[\u4e00-\u9fff]/.test(text) ? 1 : 2.5));
    // Whether what was sent with it can be undone ("这个能退吗" + the slip): the sale is in hand, so is the request.
    // …and so is what to do now that the terminal refused it ("terminal says refund period exceeded. what now?" + the slip).
    // What the terminal's message means ("退货提示57是什么意思？") stays a question, photo or not.
    // With the slip in hand, "还能退吗" asks about that sale ("这张单子的客人今天拿回来要退货，还能退吗").
    const fileAsked = opts.withFiles === true && ((POINTS_AT_FILE.test(text) && (CAN_IT_BE_UNDONE.test(text) || /还(?:能|可以)(?:退|撤)/.test(text))) || (TERMINAL_ERROR.test(text) && !ASKS_MEANING.test(text)));
    // Undone already at the terminal, the money not seen yet ("当场在机器上就退成功了 他说到现在卡里还没见到钱"): no
    // request to make, a question of how long.
    if (which !== 'own' && UNDONE_NOT_ARRIVED.test(text)) return undefined;
    // The writer as a cardholder charged at another shop: no sale of their own to undo.
    if (which !== 'own' && AS_CARDHOLDER.test(text) && !opts.topic) return undefined;
    // Redone at the terminal, a pre-authorised deposit, the rule asked first: the guide answers first, the
    // request is offered after — unless sent with the merchant's own ID ("整笔退了重新刷 商户号826…"):
    // nobody gives it to learn how.
    const answeredFirst = (REDO_AT_TERMINAL.test(text) || PRE_AUTH.test(text) || ASKS_THE_RULE.test(text)) && !MERCHANT_ID.test(text);
    // A question inside a statement asks nothing ("什么时候能开业要等商场再通知", "没有什么证明材料"), nor does one
    // reported ("…团建取消 问我们能不能通融一下 老板说…钱给她们弄回去").
    const plain = text.replace(EMBEDDED_QUESTION, ' ');
    const questionShaped = QUESTION.test(plain) || DIALECT_QUESTION.test(plain) || ASKS_APPROVAL.test(plain);
    // Whether it can be undone, asked of such a sale ("…那笔完成能撤回来不"), asks too.
    const asksUndo = REDO_AT_TERMINAL.test(text) || CAN_IT_BE_UNDONE.test(text) || /不[?？]?\s*$/.test(text);
    // `asked`: read as if it were no question ("有个客人要退货，怎么给他退？" then names a refund).
    const question = (questionShaped || (answeredFirst && asksUndo)) && !polite && !(particular && !answeredFirst) && !fileAsked && !opts.asked;
    // …and a story that ends in the ask put politely is no question — of the request that ask names.
    const tail = question ? politeTail(text) : undefined;
    // A photo sent with the story ("一个多月前的单子，机器上退不了" + the slip) is the request's evidence.
    // …unless only the topic is wanted: a sale the terminal refuses is still about that request.
    // …or a sale told with its day and amount ("10月15号刷的一笔¥1,200.00，顾客要退货，机器上退不了"): that sale is to undo.
    // …nor a sale told with its day and amount, asked whether it can still be undone after the terminal refused
    // ("10月28号…刷的卡七千二…机器上做退货提示超过期限了，这笔还能退给客户吗"): answered, and the request offered.
    const toldSale = opts.asked === true && SALE_DAY.test(text) && SALE_AMOUNT.test(text) && OWN_SALE.test(text);
    // …nor a mistake of one's own the terminal would not undo ("今天上午刷的一笔金额输错了，多打了一个零，终端上撤不了"):
    // the request is what is left.
    // …nor a customer's wish the terminal refused ("今天上午刷的一笔 患者要取消 机器上撤销提示失败了").
    // (A refund the terminal refuses, "机器上退不了", is often a sale past its online refund days: the guide first.)
    const mistakeRefused =
      (OWN_MISTAKE.test(text) && /撤不了|退不了|撤不掉|做不了|(?:撤销|退货)[^，,。?？]{0,4}失败|\bwon'?t (?:void|refund)\b/i.test(text)) ||
      (CUSTOMER_WANTS_IT.test(text) && /撤不了|撤不掉|撤销[^，,。?？]{0,4}失败/.test(text)) ||
      // …nor a charge taken twice after the terminal said it failed ("第一次刷显示失败又刷了一次，结果两笔都扣了…第二笔要退").
      (/两笔都扣|扣了两(?:次|笔|遍)|又刷了一(?:次|遍)/.test(text) && /要退|要撤|退掉|撤掉|退一笔/.test(text)) ||
      // …nor a customer's money the terminal will not give back, its days past ("…客户不等了要退钱 我在机器上做退货
      // 提示超过退货期限"): what is left is the manual refund, which is the request.
      (/超过(?:了)?(?:退货|退款)?(?:期限|时限|天数)|超期|\b(?:refund period|too old)\b/i.test(text) && /要退钱|退钱|要退|退款给|退给|还给|给人家|money back|give (?:it |the money )?back/i.test(text) && SALE_AMOUNT.test(text));
    const troubleshooting = TERMINAL_ERROR.test(text) && !EXPLICIT_REQUEST.test(text) && !opts.withFiles && !opts.topic && !particular && !toldSale && !mistakeRefused;
    // "等新账户办好了再恢复": what is waited for is no request's progress asked after.
    // (Of a new request, "held until the lawsuit ends" still says held.)
    const newActs = t.replace(GOES_THROUGH_THINGS, ' ').replace(NOT_UNDOING, ' ');
    const ownActs = newActs.replace(WAITED_FOR, ' ');
    let best: { flowId: string; said: number } | undefined;
    for (const st of opts.withFiles ? this.statementsWithFiles : this.statements) {
      if ((which === 'own' && !st.questions) || (which === 'new' && st.questions)) continue;
      const askedInTail = tail !== undefined && !st.questions && st.act.some((w) => has(lower(tail), w));
      // (Where a ticket stands is no how-to: "let me know where request CX-… stands".)
      if (question && !askedInTail && (!st.questions || (HOW.test(text) && !TOLD_TO.test(text) && !TICKET.test(text)))) continue;
      if (troubleshooting && !st.questions) continue;
      const acts = st.questions ? ownActs : newActs;
      // (Materials are never sent in words that deny the act: "她不想重拍 要退钱" is a refund.)
      if (!st.act.some((w) => has(acts, w) && !(st.questions && st.takesFiles && negatedOnly(acts, w)))) continue;
      // A ticket number is what a request about one's own request is about ("whats the status of CX-…").
      // Sent with a photo, "这个帮我撤了" is about the sale on it.
      // …and so is a word or two sent with it ("撤不了" + the slip): nothing else it could be about.
      const aboutTheFile = opts.withFiles === true && !st.questions && (POINTS_AT_FILE.test(text) || fileAsked || [...text.replace(/[\s\p{P}]/gu, '')].length <= SAID_WITH_FILE_MAX_CHARS);
      const wish = !st.questions && WANTS_IT_ALONE.test(text);
      // The file sent is what materials taken again are about ("重新拍了一张，这张清楚" + the photo) — said in a
      // word of two characters or more: 补 alone is in too many words ("补牙", "补差价").
      const materialsSent = opts.withFiles === true && st.questions && st.takesFiles && st.act.some((w) => [...w].length >= 2 && has(acts, w));
      // Files sent beside a new request asked for ("这单帮我申请退款 签购单拍好了") are that request's, no supplement.
      if (opts.withFiles === true && st.questions && st.takesFiles && NEW_REQUEST_NAMED.test(text) && !TICKET.test(text)) continue;
      if (!(st.about.some((w) => has(t, w)) || (!st.questions && TRANSACTION_FACT.test(text)) || (st.questions && TICKET.test(text)) || aboutTheFile || wish || materialsSent)) continue;
      // One's own requests are read first and taken as found. Of two new requests the message fits, the one whose
      // words it says more of ("…从后天起停十天 十天后恢复打款…帮我弄一下嘛": a hold, not a sale's "弄一下").
      if (st.questions) return st.flowId;
      const said = st.act.filter((w) => has(acts, w) && !negatedOnly(acts, w)).reduce((n, w) => n + [...w].length, 0);
      if (!best || said > best.said) best = { flowId: st.flowId, said };
    }
    if (best) return best.flowId;
    // Any question about a request of one's own filed before ("上周提的那个退款，怎么一点消息都没有"), however
    // it is put: its status shows what there is to know. How to do something is still a question.
    const status = which === 'new' ? undefined : this.statements.find((st) => st.ticketAlone);
    // How long one's own request takes ("刚才提交的那个 多久能有结果") is answered by its status.
    const howOnlyLong = HOW_LONG.test(text) && !HOW.test(text.replace(new RegExp(HOW_LONG.source, 'g'), ' '));
    const asks = QUESTION.test(text) || DIALECT_QUESTION.test(text) || NOT_YET.test(text) || LOOK_AT_IT.test(text) || ENDS_DONE_OR_NOT.test(text);
    // Where it was filed ("昨天在这里办的退货") is no question of where.
    const rest = text.replace(OWN_FILED, ' ');
    // How long reviews take in general ("正常要审核多久") is the guide's to answer, even from one who filed.
    if (status && OWN_FILED.test(text) && asks && (!HOW.test(rest) || (howOnlyLong && !IN_GENERAL.test(text)))) return status.flowId;
    return undefined;
  }

  /**
   * The facts of one transaction and nothing else ("商户号826… 终端72060003 昨天 350 凭证040003"), as a merchant
   * sends them once told what support needs: the request that takes them. Codes count when written with
   * their label or unmistakable alone (15 digits); a question stays a question.
   */
  private factsAlone(text: string): string | undefined {
    if (QUESTION.test(text) || DIALECT_QUESTION.test(text)) return undefined;
    const ctx = { now: new Date(), timeZone: 'UTC', locale: 'zh-CN' as const };
    for (const { flowId, types } of this.codeSlots) {
      const given = types.filter((type) => SLOT_TYPES[type]!.extract(text, ctx).some((f) => !f.guessed && (type === 'merchant_id' || LABELLED[type as IdType].test(text))));
      if (given.length >= FACTS_ALONE_AT_LEAST) return flowId;
    }
    return undefined;
  }

  /** The flow that shows one's own requests (the one a ticket number alone asks for). */
  statusFlowId(): string | undefined {
    return this.statements.find((st) => st.ticketAlone)?.flowId;
  }

  /** The best matching flow when the message is a request for it; undefined for questions and chat. */
  detect(typed: string, opts: { withFiles?: boolean } = {}): IntentMatch | undefined {
    const text = this.readable(typed);
    // A ticket number on its own ("CX-20261201-0001", after the list of requests) asks after that ticket.
    // …and so does one to look up ("帮我查下CX-…", "can you look up CX-…").
    // …and any question asked of one ("宫单CX-… 咋样拉 是不是被剥回了"), no file sent with it.
    const askedOfTicket = TICKET.test(text) && !opts.withFiles && (QUESTION.test(text) || DIALECT_QUESTION.test(text)) && !HOW.test(text);
    const byTicket = TICKET_ALONE.test(text) || (TICKET.test(text) && LOOK_AT_IT.test(text)) || askedOfTicket ? this.statements.find((st) => st.ticketAlone) : undefined;
    if (byTicket) return { flowId: byTicket.flowId, score: 1, mode: 'start' };
    if (OWN_TRY.test(text) && !EXPLICIT_REQUEST.test(text)) return undefined;
    // About one's own request first ("我想问下我那个退款申请批了没" is no new refund), then the flow's
    // examples, then a new request stated as what happened.
    // …even in words that are all too common to count as tokens ("之前那个弄好没").
    const own = this.stated(text, 'own', { withFiles: opts.withFiles });
    if (own) return { flowId: own, score: 1, mode: 'start' };
    // A question of how long in general, beside one's own request that has not come through: answered, and
    // that request's status offered (not a new request).
    const ownBeside = this.ownBesideHow(text, opts);
    if (ownBeside) return { flowId: ownBeside, score: 1, mode: 'offer' };
    // (Read as typed too: the speller takes "filed" for "files".)
    const filedBefore = (FILED_BEFORE.test(text) || FILED_BEFORE.test(typed.toLowerCase())) && !FILED_AGAIN.test(text);
    const status = filedBefore && !opts.withFiles ? this.statusFlowId() : undefined;
    if (status) return { flowId: status, score: 1, mode: 'start' };
    const tokens = new Set(tokenize(text));
    if (tokens.size === 0) return undefined;
    // "status?", "check status pls": where one's own request stands, in one word.
    if ((BARE_STATUS.test(text) || MY_THAT_ONE.test(text)) && !opts.withFiles) {
      const status = this.statusFlowId();
      if (status) return { flowId: status, score: 1, mode: 'start' };
    }
    // The request's one English word alone ("refund", "void pls"), as 退款 alone is: examples of one word
    // would match every message that names it ("When do I need a manual refund?").
    const word = BARE_REQUEST_WORD.exec(text)?.[1];
    const bare = word ? this.statements.find((st) => !st.questions && st.act.includes(word)) : undefined;
    if (bare) return { flowId: bare.flowId, score: 1, mode: 'start' };
    const byExamples = this.byExamples(text, tokens);
    if (byExamples?.mode === 'start') return byExamples;
    const stated = this.stated(text, 'new', opts);
    if (stated) return { flowId: stated, score: 1, mode: 'start' };
    if (byExamples) return byExamples;
    const facts = this.factsAlone(text);
    if (facts) return { flowId: facts, score: 1, mode: 'start' };
    // A question about how to do, in the merchant's own case, what a request would ask ("今天有笔交易刷错了
    // 怎么撤销"): answered, and the request offered. A question about the rules ("已经结算了还能撤销交易吗")
    // is only answered.
    const asked = OWN_CASE.test(text) ? this.stated(text, 'new', { ...opts, asked: true }) : undefined;
    const ownSale = SALE_DAY.test(text) && SALE_AMOUNT.test(text);
    return asked ? { flowId: asked, score: 1, mode: 'offer', asked: true, ...(ownSale ? { ownSale: true as const } : {}) } : undefined;
  }

  /**
   * A question of how long in general asked beside one's own request ("退款一般要多久才能退到顾客卡上？我上礼拜申请的
   * 那个退货 到现在顾客都说没收到"): the guide answers the question, and the request filed is the one to offer —
   * its status, read from the clauses that do not ask how.
   */
  private ownBesideHow(text: string, opts: { withFiles?: boolean }): string | undefined {
    // …a space before Chinese words ends a clause too (typed on a phone without marks).
    const parts = text.split(/[，,？?。！!；;\n]+|\s+(?=[\u4e00-\u9fff])/).filter((p) => p.trim());
    const rest = parts.filter((p) => !HOW.test(p));
    const said = rest.join('，');
    // …and only when those clauses complain or ask too ("到现在顾客都说没收到"): "我昨天提交了退货申请，一般审核要多久？"
    // asks only how long reviews take.
    if (rest.length === 0 || rest.length === parts.length || !OWN_FILED.test(said)) return undefined;
    if (!(NOT_YET.test(said) || QUESTION.test(said) || DIALECT_QUESTION.test(said) || ENDS_DONE_OR_NOT.test(said))) return undefined;
    const flowId = this.stated(said, 'own', { withFiles: opts.withFiles });
    return flowId === this.statusFlowId() ? flowId : undefined;
  }

  /**
   * The message as the rules read it, without the courtesy around it: Chinese in simplified script with the request words' typos and pinyin
   * respelled; English lower-cased with every word corrected ("hlep me cancle a transacton" read as meant).
   */
  private readable(message: string): string {
    // "在吗 退货…" asks nothing: the greeting (and thanks, emoji) around a request are not read; full-width
    // digits and letters (an input method in full-width mode) are read as ASCII.
    const typed = halfWidth(withoutCourtesy(message, { softeners: false }));
    const chinese = /[\u4e00-\u9fff]/.test(typed) || PINYIN_REQUEST_WORD.test(typed);
    return chinese ? respellRequestWords(simplifiedText(typed)).replace(SELF_DOUBT, ' ').replace(NEVER_ASKED_FOR, ' ') : this.speller.correct(lower(withDigits(typed.replace(NEVER_ASKED_FOR, ' '))));
  }

  /**
   * The request a message is about, asked for or not ("顾客要退款怎么办" is about a refund): the flow whose
   * act and about words it has, read as if it were no question.
   */
  topicOf(typed: string): string | undefined {
    const text = this.readable(typed);
    return this.stated(text, 'new', { asked: true, topic: true }) ?? this.stated(text, 'own', { asked: true, topic: true });
  }

  /**
   * Another request asked for in so many words while one is under way ("算了退款先不弄 我要暂停结算", "哦不是
   * 我是要补签购单照片"): its flow, or undefined when the message only names the topic (an answer such as
   * "顾客退货太多，资金紧张" to "why hold the payouts?" is no new request).
   */
  switchedTo(text: string, current: string): string | undefined {
    const match = this.detect(text);
    if (!match || match.mode !== 'start' || match.flowId === current) return undefined;
    return SWITCH_WISH.test(simplifiedText(text)) ? match.flowId : undefined;
  }

  private byExamples(text: string, tokens: Set<string>): IntentMatch | undefined {
    // Two scores per example: how much of the example the message contains (a long message with the
    // request in it), and how alike both are (a short message that is the request itself).
    let best: { flowId: string; score: number; dice: number } | undefined;
    // Asking about requests needs a word about their state: "…凭证号000456，帮我申请" files one.
    const aboutStatus = STATUS_WORDS.test(text);
    for (const ex of this.examples) {
      if (ex.flowId === 'request-status' && !aboutStatus) continue;
      let shared = 0;
      for (const t of ex.tokens) if (tokens.has(t)) shared++;
      const score = ex.tokens.size ? shared / ex.tokens.size : 0;
      const dice = (2 * shared) / (ex.tokens.size + tokens.size);
      if (!best || score > best.score || (score === best.score && dice > best.dice)) best = { flowId: ex.flowId, score, dice };
    }
    if (!best || best.score < this.threshold) return undefined;
    const match = { flowId: best.flowId, score: Math.round(best.score * 1000) / 1000 };
    const question = QUESTION.test(text);
    // "我的申请到哪一步了", "退货申请审核通过了吗": asking about one's own request IS the request.
    // …but "…到哪一步了，在哪里能查到？" asks how to look it up: answered, and offered.
    if (best.flowId === 'request-status' && best.score >= 0.5 && (OWN.test(text) || TICKET.test(text))) return { ...match, mode: LOOKUP_HOW.test(text) ? 'offer' : 'start' };
    // "我想撤销一笔交易", "昨天刷了1280元，凭证号000123，想撤销": the merchant asks us to do it.
    // …unless it asks how ("我想问一下恢复结算要怎么申请") or tells a story around a question: answered, and offered.
    // …and so does a question choosing between two ("do I need a refund or a void?", "要撤销还是退货？").
    const asksHow = question && (/吗[?？]?$/.test(text) || HOW.test(text) || /还是|\bor\b/i.test(text) || [...text].length > LONG_QUESTION_CHARS);
    if (FIRST_PERSON.test(text) && best.score >= 0.5) return { ...match, mode: asksHow ? 'offer' : 'start' };
    if (!question && BARE_WISH.test(text) && !THIRD_PARTY.test(text)) return { ...match, mode: 'start' };
    // "补充材料", "暂停结算申请": the message is the request.
    if (!question && best.dice >= 0.7) return { ...match, mode: 'start' };
    // "怎么申请暂停结算": a question about the process — answer it, and offer to do it.
    if (question && PROCESS.test(text) && best.score >= 0.6) return { ...match, mode: 'offer' };
    return undefined;
  }
}

/**
 * Input-method typos of the request words themselves (推货 for 退货, 退宽 for 退款, 撤肖 for 撤销): pinyin
 * keyboards offer the homophone first as often as the word.
 */
const REQUEST_WORD_TYPOS: [RegExp, string][] = [
  [/推货|推获|褪货|退或|退活|退获|腿货|退貨|推貨/g, '退货'],
  [/退宽|推款|推宽|腿款|退欵|退歀/g, '退款'],
  // "推个款", "推笔款": 退 typed by its sound before a measure word.
  [/推(?=个款|笔款|个钱|一哈|一下(?!单)|了吧|掉吧|给他|给她|给人家)/g, '退'],
  [/推钱|腿钱/g, '退钱'],
  // 笔 typed as its homophone after 那/这/一 ("九十九块钱那比").
  [/(?<=[那这一])比(?![例较如起赛])/g, '笔'],
  [/撤肖|测销|撤宵|撤硝|彻销|扯销|撤銷|撤消/g, '撤销'],
  [/暂挺|暂亭|暂听|暂廷|暫停|咱停|赞停|攒停/g, '暂停'],
  [/节算|結算|结酸|接算|解算/g, '结算'],
  [/申情|申清|伸请|申請/g, '申请'],
  [/体交|题交|提叫|提教|提胶/g, '提交'],
  // "申请到那一步了": 哪 typed as 那 before a step or a place asked after.
  [/到那(?=一?步了|儿了|里了)/g, '到哪'],
  [/进渡|近度|进读|尽度/g, '进度'],
  // Dialect and chat spellings of 没有 ("批了木有", "到账冇", "弄好了没得").
  [/木有|冇有|么有|没得/g, '没有'],
  // Cantonese: 呢 before a measure word is "this" (呢单, 呢笔, 呢單), not a question's particle; 咗 is 了; 冇 before
  // a verb is 没 ("冇通过", "冇退"); 点解 is 为什么.
  [/呢(?=[单笔张个条份部台次單筆張個條])/g, '这'],
  [/咗/g, '了'],
  // …碌 is to swipe (碌卡, 碌嘅卡), 嘅 is 的, 啲 is 些, 退返 is 退回.
  [/碌(?=[嘅的了咗卡多错錯])/g, '刷'],
  [/嘅/g, '的'],
  [/啲/g, '些'],
  [/退返/g, '退回'],
  // …你哋/我哋 are 你们/我们, 嗰 is 那, 而家 is 现在 ("我上个礼拜叫你哋帮我退嗰笔钱，而家点样啦？").
  [/你哋/g, '你们'],
  [/我哋/g, '我们'],
  [/嗰/g, '那'],
  [/而家/g, '现在'],
  // …未 before a verb is 没 ("都未退返俾个客"), 咁 is 这么 ("做咩咁慢"); 咩 stays (the question words above know it).
  [/未(?=[退批到好办处])/g, '没'],
  [/咁(?=[慢久难快])/g, '这么'],
  [/冇/g, '没'],
  [/點解|点解/g, '为什么'],
  // Southwestern speech: 莫 before a verb is 别 ("钱莫打过来"), 嘞 is 的, 屋头 is 家里.
  [/莫(?=[打转结付给往发退撤停])/g, '别'],
  [/嘞/g, '的'],
  [/屋头/g, '家里'],
  // Northern filler: "那啥，…" ("um, …") opens a sentence; it asks nothing.
  [/(?<=^|[\s，,。])那啥(?=[\s，,。])/g, ''],
  // Shanghainese: 阿拉 is 我们, 侬 is 你, 哪能 is 怎么, 额 after a verb is 的 ("提交额退货申请"; not 金额).
  // …昨日 is 昨天, 只 is the measure word of a request too ("阿拉昨日提交了一只撤销申请").
  [/阿拉/g, '我们'],
  // Northern 俺 is 我 ("俺那个撤销的单子").
  [/俺/g, '我'],
  // …and 甭 before a verb is 别 ("钱先甭往卡里打了").
  [/甭(?=[打转结付给往发退撤停弄办])/g, '别'],
  [/昨日/g, '昨天'],
  [/(?<=[一两几这那])只(?=[\u4e00-\u9fff]{0,4}(?:申请|单))/g, '个'],
  [/侬/g, '你'],
  [/覅/g, '别'],
  [/哪能/g, '怎么'],
  [/嘛时候/g, '什么时候'],
  [/(?<=[交请办弄做刷付收])额(?=[\u4e00-\u9fff])/g, '的'],
  // The request words typed in pinyin ("tuihuo 昨天的 880").
  [/(?<![a-z])tui\s?huo(?![a-z])/gi, '退货'],
  [/(?<![a-z])tui\s?kuan(?![a-z])/gi, '退款'],
  [/(?<![a-z])che\s?xiao(?![a-z])/gi, '撤销'],
  [/(?<![a-z])zan\s?ting(?![a-z])/gi, '暂停'],
  [/(?<![a-z])jie\s?suan(?![a-z])/gi, '结算'],
  // …and what is asked after one's own request ("wo de tuikuan shenqing CX-… shenme zhuangtai").
  [/(?<![a-z])zhuang\s?tai(?![a-z])/gi, '状态'],
  [/(?<![a-z])jin\s?du(?![a-z])/gi, '进度'],
  [/(?<![a-z])shen\s?qing(?![a-z])/gi, '申请'],
  // …with the question around them in pinyin too ("shenqing jindu zenme cha" asks how to look it up).
  [/(?<![a-z])zen\s?me(?![a-z])/gi, '怎么'],
  [/(?<=怎么)\s?cha(?![a-z])/gi, '查'],
  // …half in pinyin, half in characters, as the keyboard's suggestion was taken for one syllable ("jie算", "退kuan").
  [/(?<![a-z])jie\s?(?=算)/gi, '结'],
  [/(?<=结)\s?suan(?![a-z])/gi, '算'],
  [/(?<![a-z])tui\s?(?=[货款钱])/gi, '退'],
  [/(?<=退)\s?huo(?![a-z])/gi, '货'],
  [/(?<=退)\s?kuan(?![a-z])/gi, '款'],
  [/(?<![a-z])che\s?(?=销)/gi, '撤'],
  [/(?<![a-z])zan\s?(?=停)/gi, '暂'],
];
/** Pinyin request words, which make a Latin-letter message Chinese ("tuihuo zuotian 880"). */
const PINYIN_REQUEST_WORD = /(?<![a-z])(?:tui\s?huo|tui\s?kuan|che\s?xiao|zan\s?ting|zhuang\s?tai|jin\s?du|shen\s?qing)(?![a-z])/i;

function respellRequestWords(text: string): string {
  return REQUEST_WORD_TYPOS.reduce((t, [typo, word]) => t.replace(typo, word), text);
}

/** Two characters that negate the word after them ("不是要停", "她不想重拍"). */
const NEGATING_TWO = new Set(['不是', '不想', '不要', '不用', '不肯', '不愿']);

/** Whether every time a Chinese word is said it is said negated ("算了不停了": 停 is not asked for). */
function negatedOnly(text: string, word: string): boolean {
  if (/[a-z]/i.test(word) || /^[不别没莫]/.test(word)) return false;
  let at = text.indexOf(word);
  while (at >= 0) {
    if (!/[不别没莫]/.test(text[at - 1] ?? '') && !NEGATING_TWO.has(text.slice(Math.max(0, at - 2), at))) return false;
    at = text.indexOf(word, at + 1);
  }
  return true;
}

function lower(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** A Chinese word anywhere; an English word (or phrase) as whole words. */
function has(text: string, word: string): boolean {
  if (!/[a-z]/.test(word)) return text.includes(word);
  // …in the plural too ("the status of my requests").
  return new RegExp(`(?<![a-z])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:e?s)?(?![a-z])`).test(text);
}
