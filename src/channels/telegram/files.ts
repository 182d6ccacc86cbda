/**
 * Files on Telegram. Inbound: a photo (its largest size) or a document is downloaded (`getFile`, then
 * `<apiRoot>/file/bot<token>/<file_path>`) after checking the size Telegram declares, and stored by its
 * bytes (`storeFile`); a file that is too large or not an image/PDF comes back as a refusal with the
 * reason, never dropped. Outbound: a stored file is uploaded as a photo or a document; an https URL is
 * passed to Telegram.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Attachment } from 'botbuilder';
import { type Api, InputFile } from 'grammy';
import type { Message } from 'grammy/types';
import { isAppError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { ACCEPTED_TYPES, lastSegment, safeName, storedFileOf, storeFile } from '../attachments.js';
import type { FileRefusal } from './messages.js';

/** The Bot API serves files up to 20 MB through `getFile`. */
export const TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024;

export interface OutgoingFile {
  kind: 'photo' | 'document';
  file: InputFile | string;
}

/** A file a message carries, by Telegram's `file_id` (it stays valid: a replay downloads it again). */
export interface IncomingFile {
  fileId: string;
  name: string;
  size: number | undefined;
  mimeType: string | undefined;
}

export interface TelegramFilesOptions {
  api: Api;
  /** Bot API server, without a trailing slash. */
  apiRoot: string;
  token: string;
  /** The files folder: downloads are stored here, uploads read from here. */
  filesDir: string;
  /** Largest file taken from a merchant (bytes); the Bot API itself serves at most 20 MB. */
  uploadMaxBytes: number;
  /** Longest a download may take (default 60 s). */
  downloadTimeoutMs?: number | undefined;
  logger?: Logger | undefined;
}

/** The files a message carries. */
export function incomingFiles(message: Message): IncomingFile[] {
  const files: IncomingFile[] = [];
  if (message.photo?.length) {
    // Telegram lists a photo's sizes smallest first; the largest is the one worth keeping.
    const largest = message.photo.reduce((a, b) => ((b.file_size ?? b.width * b.height) >= (a.file_size ?? a.width * a.height) ? b : a));
    files.push({ fileId: largest.file_id, name: `photo-${message.message_id}.jpg`, size: largest.file_size, mimeType: 'image/jpeg' });
  }
  if (message.document) {
    const d = message.document;
    files.push({ fileId: d.file_id, name: safeName(d.file_name ?? `file-${message.message_id}`), size: d.file_size, mimeType: d.mime_type });
  }
  return files;
}

export class TelegramFiles {
  constructor(private readonly options: TelegramFilesOptions) {}

  /** Downloads and stores one file; a refusal says why it was not taken. */
  async download(file: IncomingFile): Promise<Partial<Attachment> | FileRefusal> {
    const maxBytes = Math.min(this.options.uploadMaxBytes, TELEGRAM_DOWNLOAD_LIMIT);
    if (file.size !== undefined && file.size > maxBytes) return { reason: 'too_large', name: file.name, size: file.size, maxBytes };
    // A declared type that is certainly not an image or PDF is refused without downloading it; an
    // unknown or generic one is decided by the bytes.
    if (file.mimeType && !Object.hasOwn(ACCEPTED_TYPES, file.mimeType) && file.mimeType !== 'application/octet-stream') {
      return { reason: 'type', name: file.name, type: file.mimeType };
    }
    let bytes: Buffer;
    try {
      const info = await this.options.api.getFile(file.fileId);
      if (info.file_size !== undefined && info.file_size > maxBytes) return { reason: 'too_large', name: file.name, size: info.file_size, maxBytes };
      if (!info.file_path) return { reason: 'download_failed', name: file.name };
      const result = await this.fetchFile(info.file_path, maxBytes);
      if (result === 'too_large') return { reason: 'too_large', name: file.name, size: file.size ?? maxBytes + 1, maxBytes };
      bytes = result;
    } catch (err) {
      this.options.logger?.warn({ err: err instanceof Error ? { message: err.message, name: err.name } : String(err), name: file.name }, 'telegram file download failed');
      return { reason: 'download_failed', name: file.name };
    }
    try {
      const stored = await storeFile(this.options.filesDir, bytes, file.name);
      return { contentType: stored.contentType, contentUrl: pathToFileURL(join(this.options.filesDir, stored.file)).href, name: file.name };
    } catch (err) {
      if (isAppError(err, 'DL_ATTACHMENT_TYPE')) return { reason: 'type', name: file.name, type: err.message.split(': ').pop() ?? 'unknown' };
      throw err;
    }
  }

  /** `GET <apiRoot>/file/bot<token>/<path>`, stopped as soon as it grows past `maxBytes`. The URL holds the token: never logged. */
  private async fetchFile(filePath: string, maxBytes: number): Promise<Buffer | 'too_large'> {
    const url = `${this.options.apiRoot}/file/bot${this.options.token}/${filePath.split('/').map(encodeURIComponent).join('/')}`;
    const response = await fetch(url, { signal: AbortSignal.timeout(this.options.downloadTimeoutMs ?? 60_000) });
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      throw new Error(`file download answered HTTP ${response.status}`);
    }
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body.cancel().catch(() => undefined);
      return 'too_large';
    }
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        return 'too_large';
      }
      chunks.push(value);
    }
    return Buffer.concat(chunks);
  }

  /** A stored file (contentUrl's last segment `<sha256>.<ext>` in the files folder) or an https URL. */
  outgoing(attachment: Attachment): OutgoingFile | undefined {
    const url = attachment.contentUrl ?? '';
    const last = lastSegment(url);
    const type = attachment.contentType ?? '';
    if (storedFileOf(url, this.options.filesDir)) {
      const isPhoto = /\.(jpg|png|webp)$/.test(last);
      return { kind: isPhoto ? 'photo' : 'document', file: new InputFile(join(this.options.filesDir, last), safeName(attachment.name ?? last)) };
    }
    if (/^https:\/\//.test(url)) return { kind: /^image\/(jpeg|png|webp)$/.test(type) ? 'photo' : 'document', file: url };
    return undefined;
  }
}
