/**
 * Every sentence a merchant reads, zh-CN first, English second. Code refers to keys, never to literals,
 * so a wording change is one edit here and both languages stay in step (a test checks that every key has
 * both).
 */
export { LOCALES, type Locale } from '../core/locale.js';
import type { Locale } from '../core/locale.js';

type Vars = Record<string, string | number>;
type Message = string | ((v: Vars) => string);

const zh = {
  greeting:
    '您好，我是 POS Assist，收单服务的智能助手。\n我可以：\n- 解答撤销、退货、结算相关的问题（并注明出处）\n- 说明终端报错代码的含义和处理办法\n- 告诉您办理时需要准备哪些材料\n请直接输入您的问题。为了您的资金安全，请不要发送完整卡号、密码、CVV 或有效期。',
  answerIntro: '',
  sourcesLabel: '来源',
  noAnswer:
    '抱歉，这个问题我在知识库里没有找到可靠的答案，不想给您错误的信息。\n您可以换个说法再问，或者问我下面这些问题；也可以转人工客服。',
  /** The same, where no topics follow (a question asked in the middle of a request). */
  noAnswerNoTopics: '抱歉，这个问题我在知识库里没有找到可靠的答案，不想给您错误的信息。您可以换个说法再问，也可以转人工客服。',
  /** A statement that asks nothing, the start of a story ("我们是开密室逃脱的"), with nothing in the guide about it. */
  storyListening: '好的，您接着说。需要撤销、退货或暂停结算的话，直接告诉我就行。',
  cardNumberWarning:
    '⚠️ 您的消息里有完整的银行卡号，我已自动隐去中间的数字。请不要发送完整卡号、密码、CVV 或有效期；办理时只需要凭证号、参考号、交易日期、金额和卡号后四位。',
  hello: '您好！请问有什么可以帮您？您可以直接输入问题，或点选下面的常见问题。',
  thanks: '不客气！还有其他问题随时问我。',
  acknowledged: '好的。还有其他问题随时问我。',
  listening: '您请说，我在听。',
  goodbye: '再见，祝您生意兴隆！有问题随时回来找我。',
  humanRequested:
    '已记录您的转人工请求。人工客服接入功能正在上线中，目前还不能在这里直接转接；您的问题已转给运营同事改进知识库。您也可以继续问我其他问题。',
  emptyMessage: '我没有收到文字内容。请直接输入您的问题，例如“已经结算的交易怎么退货”。',
  unsupportedAttachment: '我收到了您发送的文件，但目前在这里只能回答文字问题。请用文字描述您的问题。',
  internalError: '抱歉，系统出了点问题，您的消息已保存。请稍后再试，或转人工客服。',
  errTextTooLong: '消息太长了（最多 {max} 个字），请分几次发送。',
  errRateLimited: '发送太频繁了，请 {seconds} 秒后再试。',
  errTooManyFiles: '一次最多发送 {max} 个文件。',
  errFileTooLarge: '文件太大了（每个最多 {mb} MB）。',
  errUploadQuota: '这个对话里的文件已经够多了（合计最多 {mb} MB），无法再上传。如需补充材料，请联系人工客服。',
  errFileType: '只能发送图片（JPG、PNG、WebP、GIF）或 PDF 文件。',
  errNoSuchFile: '找不到文件：{name}。请检查路径后重新发送。',
  errNamedFileTooLarge: '{name} 太大了（每个文件最多 {size}），没有发送。请压缩或换一张照片。',
  errNamedFileType: '{name} 不是图片或 PDF 文件（按文件内容判断），没有发送。请发送 JPG、PNG、WebP、GIF 图片或 PDF。',
  errSessionExpired: '会话已过期，请刷新页面重新开始。',
  errForbidden: '无权访问这个会话。',
  errNotReady: '系统正在启动，请稍等几秒再试。',
  errStorageUnavailable: '系统暂时无法处理消息，这条消息没有发出，请稍后再发一次。',
  errOriginForbidden: '此网页未被允许使用在线客服。',
  errBadRequest: '请求格式不正确。',
  errNotFound: '找不到这个会话或文件。',
  topicRefund: '已结算的交易怎么退货',
  topicVoid: '当天的交易怎么撤销',
  topicSuspend: '怎么申请暂停结算',
  topicCodes: '终端撤销失败报错怎么办',
  topicMaterials: '需要准备哪些材料',
  actionHuman: '转人工客服',
  actionFullSection: '查看完整说明',
  fullSectionGone: '这段说明已不在知识库中，请重新提问。',
  actionFeedbackUp: '👍 有帮助',
  actionFeedbackDown: '👎 没帮助',
  feedbackThanks: '感谢您的反馈！还有其他问题随时问我。',
  feedbackSorry: '抱歉这个回答没能帮到您，我们会据此改进知识库。您可以换个说法再问一次，或者转人工客服。',
  /** Feedback given while a request is being filled in: noted, then the request's question again. */
  feedbackNoted: '已收到您的反馈，谢谢！',
  actionRephrase: '换个说法再问',
  rephraseAsk: '好的，请换个说法再问一次：比如是哪一步操作、终端上显示了什么，或者您想达到什么结果。',
  submitFailed: '抱歉，提交时出了问题，您填写的内容都已保存。请稍后回复“确认”再试一次，或转人工客服。',
  offerFlow: '需要的话，我可以现在就帮您办理「{title}」。',
  actionStartFlow: '办理：{title}',
  filesWithoutFlow: '收到 {count} 个文件，已为您保存。请问这是用于：',
  merchantIdAlone: '收到，商户编号 {id}。请问您要办理什么？',
  handoffCallbackChanged: '好的，回电号码已改为 {phone}，客服会打这个号码。',
  fileUnusable: '这个附件我无法读取，请以图片（JPG、PNG、WebP、GIF）或 PDF 文件发送。',
  slipCardCovered: '这张照片上印有完整的银行卡号，保存前已把卡号遮盖，完整卡号不会被保存。',
  slipCardRefused: '这张照片上印有完整的银行卡号，无法安全保存，已经删除。请遮住卡号后重新拍照发送。',
  actionStartCancel: '申请撤销/退货',
  actionStartSuspend: '申请暂停结算',
  actionCheckStatus: '查询申请状态',
  actionSupplement: '补充材料',
  humanRequestedInFlow: '您正在办理的申请已保存，稍后可以继续。',
  flowGoesOn: '您正在办理的申请继续：',
  flowParked: '好的，先补这张工单的材料。刚才的「{title}」已保留，补完接着办。',
  flowSetAside: '好的，先帮您查之前的申请。刚开始的新申请还没有填写内容，需要时再告诉我就行。',
  flowSwitched: '好的，「{title}」先不办了。',
  flowResumed: '好的，接着刚才的「{title}」办理，之前填写的内容都还在。',
  flowResume: '欢迎回来！您上次的「{title}」还没有填完，我们从上次停下的地方继续（说“取消”可以放弃）。',
  nothingToCancel: '现在没有正在办理的申请，不需要取消。还有其他问题可以直接问我。',
  ticketNoted: '已记下工单号 {ticket}。',
  merchantFromFilings: '按您在这里提交过的申请，查商户 {merchant} 的申请。',
  handoffQueued: '正在为您转接人工客服。您前面还有 {ahead} 位，预计等待约 {minutes} 分钟。客服接入后会在这里直接和您沟通；不需要了请回复“不用了”。',
  handoffStillWaiting: '您的消息已转给人工客服，接入后就能看到。您前面还有 {ahead} 位。',
  handoffCancelled: '好的，已取消转人工。还有问题可以随时问我。',
  actionCancelWait: '不用了',
  handoffClosed: '现在不是人工客服的工作时间（{hours}）。请简单说明您的问题，并留下回电号码，客服上班后会尽快联系您。请先说说是什么问题：',
  handoffNoAgent: '现在人工客服都不在线。请简单说明您的问题，并留下回电号码，客服会尽快联系您（工作时间：{hours}）。请先说说是什么问题：',
  handoffAskMessage: '请简单说明您的问题。',
  handoffAskPhone: '好的。请留下方便回电的手机号码。',
  handoffTicketTaken: '已为您登记，客服会在工作时间（{hours}）内回电 {phone}。您的留言已保存，不会丢失。',
  handoffMessageCancelled: '好的，不留言了。还有问题可以随时问我。',
  handoffFailed: '抱歉，现在无法转接人工客服。请稍后再试，或回复“转人工客服”留言。',
  handoffAccepted: '人工客服 {agent} 已接入，请直接和客服沟通。',
  handoffCompleted: '人工客服已结束本次服务，接下来由我继续为您服务。',
  handoffRateAsk: '请为刚才的人工服务打个分（1 到 5 分，5 分最满意）：',
  flowResumeAfterAgent: '您之前的「{title}」还没有填完，我们接着办：',
  groupPrivateOnly: '为保护商户信息，办理申请、查询或补充材料请私聊我（点我的头像发消息）。在群里我只回答一般问题。',
  verifyHint: '为保护商户信息，只有验证过的商户账号能查看和补充该商户的申请。请发送“绑定 + 8 位绑定码”（在商户服务平台获取，或联系客服下发短信）完成验证。',
  verifyHintOwn: '为保护商户信息，这里只列出您在本对话中提交的申请；要查看该商户的全部申请，请发送“绑定 + 8 位绑定码”（在商户服务平台获取，或联系客服下发短信）完成验证。',
  bindDone: '验证成功：此账号已绑定商户 {merchant}，现在可以查询和补充该商户的申请。',
  bindInvalid: '绑定码不正确或已失效（每个码只能用一次，10 分钟内有效）。请在商户服务平台重新获取。',
  bindLimited: '尝试次数过多，请 {minutes} 分钟后再试。',
  bindAsk: '请发送 8 位绑定码（在商户服务平台获取，或联系客服下发短信）。',
  verifyHintPhone: '也可以发送“短信验证 + 商户编号”，我们会把验证码发到该商户在收单机构预留的手机上。',
  phoneCheckNeedsMerchant: '请发送“短信验证 + 15 位商户编号”，例如：短信验证 898310048160001。验证码会发到该商户预留的手机上。',
  phoneCheckSent: '验证码已发送到商户预留手机 {phone}，请在 10 分钟内回复 8 位验证码。',
  phoneCheckSentUnnamed: '验证码已发送到商户预留的手机，请在 10 分钟内回复 8 位验证码。',
  phoneCheckNoPhone: '无法向该商户的预留手机发送验证码。请核对商户编号，或在商户服务平台获取绑定码后发送“绑定 + 绑定码”。',
  phoneCheckUnavailable: '验证短信暂时发不出去，请稍后再试，或在商户服务平台获取绑定码后发送“绑定 + 绑定码”。',
  flowRetired: '您之前填写到一半的申请已无法继续：这项业务的办理流程已经调整。已填写的内容没有提交。请重新告诉我您要办理什么，或说“人工”联系客服。',
  actionRetrySubmit: '确认',
  handoffRated: '谢谢您的评价！',
  handoffTimeout: '抱歉，暂时没有客服接入。已为您登记，客服会尽快联系您。请先简单说明您的问题：',
  handoffReason_human_request: '商户要求转人工',
  handoffReason_unanswered: '连续两个问题没有答案',
  handoffReason_slot_retry_limit: '某一项多次填写失败',
  handoffReason_missing_document: '缺少必需的材料（如签购单丢失）',
  handoffReason_business_rule: '业务规则需要人工处理',
  handoffReason_submission_failed: '提交申请失败',
  handoffReason_complaint: '投诉或强烈不满',
} satisfies Record<string, Message>;

