/**
 * The console's live sockets: every logged-in agent's open sockets, and a broadcast of queue changes,
 * chat events and typing to all of them. Internal notes are broadcast too: only agents hold sockets.
 */
import type { WebSocket } from 'ws';
import type { AgentView, ServerEvent } from './console-api.js';

interface Client {
  socket: WebSocket;
  agent: AgentView;
}

export class ConsoleHub {
  private readonly clients = new Set<Client>();

  add(socket: WebSocket, agent: AgentView): () => void {
    const client = { socket, agent };
    this.clients.add(client);
    return () => this.clients.delete(client);
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

  closeAll(): void {
    for (const { socket } of this.clients) socket.close(1001, 'server stopping');
    this.clients.clear();
  }
}
