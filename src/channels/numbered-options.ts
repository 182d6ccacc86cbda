/**
 * Choices on channels without buttons (WeChat, the Official Account, WeCom 微信客服): the bot writes its
 * options as numbered lines ("1. …", "2. …") and a merchant answering "1", "２" or "1." means that option
 * of the bot's last message in the conversation.
 */

/** The numbered options at the end of a message ("1. …" lines, numbered from 1 without gaps). */
const OPTION_LINE = /^\s*(\d{1,2})[.、．)]\s*(.+?)\s*$/;
/** A reply that picks an option: "1", "２", "1." … */
const PICK = /^\s*([0-9０-９]{1,2})\s*[.。．、]?\s*$/;

/** The numbered options ("1. …" lines) at the end of a text, in order; empty when there are none. */
export function numberedOptions(text: string): string[] {
  const lines = text.split('\n');
  const options: string[] = [];
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = OPTION_LINE.exec(lines[i]!);
    if (!m) break;
    options.unshift(m[2]!);
    if (Number(m[1]) === 1) break;
  }
  // Only a complete list 1…n counts (a sentence that happens to start with "3." does not).
  const numbers = lines.slice(lines.length - options.length).map((l) => Number(OPTION_LINE.exec(l)![1]));
  return options.length && numbers.every((n, i) => n === i + 1) ? options : [];
}

/** The option number a reply picks ("1", "２", "1."), or undefined when it is no pick. */
export function pickedNumber(text: string): number | undefined {
  const pick = PICK.exec(text);
  return pick ? Number(pick[1]!.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))) : undefined;
}

/** A text with the suggested actions' titles appended as numbered lines. */
export function withNumberedOptions(text: string, actions: readonly string[]): string {
  return actions.length ? [text, ...actions.map((a, i) => `${i + 1}. ${a}`)].filter(Boolean).join('\n') : text;
}