export type MessageKey = keyof typeof zh;

const en: Record<MessageKey, Message> = {
  greeting:
    "Hello, I'm POS Assist, the acquiring service's assistant.\nI can:\n- answer questions about voids, refunds and settlement (with the source)\n- explain terminal error codes and what to do about them\n- tell you which documents to prepare\nJust type your question. For your safety, never send a full card number, PIN, CVV or expiry date.",
  answerIntro: 'Here is what our guide says:',
  sourcesLabel: 'Source',
  noAnswer:
    "Sorry, I couldn't find a reliable answer to that in our knowledge base, and I don't want to guess.\nYou can rephrase, pick one of the topics below, or ask for a human agent.",
  noAnswerNoTopics: "Sorry, I couldn't find a reliable answer to that in our knowledge base, and I don't want to guess. You can rephrase it, or ask for a human agent.",
  storyListening: "Go on, I'm listening. If a card payment needs cancelling or your payouts held, just tell me.",
  cardNumberWarning:
    "⚠️ Your message contained a full card number; I have hidden its middle digits. Please never send a full card number, PIN, CVV or expiry date — we only ever need the voucher number, reference number, date, amount and the card's last 4 digits.",
  hello: 'Hello! How can I help? Type your question or pick one of the common questions below.',
  thanks: "You're welcome! Ask me anything else any time.",
  acknowledged: 'OK. Ask me anything else any time.',
  listening: 'Sure, go ahead.',
  goodbye: 'Goodbye, and good business! Come back any time.',
  humanRequested:
    "I've recorded your request for a human agent. Live transfer is being rolled out and isn't available here yet; your question has been passed on so we can improve. Feel free to ask me anything else.",
  emptyMessage: 'I didn\'t receive any text. Please type your question, e.g. "How do I refund a settled transaction?"',
  unsupportedAttachment: 'I received your file, but here I can only answer text questions for now. Please describe your question in words.',
  internalError: 'Sorry, something went wrong on our side. Your message is saved; please try again shortly or ask for a human agent.',
  errTextTooLong: 'Your message is too long (at most {max} characters); please send it in parts.',
  errRateLimited: 'You are sending too fast; please try again in {seconds} s.',
  errTooManyFiles: 'At most {max} files per message.',
  errFileTooLarge: 'The file is too large (at most {mb} MB each).',
  errUploadQuota: 'This conversation already holds as many files as it may (at most {mb} MB in all). To add more materials, please ask for an agent.',
  errFileType: 'Only images (JPG, PNG, WebP, GIF) or PDF files can be sent.',
  errNoSuchFile: 'No such file: {name}. Please check the path and send it again.',
  errNamedFileTooLarge: '{name} is too large (at most {size} per file) and was not sent. Please compress it or take another photo.',
  errNamedFileType: '{name} is not an image or a PDF (judged by its content) and was not sent. Please send a JPG, PNG, WebP or GIF image or a PDF.',
  errSessionExpired: 'Your session has expired; please reload the page to start again.',
  errForbidden: 'You do not have access to this conversation.',
  errNotReady: 'The service is starting; please try again in a few seconds.',
  errStorageUnavailable: 'The service is briefly unable to take messages; this one was not sent, please send it again shortly.',
  errOriginForbidden: 'This page is not allowed to use the chat.',
  errBadRequest: 'The request is not in the expected format.',
  errNotFound: 'No such conversation or file.',
  topicRefund: 'How do I refund a settled transaction?',
  topicVoid: "How do I void today's transaction?",
  topicSuspend: 'How do I apply to suspend settlement?',
  topicCodes: 'My void failed with an error code',
  topicMaterials: 'Which documents do I need?',
  actionHuman: 'Talk to a human agent',
  actionFullSection: 'Show the full guide section',
  fullSectionGone: 'That part of the guide is no longer there; please ask again.',
  actionFeedbackUp: '👍 Helpful',
  actionFeedbackDown: '👎 Not helpful',
  feedbackThanks: 'Thanks for your feedback! Ask me anything else any time.',
  feedbackSorry: "Sorry this answer did not help; we will use it to improve the guide. You can ask again in other words, or talk to a human agent.",
  feedbackNoted: 'Thanks, your feedback is noted.',
  actionRephrase: 'Ask it another way',
  rephraseAsk: 'Sure — please ask again in other words: which step you are at, what the terminal shows, or what you want to achieve.',
  submitFailed: 'Sorry, the request could not be submitted just now. Everything you entered is saved: reply "confirm" to try again in a moment, or ask for a human agent.',
  offerFlow: 'If you like, I can file a "{title}" request for you now.',
  actionStartFlow: 'File: {title}',
  filesWithoutFlow: 'I received {count} file(s) and kept them. What are they for?',
  merchantIdAlone: 'Got it: merchant ID {id}. What would you like to do?',
  handoffCallbackChanged: 'OK, the call-back number is now {phone}: our agent will call that one.',
  fileUnusable: "I can't read this attachment; please send it as an image (JPG, PNG, WebP, GIF) or a PDF file.",
  slipCardCovered: 'The photo shows the full card number: I covered it before keeping the photo, so the full number is not kept.',
  slipCardRefused: 'The photo shows the full card number and could not be kept safely, so it was deleted. Please cover the card number and send it again.',
  actionStartCancel: 'Cancel a transaction',
  actionStartSuspend: 'Suspend settlement',
  actionCheckStatus: 'Check my request status',
  actionSupplement: 'Add documents to my request',
  humanRequestedInFlow: 'The request you were filling in is saved; you can continue it later.',
  flowGoesOn: 'Back to the request you were filling in:',
  flowParked: "Sure, the materials for that ticket first. Your \"{title}\" is kept; we'll carry on with it afterwards.",
  flowSetAside: "Sure, let's look up your earlier request first. Nothing was filled in for the new one yet; tell me when you want to file it.",
  flowSwitched: 'OK, the "{title}" request is dropped.',
  flowResumed: 'OK, let\'s carry on with the "{title}" request; everything you gave before is kept.',
  flowResume: 'Welcome back! Your "{title}" request is not finished yet; let\'s continue where we stopped (say "cancel" to drop it).',
  nothingToCancel: "There's no request in progress, so there is nothing to cancel. Ask me anything else.",
  ticketNoted: 'Noted the ticket {ticket}. ',
  merchantFromFilings: 'Looking up merchant {merchant}, whose requests you filed here.',
  handoffQueued: "I'm transferring you to a human agent. There are {ahead} people ahead of you; the wait is about {minutes} min. The agent will talk to you right here; reply \"never mind\" if you no longer need one.",
  handoffStillWaiting: 'Your message has been passed to the agent, who will see it on joining. {ahead} ahead of you.',
  handoffCancelled: 'OK, no transfer. Ask me anything any time.',
  actionCancelWait: 'Never mind',
  handoffClosed: "Our agents are not working right now ({hours}). Tell me briefly what it is about and leave a number; an agent will call you back when they are in. What is it about?",
  handoffNoAgent: 'No agent is online right now. Tell me briefly what it is about and leave a number; an agent will call you back soon (hours: {hours}). What is it about?',
  handoffAskMessage: 'Please tell me briefly what it is about.',
  handoffAskPhone: 'Thank you. Which mobile number should we call back?',
  handoffTicketTaken: "Noted: an agent will call {phone} back during working hours ({hours}). Your message is saved.",
  handoffMessageCancelled: 'OK, no message. Ask me anything any time.',
  handoffFailed: 'Sorry, I cannot transfer you right now. Please try again later, or say "human agent" to leave a message.',
  handoffAccepted: 'Agent {agent} has joined; you can talk to them directly here.',
  handoffCompleted: "The agent has finished; I'm back to help you.",
  handoffRateAsk: 'How was the agent? Rate 1 to 5 (5 is best):',
  flowResumeAfterAgent: 'Your "{title}" request is not finished yet; let\'s go on:',
  groupPrivateOnly: 'To protect merchants\' details, please message me privately to file a request, check one or add materials (tap my name). In a group I only answer general questions.',
  verifyHint: 'To protect merchants, only a verified account can see or add to a merchant\'s requests. Send "bind" and the 8-digit binding code (from the merchant portal, or texted by our support team) to verify.',
  verifyHintOwn: 'To protect merchants, only the requests you filed in this chat are listed here. To see all of this merchant\'s requests, send "bind" and the 8-digit binding code (from the merchant portal, or texted by our support team) to verify.',
  bindDone: 'Verified: this account is now bound to merchant {merchant} and can check and add to its requests.',
  bindInvalid: 'That binding code is wrong or no longer valid (each code works once, for 10 minutes). Please get a new one from the merchant portal.',
  bindLimited: 'Too many tries; please try again in {minutes} minutes.',
  bindAsk: 'Please send the 8-digit binding code (from the merchant portal, or texted by our support team).',
  verifyHintPhone: 'Or send "verify" and your merchant ID: we text a code to the phone the acquirer has on file for that merchant.',
  phoneCheckNeedsMerchant: 'Please send "verify" and the 15-digit merchant ID, e.g. verify 898310048160001. The code goes to the phone on file for that merchant.',
  phoneCheckSent: 'A code was texted to the phone on file, {phone}. Please send the 8 digits within 10 minutes.',
  phoneCheckSentUnnamed: 'A code was texted to the phone on file. Please send the 8 digits within 10 minutes.',
  phoneCheckNoPhone: 'We cannot text a code to a phone on file for that merchant. Please check the merchant ID, or get a binding code from the merchant portal and send "bind" and the code.',
  phoneCheckUnavailable: 'The verification text cannot be sent right now. Please try again later, or get a binding code from the merchant portal and send "bind" and the code.',
  flowRetired: 'The request you were filling in can no longer be continued: the way this service is handled has changed, and nothing you entered was submitted. Please tell me again what you need, or say "agent" to reach our support team.',
  actionRetrySubmit: 'confirm',
  handoffRated: 'Thank you for your rating!',
  handoffTimeout: "Sorry, no agent could take your conversation in time. It is on record and an agent will contact you. Tell me briefly what it is about:",
  handoffReason_human_request: 'the merchant asked for a person',
  handoffReason_unanswered: 'two questions in a row without an answer',
  handoffReason_slot_retry_limit: 'one detail failed several times',
  handoffReason_missing_document: 'a required document is missing (e.g. a lost slip)',
  handoffReason_business_rule: 'a business rule needs a person',
  handoffReason_submission_failed: 'submitting the request failed',
  handoffReason_complaint: 'a complaint or strong dissatisfaction',
};

