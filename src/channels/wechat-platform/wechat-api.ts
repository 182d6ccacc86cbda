/**
 * The HTTP side WeChat's Official Account API and WeCom's API share: JSON calls carrying an
 * `access_token`, answers with `errcode`/`errmsg`, media downloads and multipart uploads.
 *
 * - The access token is cached in a `TokenStore` (the SQL store in production, so every instance uses
 *   the same one: fetching a new token ends the previous one's life on WeChat's side) and fetched again
 *   five minutes before it expires; one fetch at a time per process.
 * - A call answered with a token error (40001 invalid credential, 40014 invalid token, 42001 expired) gets
 *   a new token and is retried once.
 * - Answers are checked with zod: an unexpected shape is an error, never a guess.
 * - The base URL is configurable (tests point it at a local fake).
 */
import { z } from 'zod';
import type { Logger } from '../../core/logger.js';

/** errcodes that mean "this access token is not (or no longer) valid". */
export const TOKEN_ERRCODES: ReadonlySet<number> = new Set([40001, 40014, 42001]);
/** Refresh this long before the token expires. */
const TOKEN_MARGIN_MS = 5 * 60_000;

export class WechatApiError extends Error {
  constructor(
    readonly path: string,
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(`${path}: errcode ${errcode} ${errmsg}`);
    this.name = 'WechatApiError';
  }
}

export interface TokenEntry {
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** Where access tokens are kept between calls and instances (the SQL store; a Map in tests). */
export interface TokenStore {
  read(key: string): Promise<TokenEntry | undefined>;
  write(key: string, entry: TokenEntry): Promise<void>;
}

/** `{errcode, errmsg}`, present on errors (and on some successes, as 0/"ok"). */
const errorShape = z.object({ errcode: z.number().optional(), errmsg: z.string().optional() }).loose();
const tokenShape = z.object({ access_token: z.string().min(1), expires_in: z.number().int().positive() }).loose();

export interface WechatApiOptions {
  /** e.g. https://api.weixin.qq.com or https://qyapi.weixin.qq.com (no trailing slash). */
  baseUrl: string;
  /** The token endpoint and its query: `/cgi-bin/token` + appid/secret, or `/cgi-bin/gettoken` + corpid/corpsecret. */
  tokenPath: string;
  tokenQuery: Record<string, string>;
  /** The key of this account's token in the store (one per app / corp secret). */
  tokenKey: string;
  tokens: TokenStore;
  /** Longest one HTTP call may take (default 15 s). */
  timeoutMs?: number;
  logger?: Logger;
  now?: () => number;
}

export interface Download {
  bytes: Buffer;
  contentType: string | undefined;
  /** The file name the server gave (Content-Disposition), if any. */
  name: string | undefined;
}

/** A download refused for its size, before or while reading it. */
export interface TooLarge {
  tooLarge: number;
}

/** Reads a response body up to `maxBytes`; a larger one is cancelled and reported with its size so far. */
export async function readLimited(res: Response, maxBytes: number): Promise<Buffer | TooLarge> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    return { tooLarge: declared };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  if (res.body) {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > maxBytes) return { tooLarge: size };
      chunks.push(Buffer.from(chunk));
    }
  }
  return Buffer.concat(chunks);
}

function fileNameOf(disposition: string | null): string | undefined {
  if (!disposition) return undefined;
  const star = /filename\*=(?:UTF-8'')?([^;]+)/i.exec(disposition);
  if (star) {
    try {
      return decodeURIComponent(star[1]!.trim().replace(/^"|"$/g, ''));
    } catch {
      /* fall through to the plain name */
    }
  }
  return /filename="?([^";]+)"?/i.exec(disposition)?.[1];
}

