/**
 * Console agents: who may use the agent console and how they prove it.
 *
 * - `AgentStore`: create (`agents add`), list, login checks with lockout, presence.
 * - `SessionStore`: cookie sessions (only the token's hash is stored) with their CSRF tokens.
 * - `agentAuth`: the fastify plugin (login / logout / me, and the guard on every `/agent/api/` route);
 *   `requireAgent`, `requireRole`, `currentAgent` for route code; `app.agentAuth.agentFromCookieHeader`
 *   for WebSocket code.
 * - `hashPassword` / `verifyPassword` / `checkPasswordPolicy`: scrypt.
 */
export {
  AgentStore,
  AGENT_NAME_PATTERN,
  AGENT_PRESENCES,
  AGENT_ROLES,
  agentView,
  checkAgentName,
  isAgentPresence,
  isAgentRole,
} from './agent-store.js';
export type { AgentDetails, AgentPresence, AgentRole, AgentStoreOptions, AgentView, NewAgent } from './agent-store.js';
export { SessionStore, newToken, sessionId } from './sessions.js';
export type { AgentSession, NewSession, SessionStoreOptions } from './sessions.js';
export {
  agentAuth,
  agentErrorHandler,
  currentAgent,
  isConsoleApiRequest,
  readCookie,
  requireAgent,
  requireRole,
  sendAgentError,
  CONSOLE_API_PREFIX,
  COOKIE_PATH,
  CSRF_HEADER,
  DEFAULT_COOKIE_NAME,
  DEFAULT_LOGINS_PER_MINUTE,
  LOGIN_PATH,
} from './auth-routes.js';
export type { AgentAuth, AgentAuthOptions } from './auth-routes.js';
export {
  checkPasswordPolicy,
  decoyHash,
  hashPassword,
  parseHash,
  verifyPassword,
  KEY_BYTES,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  SALT_BYTES,
  SCRYPT_N,
  SCRYPT_P,
  SCRYPT_R,
} from './passwords.js';