const catalogue: Record<Locale, Record<MessageKey, Message>> = { 'zh-CN': zh, en };

/** Fills `{name}` placeholders; an unknown name stays visible rather than vanishing. */
export function fill(template: string, vars: Vars = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? `{${k}}`));
}

export function t(locale: Locale, key: MessageKey, vars: Vars = {}): string {
  const m = catalogue[locale][key] ?? catalogue['zh-CN'][key];
  return typeof m === 'function' ? m(vars) : fill(m, vars);
}

export function messageKeys(locale: Locale): MessageKey[] {
  return Object.keys(catalogue[locale]) as MessageKey[];
}

/**
 * The language of one message: English when it is mostly Latin letters and has no Chinese, Chinese when it
 * has Chinese characters, otherwise (digits, emoji, "ok", a code such as the terminal ID "AB12CD34")
 * undecided — the caller keeps the conversation's.
 */
export function detectLocale(text: string): Locale | undefined {
  // Letters inside a code (the terminal ID "AB12CD34", "1280yuan") are no words of any language.
  const words = text.replace(/[A-Za-z0-9]*[0-9][A-Za-z0-9]*/g, ' ');
  const cjk = (text.match(/[\u3400-\u9fff]/g) ?? []).length;
  const latin = (words.match(/[A-Za-z]/g) ?? []).length;
  if (cjk > 0) {
    // "pos refund 怎么弄" is a Chinese speaker using English terms.
    return latin > cjk * 4 && cjk <= 2 ? 'en' : 'zh-CN';
  }
  const latinWords = words.match(/[A-Za-z]{2,}/g) ?? [];
  if (latinWords.length >= 2 || (latinWords.length === 1 && latinWords[0]!.length >= 4 && !/^(pos|ok|okay)$/i.test(latinWords[0]!))) {
    return 'en';
  }
  return undefined;
}