export class WechatApi {
  private fetching: Promise<string> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: WechatApiOptions) {
    this.now = options.now ?? Date.now;
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  /**
   * A valid access token: the stored one while it has five minutes left, else a new one. `rejected`: the
   * token WeChat just refused — a stored one that differs (another instance refreshed) is taken, else a
   * new one is fetched.
   */
  async accessToken(rejected?: string): Promise<string> {
    const stored = await this.options.tokens.read(this.options.tokenKey);
    if (stored && stored.token !== rejected && stored.expiresAt - TOKEN_MARGIN_MS > this.now()) return stored.token;
    this.fetching ??= this.fetchToken().finally(() => (this.fetching = undefined));
    return this.fetching;
  }

  private async fetchToken(): Promise<string> {
    const { tokenPath, tokenQuery } = this.options;
    const json = await this.request(tokenPath, { query: tokenQuery });
    const parsed = tokenShape.safeParse(json);
    if (!parsed.success) throw new WechatApiError(tokenPath, -2, 'unexpected answer to the token request');
    const entry = { token: parsed.data.access_token, expiresAt: this.now() + parsed.data.expires_in * 1000 };
    await this.options.tokens.write(this.options.tokenKey, entry);
    this.options.logger?.info({ path: tokenPath, expiresIn: parsed.data.expires_in }, 'wechat api: new access token');
    return entry.token;
  }

  /**
   * One API call with the access token (POST with a JSON body, or GET), retried once with a new token
   * when the token is refused. Throws `WechatApiError` for any other errcode and for an answer `schema`
   * does not accept.
   */
  async call<S extends z.ZodType>(path: string, schema: S, init: { body?: unknown; form?: FormData; query?: Record<string, string> } = {}): Promise<z.infer<S>> {
    let token = await this.accessToken();
    for (let attempt = 0; ; attempt++) {
      try {
        const json = await this.request(path, { ...init, query: { ...init.query, access_token: token } });
        const parsed = schema.safeParse(json);
        if (!parsed.success) throw new WechatApiError(path, -2, `unexpected answer: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
        return parsed.data;
      } catch (err) {
        if (attempt === 0 && err instanceof WechatApiError && TOKEN_ERRCODES.has(err.errcode)) {
          this.options.logger?.info({ path, errcode: err.errcode }, 'wechat api: access token refused; fetching a new one');
          token = await this.accessToken(token);
          continue;
        }
        throw err;
      }
    }
  }

  /** A media file by id (`/cgi-bin/media/get`): its bytes, or its size when it is larger than `maxBytes`. */
  async downloadMedia(path: string, mediaId: string, maxBytes: number): Promise<Download | TooLarge> {
    let token = await this.accessToken();
    for (let attempt = 0; ; attempt++) {
      const res = await this.fetchWithTimeout(this.url(path, { access_token: token, media_id: mediaId }), {});
      const type = res.headers.get('content-type') ?? undefined;
      if (!res.ok) throw new WechatApiError(path, -1, `HTTP ${res.status}`);
      // Errors come as JSON (sometimes labelled text/plain); media as its own type.
      if (type && /json|text\/plain/i.test(type)) {
        const json = errorShape.safeParse(await res.json().catch(() => ({})));
        const errcode = json.success ? (json.data.errcode ?? -2) : -2;
        const errmsg = json.success ? (json.data.errmsg ?? 'no media') : 'unreadable answer';
        if (attempt === 0 && TOKEN_ERRCODES.has(errcode)) {
          token = await this.accessToken(token);
          continue;
        }
        throw new WechatApiError(path, errcode, errmsg);
      }
      const body = await readLimited(res, maxBytes);
      if ('tooLarge' in body) return body;
      return { bytes: body, contentType: type, name: fileNameOf(res.headers.get('content-disposition')) };
    }
  }

  /** Uploads a temporary media file (`/cgi-bin/media/upload?type=…`, field `media`); returns its media_id. */
  async uploadMedia(path: string, type: 'image' | 'file', bytes: Buffer, name: string, contentType: string): Promise<string> {
    const schema = z.object({ media_id: z.string().min(1) }).loose();
    const result = await this.call(path, schema, {
      query: { type },
      form: (() => {
        const form = new FormData();
        form.append('media', new Blob([new Uint8Array(bytes)], { type: contentType }), name);
        return form;
      })(),
    });
    return result.media_id;
  }

  private url(path: string, query: Record<string, string> = {}): string {
    const url = new URL(this.options.baseUrl + path);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return url.href;
  }

  private async fetchWithTimeout(url: string, init: RequestInit): Promise<Response> {
    return fetch(url, { ...init, signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000) });
  }

  /** One HTTP request; a JSON answer with a non-zero errcode is thrown as `WechatApiError`. */
  private async request(path: string, init: { body?: unknown; form?: FormData; query?: Record<string, string> }): Promise<unknown> {
    const method = init.body !== undefined || init.form ? 'POST' : 'GET';
    const res = await this.fetchWithTimeout(this.url(path, init.query), {
      method,
      ...(init.form
        ? { body: init.form }
        : init.body !== undefined
          ? { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json; charset=utf-8' } }
          : {}),
    });
    if (!res.ok) throw new WechatApiError(path, -1, `HTTP ${res.status}`);
    const json: unknown = await res.json().catch(() => undefined);
    const base = errorShape.safeParse(json);
    if (!base.success) throw new WechatApiError(path, -2, 'the answer is not JSON');
    if (base.data.errcode) throw new WechatApiError(path, base.data.errcode, base.data.errmsg ?? '');
    return json;
  }
}
