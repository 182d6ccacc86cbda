/**
 * The sign-in screen: name and password, the server's error message, and on 429 the lockout with the
 * time it ends (counting down).
 */
import type { LoginResponse } from '../console-api.js';
import { ApiError } from './api.mjs';
import { askNotificationPermission, unlockAudio } from './alerts.mjs';
import { duration, h } from './dom.mjs';
import { fmt, getLocale, t } from './i18n.mjs';
import { api } from './state.mjs';

export interface LoginOptions {
  /** Shown above the form (e.g. "your session has ended"). */
  info?: string;
  onLoggedIn: (res: LoginResponse) => void;
  onToggleLang: () => void;
}

let lockTimer = 0;

export function renderLogin(root: HTMLElement, opts: LoginOptions): void {
  window.clearInterval(lockTimer);
  const name = h('input', {
    id: 'login-name',
    name: 'name',
    type: 'text',
    autocomplete: 'username',
    autocapitalize: 'none',
    spellcheck: 'false',
    required: true,
    maxlength: 64,
    'data-testid': 'login-name',
  });
  const password = h('input', {
    id: 'login-password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    maxlength: 256,
    'data-testid': 'login-password',
  });
  const submit = h('button', { type: 'submit', class: 'btn primary block', 'data-testid': 'login-submit' }, t('loginSubmit'));
  const error = h('p', { class: 'login-error', id: 'login-error', role: 'alert', 'data-testid': 'login-error', hidden: true });
  const lock = h('p', { class: 'login-lock', role: 'status', 'data-testid': 'login-lock', hidden: true });
  const info = h('p', { class: 'login-info', role: 'status', 'data-testid': 'login-info', hidden: !opts.info }, opts.info ?? '');
  const lang = h(
    'button',
    { type: 'button', class: 'btn ghost small', 'data-testid': 'lang-toggle', 'aria-label': t('switchLang'), title: t('switchLang'), lang: getLocale() === 'en' ? 'zh-CN' : 'en' },
    t('langButton'),
  );
  lang.addEventListener('click', () => opts.onToggleLang());

  const form = h(
    'form',
    { class: 'login-card', novalidate: true, 'aria-labelledby': 'login-title', 'aria-describedby': 'login-error' },
    h('div', { class: 'login-top' }, h('div', { class: 'logo', 'aria-hidden': 'true' }, 'PA'), lang),
    h('h1', { id: 'login-title' }, t('loginTitle')),
    h('p', { class: 'muted' }, t('loginSubtitle')),
    info,
    h('div', { class: 'field' }, h('label', { for: 'login-name' }, t('loginName')), name),
    h('div', { class: 'field' }, h('label', { for: 'login-password' }, t('loginPassword')), password),
    error,
    lock,
    submit,
    h('p', { class: 'muted small hint' }, t('loginHint')),
  );

  const showError = (message: string) => {
    error.textContent = message;
    error.hidden = !message;
    name.setAttribute('aria-invalid', message ? 'true' : 'false');
    password.setAttribute('aria-invalid', message ? 'true' : 'false');
  };

  const showLock = (seconds: number | null) => {
    window.clearInterval(lockTimer);
    if (seconds === null) {
      lock.textContent = t('loginLockedNoTime');
      lock.hidden = false;
      return;
    }
    const until = Date.now() + seconds * 1000;
    const at = new Intl.DateTimeFormat(getLocale(), { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(new Date(until));
    const tick = () => {
      const left = until - Date.now();
      if (left <= 0) {
        window.clearInterval(lockTimer);
        lock.textContent = t('loginUnlocked');
        return;
      }
      lock.textContent = fmt('loginLocked', { time: at, left: duration(left + 999) });
    };
    tick();
    lock.hidden = false;
    lockTimer = window.setInterval(tick, 1000);
  };

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    // This click is the user gesture that may unlock sound and ask for notifications.
    unlockAudio();
    void askNotificationPermission();
    const n = name.value.trim();
    const p = password.value;
    if (!n || !p) {
      showError(t('loginRequired'));
      (n ? password : name).focus();
      return;
    }
    showError('');
    info.hidden = true;
    submit.disabled = true;
    submit.textContent = t('loginBusy');
    form.setAttribute('aria-busy', 'true');
    api
      .login(n, p)
      .then((res) => {
        window.clearInterval(lockTimer);
        opts.onLoggedIn(res);
      })
      .catch((err: unknown) => {
        if (err instanceof ApiError) {
          showError(err.status === 0 ? t('network') : err.message);
          if (err.status === 429) showLock(err.retryAfter);
          else {
            window.clearInterval(lockTimer);
            lock.hidden = true;
          }
        } else showError(err instanceof Error ? err.message : String(err));
        password.value = '';
        password.focus();
      })
      .finally(() => {
        submit.disabled = false;
        submit.textContent = t('loginSubmit');
        form.removeAttribute('aria-busy');
      });
  });

  root.replaceChildren(h('main', { class: 'login', id: 'main' }, form));
  document.title = `${t('loginTitle')} · ${t('appTitle')}`;
  name.focus();
}
