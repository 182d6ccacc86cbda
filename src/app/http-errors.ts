/**
 * How the server's HTTP errors look to a browser: an `AppError` with a known code gets its message in the
 * merchant's language (from `Accept-Language`), with the limit it is about ("at most 10 MB"); errors of
 * fastify and its plugins with a precise meaning become those codes; a database that does not answer is
 * "try again shortly" (503); anything else is a bare internal error, logged.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../channels/webchat/directline-routes.js';
import { t, type Locale, type MessageKey } from '../i18n/messages.js';
import { isDatabaseUnavailable } from '../store/index.js';
import { AppError, type ErrorCode } from './errors.js';
import { megabytes } from '../core/sizes.js';

/** User-facing text for the errors a browser may show. */
const USER_MESSAGES: Partial<Record<ErrorCode, MessageKey>> = {
  DL_TEXT_TOO_LONG: 'errTextTooLong',
  DL_RATE_LIMITED: 'errRateLimited',
  DL_TOO_MANY_ATTACHMENTS: 'errTooManyFiles',
  DL_ATTACHMENT_TOO_LARGE: 'errFileTooLarge',
  DL_UPLOAD_QUOTA: 'errUploadQuota',
  DL_ATTACHMENT_TYPE: 'errFileType',
  DL_TOKEN_EXPIRED: 'errSessionExpired',
  DL_UNAUTHORIZED: 'errSessionExpired',
  DL_FORBIDDEN: 'errForbidden',
  SERVER_NOT_READY: 'errNotReady',
  STORAGE_UNAVAILABLE: 'errStorageUnavailable',
  WEBCHAT_ORIGIN_FORBIDDEN: 'errOriginForbidden',
  DL_BAD_REQUEST: 'errBadRequest',
  DL_NOT_FOUND: 'errNotFound',
};

/** The limits the messages quote. */
export interface ErrorLimits {
  maxTextLength: number;
  uploadMaxBytes: number;
  uploadMaxFiles: number;
  uploadConversationMaxBytes: number;
}

function requestLocale(request: FastifyRequest): Locale {
  const header = request.headers['accept-language'];
  return typeof header === 'string' && /^en\b/i.test(header.trim()) ? 'en' : 'zh-CN';
}


/** The server's error handler (`app.setErrorHandler`). */
export function httpErrorHandler(limits: ErrorLimits): (err: unknown, request: FastifyRequest, reply: FastifyReply) => FastifyReply {
  const handleError = (err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    if (err instanceof AppError) {
      const key = USER_MESSAGES[err.code];
      const locale = requestLocale(request);
      const vars = {
        max: Number(err.details?.max ?? limits.maxTextLength),
        seconds: Number(err.details?.retryAfterSeconds ?? 60),
        mb: megabytes(limits.uploadMaxBytes),
      };
      if (err.code === 'DL_TOO_MANY_ATTACHMENTS') vars.max = limits.uploadMaxFiles;
      if (err.code === 'DL_UPLOAD_QUOTA') vars.mb = megabytes(limits.uploadConversationMaxBytes);
      const shown = key ? new AppError(err.code, undefined, { details: err.details }) : err;
      if (key) Object.defineProperty(shown, 'message', { value: t(locale, key, vars) });
      if (err.status >= 500) request.log.error({ err }, 'request failed');
      return sendError(reply, shown);
    }
    // The database does not answer (an outage, a failover): "try again shortly" (503, as /readyz says),
    // not a bare internal error — the merchant's message was not taken and may be sent again.
    if (isDatabaseUnavailable(err)) return handleError(new AppError('STORAGE_UNAVAILABLE', undefined, { cause: err }), request, reply);
    // Errors of fastify and its plugins that have a precise meaning here.
    const fcode = (err as { code?: string }).code;
    if (fcode === 'FST_ERR_CTP_BODY_TOO_LARGE') return handleError(new AppError('DL_TEXT_TOO_LONG', 'request body too large'), request, reply);
    if (fcode === 'FST_FILES_LIMIT') return handleError(new AppError('DL_TOO_MANY_ATTACHMENTS', 'files limit'), request, reply);
    if (fcode === 'FST_REQ_FILE_TOO_LARGE') return handleError(new AppError('DL_ATTACHMENT_TOO_LARGE', 'file size limit'), request, reply);
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) request.log.error({ err }, 'request failed');
    const code = status === 413 ? 'DL_ATTACHMENT_TOO_LARGE' : status < 500 ? 'DL_BAD_REQUEST' : 'INTERNAL';
    return reply.code(status).send({ error: { code, message: status < 500 ? (err as Error).message : 'Internal error' } });
  };
  return handleError;
}
