/**
 * One catalogue of coded errors (after fastify's `lib/errors.js`): every error the program raises on
 * purpose has a stable code that logs, the CLI and (later) the HTTP API report, and the README lists.
 * Codes are `AREA_WHAT`. Add new ones here, never ad hoc strings elsewhere.
 */
export const ERROR_CATALOGUE = {
  CONFIG_INVALID: { status: 500, message: 'Invalid configuration' },
  CLI_USAGE: { status: 400, message: 'Bad command-line usage' },
  FLOW_FILE_INVALID: { status: 500, message: 'A flow file is invalid' },
  KNOWLEDGE_FILE_INVALID: { status: 500, message: 'A knowledge file could not be read' },
  KNOWLEDGE_INDEX_MISSING: { status: 503, message: 'The knowledge index is not built yet' },
  KNOWLEDGE_INDEX_CORRUPT: { status: 500, message: 'The knowledge index on disk is unreadable' },
  KNOWLEDGE_INDEX_MISMATCH: { status: 500, message: 'The vectors do not fit the knowledge index (another embedding model?); rebuild it' },
  KNOWLEDGE_EMBEDDINGS_MODEL: { status: 500, message: 'The local embedding model could not be loaded' },
  KNOWLEDGE_EMBEDDINGS_INVALID: { status: 502, message: 'The embedding model returned unusable vectors' },
  KNOWLEDGE_EMBEDDINGS_FAILED: { status: 502, message: 'The embeddings endpoint failed while building the knowledge index' },
  STORAGE_ETAG_CONFLICT: { status: 409, message: 'The stored item changed since it was read (eTag mismatch)' },
  STORAGE_INVALID_KEY: { status: 400, message: 'Invalid storage key' },
  STORAGE_INVALID_ITEM: { status: 400, message: 'Invalid storage item' },
  STORAGE_MIGRATION_FAILED: { status: 500, message: 'A database migration failed' },
  TRANSCRIPT_INVALID_ACTIVITY: { status: 400, message: 'The activity cannot be logged to the transcript' },
  DL_UNAUTHORIZED: { status: 401, message: 'Missing or invalid Direct Line token or secret' },
  DL_BAD_CLAIM: { status: 401, message: 'The merchant claim is not valid' },
  // 403, as the Direct Line service answers: botframework-directlinejs reads 403 as "token expired".
  DL_TOKEN_EXPIRED: { status: 403, message: 'The Direct Line token has expired' },
  DL_FORBIDDEN: { status: 403, message: 'The token does not give access to this conversation' },
  DL_NOT_FOUND: { status: 404, message: 'No such conversation or file' },
  DL_BAD_REQUEST: { status: 400, message: 'The request is not a valid Direct Line request' },
  DL_TEXT_TOO_LONG: { status: 400, message: 'The message text is too long' },
  DL_RATE_LIMITED: { status: 429, message: 'Too many messages; wait before sending more' },
  DL_TOO_MANY_ATTACHMENTS: { status: 400, message: 'Too many files in one message' },
  DL_ATTACHMENT_TOO_LARGE: { status: 413, message: 'A file is too large' },
  DL_UPLOAD_QUOTA: { status: 413, message: 'This conversation holds as many files as it may' },
  DL_ATTACHMENT_TYPE: { status: 415, message: 'This file type is not accepted' },
  SERVER_NOT_READY: { status: 503, message: 'The server is starting; the knowledge base is not loaded yet' },
  STORAGE_UNAVAILABLE: { status: 503, message: 'The database does not answer; try again shortly' },
  WEBCHAT_ORIGIN_FORBIDDEN: { status: 403, message: 'This page is not allowed to use the web chat' },
  REQUEST_NOT_FOUND: { status: 404, message: 'No such request' },
  REQUEST_INVALID_TRANSITION: { status: 409, message: 'This status change is not allowed' },
  REQUEST_REASON_REQUIRED: { status: 400, message: 'This status change needs a reason' },
  REQUEST_SUPPLEMENT_NOT_EXPECTED: { status: 409, message: 'The request is not waiting for more information' },
  REQUEST_INVALID: { status: 400, message: 'Invalid request data' },
  BACKOFFICE_UNAUTHORIZED: { status: 401, message: 'Missing or invalid back-office API key' },
  METRICS_UNAUTHORIZED: { status: 401, message: 'Missing or invalid metrics key' },
  BACKOFFICE_NOT_CONFIGURED: { status: 503, message: 'The back-office API is disabled: BACKOFFICE_API_KEY is not set' },
  AGENT_UNAUTHORIZED: { status: 401, message: 'Not logged in to the agent console' },
  AGENT_LOGIN_FAILED: { status: 401, message: 'Wrong name or password' },
  AGENT_LOCKED: { status: 429, message: 'Too many failed logins; try again later' },
  AGENT_DISABLED: { status: 403, message: 'This account is disabled; ask a supervisor' },
  AGENT_CSRF: { status: 403, message: 'Missing or wrong CSRF token' },
  AGENT_FORBIDDEN: { status: 403, message: 'Your role may not do this' },
  AGENT_INVALID: { status: 400, message: 'Invalid agent data' },
  HANDOFF_NOT_FOUND: { status: 404, message: 'No such handoff' },
  HANDOFF_CONFLICT: { status: 409, message: 'Another agent owns this conversation, or it is not in a state that allows this' },
  HANDOFF_NOT_DELIVERED: { status: 502, message: "The merchant's channel did not deliver the message" },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  /** What this occurrence adds to the catalogue's message (the part a list of problems shows alone). */
  readonly detail: string | undefined;

  constructor(code: ErrorCode, detail?: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    const base = ERROR_CATALOGUE[code].message;
    super(detail ? `${base}: ${detail}` : base, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.details = options?.details;
    this.detail = detail;
  }
}

export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}
