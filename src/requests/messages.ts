/**
 * What the merchant reads about their request, zh-CN and en: the confirmation with the ticket, the
 * "you already have one" answer, and one message per status change, each with the next step.
 * `statusNotice` also returns suggested actions (buttons where the channel has them; the words work typed
 * too), worded as the flows' intent examples so they start the right flow: "补充材料" the supplement flow,
 * "查询申请状态" the status flow, "转人工客服" a person.
 *
 * The refund times are the knowledge base's (knowledge/void-vs-refund.md): refunds 3–5 working days,
 * manual refunds 10–14, the issuing bank decides.
 */
import type { Locale } from '../i18n/messages.js';
import type { RequestKind, RequestStatus } from './status.js';
import { DEFAULT_TIME_ZONE, formatMinute } from '../core/time-zone.js';

type Vars = { ticket: string; kind: string; reason: string; status: string };
type Text = string | ((v: Vars) => string);

const zh = {
  kind_cancel: '撤销/退货申请',
  kind_suspend: '暂停结算申请',
  status_submitted: '已提交',
  status_in_review: '审核中',
  status_needs_more_info: '待补充材料',
  status_approved: '已通过',
  status_rejected: '未通过',
  status_closed: '已关闭',
  created: (v: Vars) =>
    `已为您提交${v.kind}，工单号 ${v.ticket}。\n审核有结果时会在这里通知您；您也可以随时输入“查询申请状态”查看。请保留好签购单等原件。`,
  createdSuspend: (v: Vars) =>
    `已为您提交${v.kind}，工单号 ${v.ticket}。\n审核有结果时会在这里通知您；您也可以随时输入“查询申请状态”查看。审核期间结算照常进行，以审核通过后的通知为准。`,
  duplicate: (v: Vars) =>
    `这笔业务已经有一个正在办理的${v.kind}，工单号 ${v.ticket}（${v.status}），无需重复提交。\n输入“查询申请状态”可以查看进度；需要补充材料时会在这里通知您。`,
  supplementReceived: (v: Vars) => `已收到您为工单 ${v.ticket} 补充的材料，申请已重新进入审核。审核有结果时会在这里通知您。`,
  in_review: (v: Vars) => `您的${v.kind}（工单号 ${v.ticket}）已进入审核，有结果时会在这里通知您。`,
  needs_more_info: (v: Vars) =>
    `您的${v.kind}（工单号 ${v.ticket}）需要补充材料。\n审核意见：${v.reason}\n请直接在这里回复，发送照片或 PDF 文件；也可以输入“补充材料”，按提示提交。补齐后我们会继续审核。`,
  approved_cancel: (v: Vars) =>
    `您的撤销/退货申请（工单号 ${v.ticket}）已审核通过。\n收单机构会处理这笔退款，钱原路退回持卡人刷卡的银行卡：退货一般 3 到 5 个工作日到账，手工退货一般 10 到 14 个工作日，以发卡银行为准。请告知持卡人，并保留好签购单和工单号备查。`,
  approved_suspend: (v: Vars) =>
    `您的暂停结算申请（工单号 ${v.ticket}）已审核通过，服务商会按您申请的日期暂停结算。\n暂停期间请留意对账；需要恢复结算时，可以在这里或通过服务商客服申请恢复。`,
  rejected: (v: Vars) =>
    `很抱歉，您的${v.kind}（工单号 ${v.ticket}）未通过审核。\n原因：${v.reason}\n如有疑问，可以输入“转人工客服”，由人工客服为您说明；也可以按原因修改后重新提交申请。`,
  closed: (v: Vars) => `您的${v.kind}（工单号 ${v.ticket}）已办结关闭。如需再次办理，可以随时重新提交申请。`,
  submitted: (v: Vars) => `您的${v.kind}（工单号 ${v.ticket}）已提交，等待审核。`,
  actionSupplement: '补充材料',
  actionHuman: '转人工客服',
  actionStatus: '查询申请状态',
  notFound: (v: Vars) => `没有找到您名下的工单 ${v.ticket}。请核对工单号（例如 CX-20261125-0007）和商户编号。`,
  noRequests: '您的商户编号下还没有申请记录。',
  listHeader: '您最近的申请：',
  statusHeader: (v: Vars) => `工单 ${v.ticket}（${v.kind}）当前状态：${v.status}。`,
  historyHeader: '办理记录：',
  notExpected: (v: Vars) => `工单 ${v.ticket} 目前是“${v.status}”，不需要补充材料。需要补充材料时我们会通知您。`,
  waitingTicket: (v: Vars) => `您的工单 ${v.ticket} 正在等待补充材料${v.reason ? `（审核留言：${v.reason}）` : ''}，材料会补充到这个工单。`,
} satisfies Record<string, Text>;

