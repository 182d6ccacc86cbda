/**
 * Getting the agent's attention: a short Web Audio beep (no audio file), desktop notifications, toasts,
 * and a screen-reader announcer (aria-live).
 */
import { h } from './dom.mjs';
import { t } from './i18n.mjs';

const SOUND_KEY = 'pos-assist-agent:sound';

let ctx: AudioContext | null = null;
let soundOn = localStorage.getItem(SOUND_KEY) !== 'off';

export function isSoundOn(): boolean {
  return soundOn;
}

export function setSound(on: boolean): void {
  soundOn = on;
  try {
    localStorage.setItem(SOUND_KEY, on ? 'on' : 'off');
  } catch {
    /* private mode */
  }
  if (on) unlockAudio();
}

/** Creates / resumes the AudioContext; call it from a user gesture so later beeps may play. */
export function unlockAudio(): void {
  try {
    const Ctor = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
    if (!Ctor) return;
    ctx ??= new Ctor();
    if (ctx.state === 'suspended') void ctx.resume().catch(() => undefined);
  } catch {
    ctx = null;
  }
}

/** Two short rising tones (about 0.35 s). `soft` is a single quieter tone (a new message). */
export function beep(soft = false): void {
  if (!soundOn) return;
  unlockAudio();
  const c = ctx;
  if (!c || c.state !== 'running') return;
  const tones = soft ? [[660, 0]] : [[880, 0], [1320, 0.16]];
  for (const [freq, at] of tones as [number, number][]) {
    const osc = c.createOscillator();
    const gain = c.createGain();
    osc.type = 'sine';
    osc.frequency.value = freq;
    const start = c.currentTime + at;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(soft ? 0.08 : 0.2, start + 0.015);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.15);
    osc.connect(gain).connect(c.destination);
    osc.start(start);
    osc.stop(start + 0.17);
  }
}

export function notificationsSupported(): boolean {
  return typeof window.Notification === 'function';
}

export function notificationPermission(): NotificationPermission | 'unsupported' {
  return notificationsSupported() ? Notification.permission : 'unsupported';
}

/** Asks for the permission (only when not yet decided); must run inside a user gesture. */
export async function askNotificationPermission(): Promise<NotificationPermission | 'unsupported'> {
  if (!notificationsSupported()) return 'unsupported';
  if (Notification.permission !== 'default') return Notification.permission;
  try {
    return await Notification.requestPermission();
  } catch {
    return Notification.permission;
  }
}

/** A desktop notification (when allowed); clicking it focuses the console and runs `onClick`. */
export function notify(title: string, body: string, tag: string, onClick?: () => void): void {
  if (!notificationsSupported() || Notification.permission !== 'granted') return;
  try {
    const n = new Notification(title, { body, tag, lang: document.documentElement.lang || undefined, requireInteraction: false });
    n.onclick = () => {
      window.focus();
      onClick?.();
      n.close();
    };
    window.setTimeout(() => n.close(), 15_000);
  } catch {
    /* some browsers only allow notifications from a service worker */
  }
}

let toastBox: HTMLElement | null = null;
let announcer: HTMLElement | null = null;

/** The toast stack and the hidden announcer; created once, placed at the end of <body>. */
export function mountAlerts(): void {
  if (!toastBox) {
    toastBox = h('div', { class: 'toasts', 'data-testid': 'toasts' });
    document.body.appendChild(toastBox);
  }
  if (!announcer) {
    announcer = h('div', { class: 'sr', 'aria-live': 'polite', 'aria-atomic': 'true', 'data-testid': 'announcer' });
    document.body.appendChild(announcer);
  }
}

export type ToastKind = 'info' | 'ok' | 'error';

export function toast(message: string, kind: ToastKind = 'info', ms = kind === 'error' ? 7000 : 4000): void {
  mountAlerts();
  const close = h('button', { type: 'button', class: 'toast-x', 'aria-label': t('close'), title: t('close') }, '×');
  const el = h(
    'div',
    { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status', 'data-testid': 'toast', 'data-kind': kind },
    h('span', { class: 'toast-text' }, message),
    close,
  );
  const remove = () => el.remove();
  close.addEventListener('click', remove);
  toastBox!.appendChild(el);
  while (toastBox!.childElementCount > 4) toastBox!.firstElementChild?.remove();
  window.setTimeout(remove, ms);
}

/** Says something to screen readers (polite). */
export function announce(message: string): void {
  mountAlerts();
  announcer!.textContent = '';
  window.setTimeout(() => {
    if (announcer) announcer.textContent = message;
  }, 50);
}
