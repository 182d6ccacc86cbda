/**
 * The console's live sockets: every logged-in agent's open sockets, and a broadcast of queue changes,
 * chat events and typing to all of them. Internal notes are broadcast too: only agents hold sockets.
 */
import type { WebSocket } from 'ws';
import type { AgentView, ServerEvent } from './console-api.js';

interface Client {
  socket: WebSocket;
  agent: AgentView;
  /** The console session the socket was opened with (its token's hash). */
  sessionId: string | undefined;
}

/** The close code a socket gets when its session ends (logout, expiry, account disabled). */
export const SESSION_ENDED_CLOSE_CODE = 4401;

export class ConsoleHub {
  private readonly clients = new Set<Client>();

  add(socket: WebSocket, agent: AgentView, sessionId?: string): () => void {
    const client = { socket, agent, sessionId };
    this.clients.add(client);
    return () => this.clients.delete(client);
  }

  /** Open console sockets (metrics). */
  get size(): number {
    return this.clients.size;
  }

  /** Agents with at least one open socket. */
  connectedAgentIds(): Set<number> {
    return new Set([...this.clients].map((c) => c.agent.id));
  }

  broadcast(event: ServerEvent): void {
    const data = JSON.stringify(event);
    for (const { socket } of this.clients) {
      if (socket.readyState === 1) socket.send(data);
    }
  }

  send(socket: WebSocket, event: ServerEvent): void {
    if (socket.readyState === 1) socket.send(JSON.stringify(event));
  }

  /** Closes the sockets opened with this session (it ended); returns how many. */
  closeSession(sessionId: string): number {
    let closed = 0;
    for (const client of this.clients) {
      if (client.sessionId !== sessionId) continue;
      client.socket.close(SESSION_ENDED_CLOSE_CODE, 'AGENT_SESSION_ENDED');
      this.clients.delete(client);
      closed++;
    }
    return closed;
  }

  closeAll(): void {
    for (const { socket } of this.clients) socket.close(1001, 'server stopping');
    this.clients.clear();
  }
}