type Key = keyof typeof zh;

const en: Record<Key, Text> = {
  kind_cancel: 'cancellation request',
  kind_suspend: 'settlement suspension request',
  status_submitted: 'submitted',
  status_in_review: 'in review',
  status_needs_more_info: 'waiting for more information',
  status_approved: 'approved',
  status_rejected: 'not approved',
  status_closed: 'closed',
  created: (v) =>
    `Your ${v.kind} has been filed. Ticket number: ${v.ticket}.\nYou'll be told here when it is decided; type "check my request status" any time to see where it stands. Please keep the original slips.`,
  createdSuspend: (v) =>
    `Your ${v.kind} has been filed. Ticket number: ${v.ticket}.\nYou'll be told here when it is decided; type "check my request status" any time to see where it stands. Settlement continues as usual until you are told the request was approved.`,
  duplicate: (v) =>
    `There is already an open ${v.kind} for this, ticket ${v.ticket} (${v.status}), so there is no need to file it again.\nType "check my request status" to follow it; if more information is needed you'll be told here.`,
  supplementReceived: (v) => `Thank you: the materials for ticket ${v.ticket} have been received and the request is back in review. You'll be told here when it is decided.`,
  in_review: (v) => `Your ${v.kind} (ticket ${v.ticket}) is now being reviewed. You'll be told here when it is decided.`,
  needs_more_info: (v) =>
    `Your ${v.kind} (ticket ${v.ticket}) needs more information.\nThe reviewer says: ${v.reason}\nReply here with photos or PDF files, or type "add documents to my request" and follow the prompts. The review continues once everything is in.`,
  approved_cancel: (v) =>
    `Your cancellation request (ticket ${v.ticket}) has been approved.\nThe acquirer will process the refund to the card the customer paid with: refunds usually arrive in 3–5 working days, manual refunds in 10–14 working days, depending on the issuing bank. Please let the cardholder know, and keep the slip and the ticket number.`,
  approved_suspend: (v) =>
    `Your settlement suspension request (ticket ${v.ticket}) has been approved: settlement will be suspended from the date you asked for.\nKeep an eye on your reconciliation meanwhile; to resume settlement, ask here or through the provider's customer service.`,
  rejected: (v) =>
    `Sorry, your ${v.kind} (ticket ${v.ticket}) was not approved.\nReason: ${v.reason}\nIf anything is unclear, type "human agent" and a person will explain; you can also file a corrected request.`,
  closed: (v) => `Your ${v.kind} (ticket ${v.ticket}) is closed. You can file a new request any time.`,
  submitted: (v) => `Your ${v.kind} (ticket ${v.ticket}) has been filed and is waiting for review.`,
  actionSupplement: 'Add documents to my request',
  actionHuman: 'Human agent',
  actionStatus: 'Check my request status',
  notFound: (v) => `I found no ticket ${v.ticket} under your merchant ID. Please check the ticket number (e.g. CX-20261125-0007) and the merchant ID.`,
  noRequests: 'There are no requests under your merchant ID yet.',
  listHeader: 'Your recent requests:',
  statusHeader: (v) => `Ticket ${v.ticket} (${v.kind}) is ${v.status}.`,
  historyHeader: 'History:',
  notExpected: (v) => `Ticket ${v.ticket} is "${v.status}" and does not need more materials. You'll be told here if it does.`,
  waitingTicket: (v) => `Your ticket ${v.ticket} is waiting for materials${v.reason ? ` (the review asked: ${v.reason})` : ''}; they will be added to it.`,
};

const TEXTS: Record<Locale, Record<Key, Text>> = { 'zh-CN': zh, en };

function render(locale: Locale, key: Key, vars: Partial<Vars> = {}): string {
  const text = TEXTS[locale][key];
  if (typeof text === 'string') return text;
  return text({ ticket: '', kind: '', reason: '', status: '', ...vars });
}

/** Every key in both languages (for the test that keeps them in step). */
export function requestMessageKeys(): { zh: string[]; en: string[] } {
  return { zh: Object.keys(zh), en: Object.keys(en) };
}

export function kindLabel(locale: Locale, kind: RequestKind): string {
  return render(locale, kind === 'cancel-transaction' ? 'kind_cancel' : 'kind_suspend');
}

export function statusLabel(locale: Locale, status: RequestStatus): string {
  return render(locale, `status_${status}` as Key);
}

export interface RequestNotice {
  text: string;
  /** Suggested replies (buttons where the channel has them). */
  suggestedActions: string[];
}

