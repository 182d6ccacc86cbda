/**
 * Uploaded files: the type is decided by the bytes (magic numbers), never by the name or the declared
 * content type; files are stored once under their SHA-256, so the same photo sent twice is kept once.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fileTypeFromBuffer } from 'file-type';
import { AppError, isAppError } from '../core/errors.js';
import { writeFileDurably } from '../core/durable-file.js';

export const ACCEPTED_TYPES: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'application/pdf': 'pdf',
};

/** A file this deployment stored: `<sha256>.<ext>` under the files folder. */
export const STORED_FILE = /^[0-9a-f]{64}\.(jpg|png|webp|gif|pdf)$/;

/** The last path segment of a content URL, decoded, without its query ('' when it cannot be decoded). */
export function lastSegment(contentUrl: string | undefined): string {
  try {
    return decodeURIComponent(((contentUrl ?? '').split(/[/\\]/).pop() ?? '').split('?')[0] ?? '');
  } catch {
    return '';
  }
}

/** The stored file a content URL points at (`<sha256>.<ext>`), when it is one and is in the files folder. */
export function storedFileOf(contentUrl: string | undefined, filesDir: string): string | undefined {
  const last = lastSegment(contentUrl);
  return STORED_FILE.test(last) && existsSync(join(filesDir, last)) ? last : undefined;
}

export interface StoredFile {
  /** `<sha256>.<ext>`: the name under the files folder. */
  file: string;
  contentType: string;
  size: number;
}

/**
 * What a file would be stored as, from its bytes; throws `DL_ATTACHMENT_TYPE` for a type not accepted.
 * Nothing is written: an upload of several files is checked whole before any of it reaches the disk.
 */
export async function inspectFile(bytes: Buffer, displayName: string): Promise<StoredFile> {
  const type = await fileTypeFromBuffer(bytes);
  const ext = type && ACCEPTED_TYPES[type.mime];
  if (!type || !ext) {
    throw new AppError('DL_ATTACHMENT_TYPE', `${displayName}: ${type ? type.mime : 'unknown type'}`);
  }
  return { file: `${createHash('sha256').update(bytes).digest('hex')}.${ext}`, contentType: type.mime, size: bytes.length };
}

/** Writes inspected bytes under their name (once: the same content is the same file). */
export function writeStoredFile(dir: string, stored: StoredFile, bytes: Buffer): void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, stored.file);
  // On disk (flushed) before any activity, request or state refers to it.
  if (!existsSync(path)) writeFileDurably(path, bytes);
}

export async function storeFile(dir: string, bytes: Buffer, displayName: string): Promise<StoredFile> {
  const stored = await inspectFile(bytes, displayName);
  writeStoredFile(dir, stored, bytes);
  return stored;
}

/** A file name safe to echo back (no path, no control characters, bounded length). */
export function safeName(name: string | undefined): string {
  const base = (name ?? 'file').split(/[\\/]/).pop() ?? 'file';
  return base.replace(/[\u0000-\u001f\u007f<>"]/g, '').slice(0, 120) || 'file';
}

/**
 * Stores a file a merchant sent on a chat platform as an attachment of their message (a `file:` URL in the
 * files folder), or says why it was not taken (its type).
 */
export async function storeAsAttachment(
  dir: string,
  bytes: Buffer,
  name: string,
): Promise<{ contentType: string; contentUrl: string; name: string } | { reason: 'type'; name: string; type: string }> {
  try {
    const stored = await storeFile(dir, bytes, name);
    return { contentType: stored.contentType, contentUrl: pathToFileURL(join(dir, stored.file)).href, name };
  } catch (err) {
    if (isAppError(err, 'DL_ATTACHMENT_TYPE')) return { reason: 'type', name, type: err.message.split(': ').pop() ?? 'unknown' };
    throw err;
  }
}
