/** What the engine says around a flow's own prompts, zh-CN first, en second. */
import { fill, type Locale } from '../i18n/messages.js';

const zh = {
  flowStart: '好的，我来帮您办理「{title}」。需要几项信息，随时可以说“取消”。',
  flowNoted: '\n已记下：{values}。如有不对，直接告诉我正确的即可。',
  flowContinue: '好的，我们继续。',
  flowCancelConfirm: '确定要取消这次申请吗？已填写的内容不会提交。',
  flowCancelled: '已取消，这次填写的内容没有提交。还有其他问题可以随时问我。',
  flowRetryLimit: '这一项好像不太顺利。需要的话我可以为您转人工客服，或者您再试一次。',
  flowTryAgainSuffix: '',
  flowRuleHandoff: '这种情况需要人工客服处理。',
  flowFileNotExpected: '我收到了文件，但现在不需要文件。',
  flowNeedFiles: '这一步需要您发送照片或 PDF 文件。',
  flowFileType: '只能接收图片（JPG、PNG、WebP、GIF）或 PDF 文件，请重新发送。',
  flowTooManyFiles: '最多可以发送 {max} 个文件，这次发送的文件没有收下，请减少后重新发送。',
  flowTooManyFilesKept: '最多可以发送 {max} 个文件，这次发送的文件没有收下；之前收到的 {count} 个文件仍然保留。',
  flowFilesDisplay: '{count} 个文件',
  flowWhatToChange: '请告诉我哪一项需要修改，例如：“金额是1208元”。',
  flowConfirmHint: '请回复“确认”提交，或直接告诉我要修改的内容。',
  flowKeptValue: '已保留原来的值：{value}。',
  flowUnchanged: '{values}和已填写的一致，没有改动。',
  flowChanged: '好的，已更正为 {values}。',
  flowNotGiven: '未提供',
  flowCannotSkip: '这一项是必填的，不能跳过。',
  flowNotBefore: '{label}不能早于{other}（{date}）：您输入的是{value}。',
  flowNotPast: '{label}不能早于今天（{today}）：您输入的是{value}。',
  flowThisDate: '这个日期',
  flowOtherDate: '前面填写的日期',
  actionYesCancel: '是，取消',
  actionNoContinue: '否，继续',
  actionConfirm: '确认提交',
  actionCancel: '取消',
  actionSkip: '跳过',
  actionHuman: '转人工客服',
  actionTryAgain: '再试一次',
} as const;

type Key = keyof typeof zh;

const en: Record<Key, string> = {
  flowStart: 'Sure, I can help with this: "{title}". I need a few details; say "cancel" at any time.',
  flowNoted: '\nNoted: {values}. If anything is wrong, just tell me the right value.',
  flowContinue: "OK, let's go on.",
  flowCancelConfirm: 'Cancel this request? Nothing you entered will be submitted.',
  flowCancelled: 'Cancelled; nothing was submitted. Ask me anything else any time.',
  flowRetryLimit: "This one isn't working out. I can transfer you to a human agent, or you can try again.",
  flowTryAgainSuffix: '',
  flowRuleHandoff: 'This case needs a human agent.',
  flowFileNotExpected: "I received your file, but I don't need a file right now.",
  flowNeedFiles: 'This step needs a photo or a PDF file.',
  flowFileType: 'Only images (JPG, PNG, WebP, GIF) or PDF files are accepted; please send it again.',
  flowTooManyFiles: 'At most {max} files; the files you just sent were not added. Please send fewer.',
  flowTooManyFilesKept: 'At most {max} files; the files you just sent were not added. The {count} received before are kept.',
  flowFilesDisplay: '{count} file(s)',
  flowWhatToChange: 'Tell me what to change, e.g. "the amount is 1208".',
  flowConfirmHint: 'Reply "confirm" to submit, or tell me what to change.',
  flowKeptValue: ' I kept the earlier value: {value}.',
  flowUnchanged: '{values} is what I have already; nothing changed.',
  flowChanged: 'OK, changed to {values}.',
  flowNotGiven: 'not given',
  flowCannotSkip: 'This one is required and cannot be skipped.',
  flowNotBefore: '{label} cannot be earlier than {other} ({date}): you entered {value}.',
  flowNotPast: '{label} cannot be earlier than today ({today}): you entered {value}.',
  flowThisDate: 'this date',
  flowOtherDate: 'the date given before',
  actionYesCancel: 'Yes, cancel',
  actionNoContinue: 'No, continue',
  actionConfirm: 'Confirm',
  actionCancel: 'Cancel',
  actionSkip: 'Skip',
  actionHuman: 'Talk to a human agent',
  actionTryAgain: 'Try again',
};

export type FlowMessageKey = Key;

export function flowText(locale: Locale, key: Key, vars: Record<string, string | number> = {}): string {
  return fill(locale === 'en' ? en[key] : zh[key], vars);
}
