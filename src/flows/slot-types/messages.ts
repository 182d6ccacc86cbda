/**
 * Every sentence a slot type says to a merchant, zh-CN first, English second (the same habit as
 * src/i18n/messages.ts: code refers to keys, a wording change is one edit here, and a test checks that
 * both languages have every key). Messages name the problem and, where it helps, what was typed — never
 * card digits.
 */
import type { Invalid } from './types.js';

export type Vars = Record<string, string | number>;
type Template = (v: Vars) => string;

const zh = {
  // Slip identifiers: name (参考号), spec (12位数字), count.
  'code.length': (v) => `${v.name}应为${v.spec}，您输入了${v.count}位。`,
  'code.format': (v) => `${v.name}应为${v.spec}，不能包含字母或其他符号。`,
  'code.missing': (v) => `没有找到${v.name}，请发送${v.spec}的${v.name}。`,
  'code.multiple': (v) => `您发送了不止一个号码，请只发送${v.name}（${v.spec}）。`,
  'code.card_number': (v) => `这个号码看起来像银行卡号，已隐去中间的数字。请不要发送卡号；${v.name}应为${v.spec}。`,
  'card_last4.length': (v) => `请只发送卡号的后4位数字，您输入了${v.count}位。`,
  'card_last4.full_card_number': () => '请不要发送完整的银行卡号。为保护持卡人信息，只需发送卡号的后4位。',

  'date.unrecognized': () => '没有识别出日期。请按“11月20日”“2026-11-20”的格式输入，也可以说“昨天”“上周五”。',
  'date.invalid': (v) => `没有这一天：${v.date}。请检查后重新输入。`,
  'date.future': (v) => `日期不能晚于今天：您输入的是${v.date}，今天是${v.today}。`,
  'date.too_old': (v) => `日期不能早于${v.days}天前（${v.earliest}）：您输入的是${v.date}。`,
  'date.multiple': (v) => `您发送了不止一个日期（${v.dates}），请只发送一个。`,

  'amount.unrecognized': () => '没有识别出金额。请输入数字金额，例如“1280”或“1280.50元”。',
  'amount.zero': () => '金额必须大于0。',
  'amount.negative': () => '金额不能是负数。',
  'amount.decimals': (v) => `金额最多两位小数（精确到分），您输入了${v.count}位小数。`,
  'amount.too_large': (v) => `金额不能超过${v.max}，您输入的是${v.amount}。`,
  'amount.multiple': (v) => `您发送了不止一个金额（${v.amounts}），请只发送一个。`,

  'phone.length': (v) => `手机号应为11位数字，您输入了${v.count}位。`,
  'phone.format': () => '请提供中国大陆手机号：以1开头的11位数字（第二位是3到9），例如138 0013 8000。',
  'phone.landline': () => '这看起来是固定电话号码。请留一个手机号：以1开头的11位数字，例如138 0013 8000。',
  'phone.missing': () => '没有找到手机号，请发送11位手机号码。',
  'phone.multiple': () => '您发送了不止一个手机号，请只发送一个。',

  'enum.no_options': () => '这一项暂时没有可选的选项，请联系人工客服。',
  'enum.no_match': (v) => `没有对应的选项。请回复编号或选项名称：${v.options}。`,
  'enum.ambiguous': (v) => `您的回答可能对应多个选项：${v.options}。请回复其中一个的编号或名称。`,
  'enum.out_of_range': (v) => `请回复1到${v.count}之间的编号：${v.options}。`,

  'text.too_short': (v) => `内容太短，请至少写${v.min}个字。`,
  'ticket.missing': () => '没有找到工单号。工单号在提交申请时的回复和通知里，例如 CX-20261125-0007。',
  'ticket.multiple': (v) => `您发送了不止一个工单号（${v.tickets}），请只发送一个。`,
  'text.too_long': (v) => `内容太长：最多${v.max}个字，您写了${v.count}个字。请精简后再发送。`,

  'attachments.not_text': () => '请直接在对话中发送照片（JPG、PNG）或PDF文件，例如签购单的照片。',
} satisfies Record<string, Template>;

export type MessageKey = keyof typeof zh;

