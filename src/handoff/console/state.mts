/**
 * The console's state, shared by the views, and a tiny event bus: a view changes the state, then
 * `emit`s the topic; views subscribed to it re-render their part.
 */
import type { AgentView, CannedReply, HandoffDetails, HandoffEvent, HandoffSummary, RequestSummary } from '../console-api.js';
import { Api, ApiError } from './api.mjs';
import { toast } from './alerts.mjs';
import { fmt, t } from './i18n.mjs';

export type View = 'conversations' | 'requests' | 'canned' | 'dashboard' | 'audit';
export type Topic = 'me' | 'queue' | 'selected' | 'details' | 'event' | 'typing' | 'agents' | 'canned' | 'requests' | 'view' | 'lang' | 'conn';

export const api = new Api();

export const state = {
  me: null as AgentView | null,
  /** Set when the agent chose "away" by hand: activity is then not reported (it would bring them back). */
  manualAway: false,
  view: 'conversations' as View,
  handoffs: new Map<string, HandoffSummary>(),
  /** Ended conversations seen in this session (newest first, a few). */
  ended: [] as string[],
  selectedId: null as string | null,
  details: new Map<string, HandoffDetails>(),
  /** Unread merchant messages per handoff (not the selected one). */
  unread: new Map<string, number>(),
  /** Drafts per handoff: the reply and the note. */
  drafts: new Map<string, { reply: string; note: string }>(),
  agents: [] as AgentView[],
  canned: [] as CannedReply[],
  requests: [] as RequestSummary[],
  requestFilter: '',
  selectedRequestId: null as string | null,
  conn: 'connecting' as 'connecting' | 'open' | 'reconnecting' | 'closed',
  /** Events that arrived for the selected conversation while its details were loading. */
  pendingEvents: new Map<string, HandoffEvent[]>(),
};

const listeners = new Map<Topic, Set<(arg?: unknown) => void>>();

export function on(topic: Topic, fn: (arg?: unknown) => void): void {
  let set = listeners.get(topic);
  if (!set) listeners.set(topic, (set = new Set()));
  set.add(fn);
}

export function emit(topic: Topic, arg?: unknown): void {
  for (const fn of Array.from(listeners.get(topic) ?? [])) {
    try {
      fn(arg);
    } catch (err) {
      console.error(err);
    }
  }
}

export function isMine(h: HandoffSummary | undefined | null): boolean {
  return !!h && h.status === 'active' && !!state.me && h.agent?.id === state.me.id;
}

export function isSupervisor(): boolean {
  return state.me?.role === 'supervisor';
}

export function selected(): HandoffSummary | null {
  const id = state.selectedId;
  if (!id) return null;
  return state.handoffs.get(id) ?? state.details.get(id)?.handoff ?? null;
}

/** Stores a summary from the server (list, socket or action reply) and keeps "recently ended" short. */
export function putHandoff(h: HandoffSummary): void {
  state.handoffs.set(h.id, h);
  const d = state.details.get(h.id);
  if (d) d.handoff = h;
  if (h.status === 'ended') {
    state.ended = [h.id, ...state.ended.filter((x) => x !== h.id)];
    for (const old of state.ended.splice(8)) {
      if (old !== state.selectedId) state.handoffs.delete(old);
    }
  }
}

/** Adds an event to a loaded conversation; false when it was already there. */
export function putEvent(handoffId: string, event: HandoffEvent): boolean {
  const d = state.details.get(handoffId);
  if (!d) {
    if (handoffId === state.selectedId) {
      const list = state.pendingEvents.get(handoffId) ?? [];
      list.push(event);
      state.pendingEvents.set(handoffId, list);
    }
    return false;
  }
  if (d.events.some((e) => e.id === event.id)) return false;
  d.events.push(event);
  d.events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id - b.id));
  return true;
}

/** Replaces the queue with the server's list, keeping the selected conversation and the recently ended. */
export function replaceHandoffs(list: HandoffSummary[]): void {
  const keep = new Set([...state.ended, ...(state.selectedId ? [state.selectedId] : [])]);
  const old = state.handoffs;
  state.handoffs = new Map();
  for (const h of list) putHandoff(h);
  for (const id of keep) {
    const h = old.get(id);
    if (h && !state.handoffs.has(id)) state.handoffs.set(id, h);
  }
  emit('queue');
}

export async function refreshHandoffs(): Promise<void> {
  const { handoffs } = await api.handoffs();
  replaceHandoffs(handoffs);
}

export function draft(id: string): { reply: string; note: string } {
  let d = state.drafts.get(id);
  if (!d) state.drafts.set(id, (d = { reply: '', note: '' }));
  return d;
}

/** A readable message for a failed call; 401 is handled by the app (back to the login). */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 0) return t('network');
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

export function showError(err: unknown): void {
  if (err instanceof ApiError && err.status === 401) return;
  toast(fmt('failed', { message: errorText(err) }), 'error');
}

/** Display name of an event actor: merchant | bot | system | agent:<name>. */
export function actorName(actor: string): string {
  if (actor === 'merchant') return t('from_merchant');
  if (actor === 'bot') return t('from_bot');
  if (actor === 'system') return t('from_system');
  if (actor.startsWith('agent:')) return actor.slice(6) || t('from_agent');
  return actor;
}

/** Forgets everything of the session (logout, expiry): state, drafts and every view's subscription. */
export function resetState(): void {
  listeners.clear();
  state.me = null;
  state.manualAway = false;
  state.view = 'conversations';
  state.handoffs = new Map();
  state.ended = [];
  state.selectedId = null;
  state.details = new Map();
  state.unread = new Map();
  state.drafts = new Map();
  state.agents = [];
  state.canned = [];
  state.requests = [];
  state.requestFilter = '';
  state.selectedRequestId = null;
  state.conn = 'connecting';
  state.pendingEvents = new Map();
  api.csrf = '';
}
