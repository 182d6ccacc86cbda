/**
 * Untrusted text (the merchant's messages, knowledge passages) goes into prompts as data. It cannot
 * close the block it sits in or pose as another chat role: tags that look like our delimiters and
 * role headers are defused, and control characters dropped. This does not make injection impossible —
 * the output checks in each caller are the real guard — but it removes the cheap tricks.
 */
const DELIMITER = /<\/?\s*(passages|previous_question|message|merchant|system|assistant|user|instructions|data)\b[^>]*>/gi;
const ROLE_HEADER = /^(\s*)(system|assistant|developer)\s*[:：]/gim;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g;

export function untrusted(text: string): string {
  return text.replace(CONTROL, '').replace(DELIMITER, (m) => m.replace(/</g, '‹').replace(/>/g, '›')).replace(ROLE_HEADER, '$1$2 (quoted):');
}