const en: Record<MessageKey, Template> = {
  'code.length': (v) => `The ${v.nameEn} has ${v.specEn}; you entered ${v.count}.`,
  'code.format': (v) => `The ${v.nameEn} has ${v.specEn}, without letters or other characters.`,
  'code.missing': (v) => `I couldn't find the ${v.nameEn}; please send its ${v.specEn}.`,
  'code.multiple': (v) => `Your message has more than one number; please send only the ${v.nameEn} (${v.specEn}).`,
  'code.card_number': (v) =>
    `That looks like a card number, so its middle digits were hidden. Please don't send card numbers; the ${v.nameEn} has ${v.specEn}.`,
  'card_last4.length': (v) => `Please send only the last 4 digits of the card; you entered ${v.count}.`,
  'card_last4.full_card_number': () =>
    "Please don't send full card numbers. To protect the cardholder, send only the last 4 digits of the card.",

  'date.unrecognized': () => `I couldn't read a date. Please write it like "Nov 20", "2026-11-20" or "yesterday".`,
  'date.invalid': (v) => `There is no such day: ${v.dateEn}. Please check the date.`,
  'date.future': (v) => `The date cannot be later than today: you entered ${v.dateEn} and today is ${v.todayEn}.`,
  'date.too_old': (v) => `The date cannot be more than ${v.days} days ago (before ${v.earliestEn}): you entered ${v.dateEn}.`,
  'date.multiple': (v) => `Your message has more than one date (${v.datesEn}); please send only one.`,

  'amount.unrecognized': () => `I couldn't read an amount. Please write a number such as "1280" or "1280.50".`,
  'amount.zero': () => 'The amount must be greater than 0.',
  'amount.negative': () => 'The amount cannot be negative.',
  'amount.decimals': (v) => `The amount can have at most 2 decimal places (fen); you entered ${v.count}.`,
  'amount.too_large': (v) => `The amount cannot exceed ${v.max}; you entered ${v.amount}.`,
  'amount.multiple': (v) => `Your message has more than one amount (${v.amountsEn}); please send only one.`,

  'phone.length': (v) => `A mobile number has 11 digits; you entered ${v.count}.`,
  'phone.format': () =>
    'Please give a mainland China mobile number: 11 digits starting with 1 (then 3 to 9), e.g. 138 0013 8000.',
  'phone.landline': () => 'That looks like a landline number. Please give a mobile number: 11 digits starting with 1, e.g. 138 0013 8000.',
  'phone.missing': () => "I couldn't find a mobile number; please send the 11 digits.",
  'phone.multiple': () => 'Your message has more than one mobile number; please send only one.',

  'enum.no_options': () => 'There are no options to choose from here yet; please ask for an agent.',
  'enum.no_match': (v) => `That doesn't match an option. Reply with a number or a name: ${v.optionsEn}.`,
  'enum.ambiguous': (v) => `Your answer could mean more than one option: ${v.optionsEn}. Reply with the number or name of one.`,
  'enum.out_of_range': (v) => `Please reply with a number from 1 to ${v.count}: ${v.optionsEn}.`,

  'text.too_short': (v) => `Too short: please write at least ${v.min} characters.`,
  'ticket.missing': () => 'I could not find a ticket number. It is in the reply you got when you filed the request and in its notices, e.g. CX-20261125-0007.',
  'ticket.multiple': (v) => `That is more than one ticket number (${v.tickets}); please send just one.`,
  'text.too_long': (v) => `Too long: at most ${v.max} characters, and you wrote ${v.count}. Please shorten it.`,

  'attachments.not_text': () => 'Please send a photo (JPG, PNG) or a PDF file in the chat, for example a photo of the sales slip.',
};

export function messageKeys(): { zh: string[]; en: string[] } {
  return { zh: Object.keys(zh), en: Object.keys(en) };
}

/** A refusal: `reason` is the stable code the engine sees; `key` picks the wording (defaults to `reason`). */
export function invalid(reason: string, vars: Vars = {}, key: MessageKey = reason as MessageKey): Invalid {
  return { ok: false, reason, message: { 'zh-CN': zh[key](vars), en: en[key](vars) } };
}
