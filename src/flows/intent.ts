/**
 * Which flow, if any, a message asks to start. A flow starts on a request ("我想撤销一笔交易", "帮我申请
 * 退货"), not on a question about the topic ("已经结算了还能撤销吗" is for the knowledge base): the
 * message must resemble the flow's intent examples, and a question without a request word stays a
 * question.
 */
import { tokenize } from '../knowledge/text.js';
import type { Flow } from './flow-schema.js';

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
/** Words about a request's state (the status flow needs one). */
const STATUS_WORDS = /查|进度|状态|审核|到哪|哪一步|工单|结果|通过了|批了|\b(status|progress|ticket|where is|check)\b/i;
/** Words of the process itself: with a question ("怎么申请…"), we answer and offer to do it. */
const PROCESS = /申请|提交|办理|要求|查询|\b(file|submit|apply)\b/i;
const QUESTION = /[?？]|吗|呢|怎么|如何|什么|为什么|为啥|啥|咋|多久|几天|哪些|哪一步|能不能|可不可以|是不是|要不要|会不会|有没有|行不行|区别|[^一-龥]?不$|没$|\b(how|what|why|when|which|can i|should i|is it|do i|does)\b/i;

/** Whether the message reads as a question (for the guide) rather than a statement or a request. */
export function isQuestion(text: string): boolean {
  return QUESTION.test(text);
}

/**
 * Loose signs of a wish to act ("…给他退了吧", "payouts should stop"): where no flow's examples match such
 * a statement, a language model (when configured) is asked which flow, if any, it means.
 */
const ACTION_HINT = /想|要|帮|请|申请|办|取消|撤|退|暂停|停|冻结|查|补|进度|不要了|\b(want|need|please|cancel|refund|void|suspend|hold|stop|status|check|add)\b/i;

export function soundsLikeRequest(text: string): boolean {
  return ACTION_HINT.test(text) && !QUESTION.test(text);
}

export interface IntentMatch {
  flowId: string;
  score: number;
  /** start: the merchant asked for it; offer: a question about it — answer, then offer to start. */
  mode: 'start' | 'offer';
}

export class IntentDetector {
  private readonly examples: { flowId: string; tokens: Set<string> }[] = [];

  constructor(flows: Iterable<Flow>, private readonly threshold = 0.3) {
    for (const flow of flows) {
      for (const example of [...flow.intents['zh-CN'], ...flow.intents.en]) {
        this.examples.push({ flowId: flow.id, tokens: new Set(tokenize(example)) });
      }
    }
  }

  /** The best matching flow when the message is a request for it; undefined for questions and chat. */
  detect(text: string): IntentMatch | undefined {
    const tokens = new Set(tokenize(text));
    if (tokens.size === 0) return undefined;
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
    if (best.flowId === 'request-status' && best.score >= 0.5 && (OWN.test(text) || TICKET.test(text))) return { ...match, mode: 'start' };
    // "我想撤销一笔交易", "昨天刷了1280元，凭证号000123，想撤销": the merchant asks us to do it.
    if (FIRST_PERSON.test(text) && best.score >= 0.5) return { ...match, mode: question && /吗[?？]?$/.test(text) ? 'offer' : 'start' };
    if (!question && BARE_WISH.test(text) && !THIRD_PARTY.test(text)) return { ...match, mode: 'start' };
    // "补充材料", "暂停结算申请": the message is the request.
    if (!question && best.dice >= 0.7) return { ...match, mode: 'start' };
    // "怎么申请暂停结算": a question about the process — answer it, and offer to do it.
    if (question && PROCESS.test(text) && best.score >= 0.6) return { ...match, mode: 'offer' };
    return undefined;
  }
}
