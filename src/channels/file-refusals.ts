/**
 * Why a channel did not take a file a merchant sent (too large, wrong type, download failed, a voice
 * message): the same words on every channel, zh-CN and en. Nothing a merchant sends is dropped silently.
 */
import type { Locale } from '../core/locale.js';
import { megabytes } from '../core/sizes.js';

export type FileRefusal =
  | { reason: 'too_large'; name: string; size: number; maxBytes: number }
  | { reason: 'type'; name: string; type: string }
  | { reason: 'download_failed'; name: string }
  | { reason: 'unsupported_message'; kind: string };

export function refusalText(locale: Locale, refusal: FileRefusal): string {
  const zh = locale === 'zh-CN';
  switch (refusal.reason) {
    case 'too_large':
      return zh
        ? `文件“${refusal.name}”太大（${megabytes(refusal.size)} MB），未能接收。请发送不超过 ${megabytes(refusal.maxBytes)} MB 的图片或 PDF 文件。`
        : `The file "${refusal.name}" is too large (${megabytes(refusal.size)} MB) and was not received. Please send an image or PDF of at most ${megabytes(refusal.maxBytes)} MB.`;
    case 'type':
      return zh
        ? `文件“${refusal.name}”的格式无法接收（${refusal.type}）。请以图片（JPG、PNG、WebP、GIF）或 PDF 文件发送。`
        : `The file "${refusal.name}" has a format I can't accept (${refusal.type}). Please send it as an image (JPG, PNG, WebP, GIF) or a PDF file.`;
    case 'download_failed':
      return zh
        ? `文件“${refusal.name}”没有接收成功，请稍后重新发送。`
        : `The file "${refusal.name}" could not be received; please send it again in a moment.`;
    case 'unsupported_message':
      return zh
        ? `我目前只能处理文字、图片和 PDF 文件，暂时无法处理${refusal.kind}。请用文字描述您的问题。`
        : `I can only handle text, images and PDF files for now, not ${refusal.kind}. Please describe your question in words.`;
  }
}

/** What a message's `channelData.refused` says about its refusals (reasons and file names, never content). */
export function refusedSummary(refusals: readonly FileRefusal[]): { reason: FileRefusal['reason']; name?: string }[] {
  return refusals.map((r) => ('name' in r ? { reason: r.reason, name: r.name } : { reason: r.reason }));
}

/**
 * The turn of a message with parts the bot does not take: each reason said first, then the bot's own turn
 * when something is left for it (text, or a file that was taken).
 */
export function answeringRefusals<C extends { sendActivity(text: string): Promise<unknown> }>(
  locale: Locale,
  refusals: readonly FileRefusal[],
  logic: (context: C) => Promise<void>,
  hasContent: boolean,
): (context: C) => Promise<void> {
  return async (context) => {
    for (const refusal of refusals) await context.sendActivity(refusalText(locale, refusal));
    if (hasContent) await logic(context);
  };
}

/**
 * The file of a journalled message, fetched: taken as an attachment, or added to the refusals the message
 * already had (a voice message, an unknown kind). `A` is the channel's attachment shape.
 */
export async function takeFile<A>(
  refusals: readonly FileRefusal[],
  fetch: (() => Promise<A | FileRefusal>) | undefined,
): Promise<{ attachments: A[]; refusals: FileRefusal[] }> {
  const out = { attachments: [] as A[], refusals: [...refusals] };
  if (!fetch) return out;
  const result = await fetch();
  if (typeof result === 'object' && result !== null && 'reason' in result) out.refusals.push(result as FileRefusal);
  else out.attachments.push(result as A);
  return out;
}

