/**
 * Whether an error says the database cannot be reached — the connection refused, dropped or timed out,
 * or the server shutting down — rather than that a query was wrong. During a PostgreSQL outage (or a
 * failover) every request that touches the database fails this way; the server answers those with
 * `STORAGE_UNAVAILABLE` (503, "try again shortly", as `/readyz` reports the outage) instead of a bare
 * internal error, so a merchant's client shows why the message was not sent.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** What `pg` says when a connection ends under a query or cannot be made in time. */
const PG_CONNECTION_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

export function isDatabaseUnavailable(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 5; depth++, e = e.cause) {
    const code = (e as { code?: unknown }).code;
    // SQLSTATE class 08 is a connection exception; 57P01–57P03: the server shutting down or starting.
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code) || /^57P0[123]$/.test(code))) return true;
    if (PG_CONNECTION_MESSAGES.test(e.message)) return true;
  }
  return false;
}
