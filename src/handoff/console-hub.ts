/**
 * The console's live sockets: every logged-in agent's open sockets, and a broadcast of queue changes,
 * chat events and typing to all of them. Internal notes are broadcast too: only agents hold sockets.
 * Connected to a message bus (Redis, with several instances), a broadcast reaches the sockets of every
 * instance: the merchant's chat and the agent's console are rarely on the same one.
 */
import type { WebSocket } from 'ws';
import type { MessageBus } from '../scale/message-bus.js';
import type { AgentView, ServerEvent } from './console-api.js';

interface Client {
  socket: WebSocket;
  agent: AgentView;
  /** The console session the socket was opened with (its token's hash). */
  sessionId: string | undefined;
}

/** The close code a socket gets when its session ends (logout, expiry, account disabled). */
export const SESSION_ENDED_CLOSE_CODE = 4401;

const TOPIC = 'console:events';

export class ConsoleHub {
  private readonly clients = new Set<Client>();
  private bus: MessageBus | undefined;
  private unsubscribe: (() => void) | undefined;

  /**
   * Broadcasts go through `bus` from now on. `onGap`: the bus may have lost some (Redis was away, or the
   * subscription just began): the caller sends this instance's sockets what they should show now.
   */
  connect(bus: MessageBus, onGap?: () => void): void {
    this.unsubscribe?.();
    this.bus = bus;
    this.unsubscribe = bus.subscribe(TOPIC, { message: (data) => this.sendLocal(data), gap: () => onGap?.() });
  }

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
    if (this.bus) this.bus.publish(TOPIC, data);
    else this.sendLocal(data);
  }

  /** To this instance's sockets only (what each instance does with what the bus brings). */
  broadcastLocal(event: ServerEvent): void {
    this.sendLocal(JSON.stringify(event));
  }

  private sendLocal(data: string): void {
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
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const { socket } of this.clients) socket.close(1001, 'server stopping');
    this.clients.clear();
  }
}