/** The confirmation after filing: the ticket number and what happens next. */
export function requestCreatedText(locale: Locale, request: { ticket: string; kind: RequestKind }): string {
  return render(locale, request.kind === 'cancel-transaction' ? 'created' : 'createdSuspend', { ticket: request.ticket, kind: kindLabel(locale, request.kind) });
}

/** A second attempt at an open request: its ticket and status. */
export function duplicateRequestText(locale: Locale, existing: { ticket: string; kind: RequestKind; status: RequestStatus }): string {
  return render(locale, 'duplicate', {
    ticket: existing.ticket,
    kind: kindLabel(locale, existing.kind),
    status: statusLabel(locale, existing.status),
  });
}

export function supplementReceivedText(locale: Locale, request: { ticket: string }): string {
  return render(locale, 'supplementReceived', { ticket: request.ticket });
}

/**
 * The message the merchant gets when their request moves to `to` (the back office's or an agent's
 * decision), with the next step. `reason` is the one given with the change (needs_more_info, rejected).
 */
export function statusNotice(
  locale: Locale,
  request: { ticket: string; kind: RequestKind },
  change: { to: RequestStatus; reason?: string | null },
): RequestNotice {
  const vars = { ticket: request.ticket, kind: kindLabel(locale, request.kind), reason: change.reason?.trim() || '—' };
  switch (change.to) {
    case 'needs_more_info':
      return { text: render(locale, 'needs_more_info', vars), suggestedActions: [render(locale, 'actionSupplement'), render(locale, 'actionHuman')] };
    case 'approved':
      return {
        text: render(locale, request.kind === 'cancel-transaction' ? 'approved_cancel' : 'approved_suspend', vars),
        suggestedActions: [render(locale, 'actionStatus')],
      };
    case 'rejected':
      return { text: render(locale, 'rejected', vars), suggestedActions: [render(locale, 'actionHuman')] };
    case 'in_review':
      return { text: render(locale, 'in_review', vars), suggestedActions: [render(locale, 'actionStatus')] };
    case 'closed':
      return { text: render(locale, 'closed', vars), suggestedActions: [] };
    case 'submitted':
      return { text: render(locale, 'submitted', vars), suggestedActions: [render(locale, 'actionStatus')] };
  }
}

/** "CX-… was not found": the same words for a ticket of another merchant and one that does not exist. */
export function ticketNotFoundText(locale: Locale, ticket: string): string {
  return render(locale, 'notFound', { ticket: ticket.trim().slice(0, 40) });
}

export function supplementNotExpectedText(locale: Locale, request: { ticket: string; status: RequestStatus }): string {
  return render(locale, 'notExpected', { ticket: request.ticket, status: statusLabel(locale, request.status) });
}

/** The one request waiting for materials, chosen without asking for its ticket, with what the review asked for. */
export function waitingTicketText(locale: Locale, ticket: string, note?: string | null): string {
  return render(locale, 'waitingTicket', { ticket, reason: note ?? '' });
}

/** One request's status and its history (who decided is not shown: the merchant sees what and why). */
export function requestStatusText(
  locale: Locale,
  request: { ticket: string; kind: RequestKind; status: RequestStatus },
  history: { to: RequestStatus; reason: string | null; createdAt: Date }[],
  timeZone: string = DEFAULT_TIME_ZONE,
): string {
  const head = render(locale, 'statusHeader', { ticket: request.ticket, kind: kindLabel(locale, request.kind), status: statusLabel(locale, request.status) });
  const sep = locale === 'en' ? ': ' : '：';
  const lines = history.map((e) => `- ${formatMinute(e.createdAt, timeZone)} ${statusLabel(locale, e.to)}${e.reason ? `${sep}${e.reason}` : ''}`);
  return [head, render(locale, 'historyHeader'), ...lines].join('\n');
}

/**
 * The merchant's recent requests, newest first. `note`: what the review said with the status (what is
 * missing, why it was rejected), shown beside it so that the list alone says what to do next.
 */
export function requestListText(
  locale: Locale,
  requests: { ticket: string; kind: RequestKind; status: RequestStatus; createdAt: Date; note?: string | null }[],
  timeZone: string = DEFAULT_TIME_ZONE,
): string {
  if (requests.length === 0) return render(locale, 'noRequests');
  const sep = locale === 'en' ? ': ' : '：';
  const lines = requests.map((r) => `- ${r.ticket} ${kindLabel(locale, r.kind)} · ${statusLabel(locale, r.status)}${r.note ? `${sep}${r.note}` : ''} · ${formatMinute(r.createdAt, timeZone)}`);
  return [render(locale, 'listHeader'), ...lines].join('\n');
}
