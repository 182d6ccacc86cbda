/**
 * Canned replies: the picker beside the composer (search, ↑/↓, Enter inserts, Esc closes) and the
 * "Canned replies" tab (everyone reads; supervisors add, edit and delete).
 */
import type { CannedReply } from '../console-api.js';
import { toast } from './alerts.mjs';
import { confirmDialog, openDialog } from './dialog.mjs';
import { fullTime, h, replace, time } from './dom.mjs';
import { fmt, t } from './i18n.mjs';
import { api, emit, errorText, isSupervisor, on, showError, state } from './state.mjs';

export async function loadCanned(): Promise<void> {
  try {
    state.canned = (await api.canned()).replies;
    emit('canned');
  } catch (err) {
    showError(err);
  }
}

function matches(r: CannedReply, q: string): boolean {
  if (!q) return true;
  const s = q.toLowerCase();
  return r.title.toLowerCase().includes(s) || r.text.toLowerCase().includes(s);
}

let openPicker: { close: () => void } | null = null;

/** Opens the picker under/above `anchor`; `onPick` gets the reply's text. */
export function openCannedPicker(anchor: HTMLElement, onPick: (text: string) => void, onClose: () => void): void {
  if (openPicker) {
    openPicker.close();
    return;
  }
  const search = h('input', {
    type: 'search',
    class: 'picker-search',
    role: 'combobox',
    'aria-expanded': 'true',
    'aria-controls': 'canned-listbox',
    'aria-autocomplete': 'list',
    'aria-label': t('cannedSearch'),
    placeholder: t('cannedSearch'),
    'data-testid': 'canned-search',
  });
  const list = h('ul', { class: 'picker-list', id: 'canned-listbox', role: 'listbox', 'aria-label': t('canned') });
  const pop = h('div', { class: 'picker', 'data-testid': 'canned-picker' }, search, list);
  let active = 0;
  let shown: CannedReply[] = [];

  const render = () => {
    shown = state.canned.filter((r) => matches(r, search.value.trim()));
    active = Math.min(active, Math.max(0, shown.length - 1));
    if (shown.length === 0) {
      replace(list, h('li', { class: 'picker-empty', role: 'presentation' }, state.canned.length ? t('cannedNoMatch') : t('cannedNone')));
      search.removeAttribute('aria-activedescendant');
      return;
    }
    replace(
      list,
      ...shown.map((r, i) => {
        const li = h(
          'li',
          { id: `canned-opt-${r.id}`, role: 'option', class: `picker-opt${i === active ? ' active' : ''}`, 'aria-selected': i === active ? 'true' : 'false', 'data-testid': 'canned-option', 'data-canned-id': String(r.id) },
          h('span', { class: 'picker-title' }, r.title),
          h('span', { class: 'picker-text' }, r.text),
        );
        li.addEventListener('mousedown', (ev) => ev.preventDefault());
        li.addEventListener('click', () => pick(r));
        return li;
      }),
    );
    const cur = shown[active];
    if (cur) {
      search.setAttribute('aria-activedescendant', `canned-opt-${cur.id}`);
      list.querySelector('.active')?.scrollIntoView({ block: 'nearest' });
    }
  };

  const close = (refocus = true) => {
    document.removeEventListener('mousedown', outside, true);
    pop.remove();
    openPicker = null;
    anchor.setAttribute('aria-expanded', 'false');
    if (refocus) onClose();
  };
  const pick = (r: CannedReply) => {
    close(false);
    onPick(r.text);
  };
  const outside = (ev: MouseEvent) => {
    if (!pop.contains(ev.target as Node) && ev.target !== anchor && !anchor.contains(ev.target as Node)) close(false);
  };

  search.addEventListener('input', () => {
    active = 0;
    render();
  });
  search.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowDown') {
      ev.preventDefault();
      active = Math.min(shown.length - 1, active + 1);
      render();
    } else if (ev.key === 'ArrowUp') {
      ev.preventDefault();
      active = Math.max(0, active - 1);
      render();
    } else if (ev.key === 'Enter') {
      ev.preventDefault();
      const r = shown[active];
      if (r) pick(r);
    } else if (ev.key === 'Escape') {
      ev.preventDefault();
      ev.stopPropagation();
      close();
    } else if (ev.key === 'Tab') close(false);
  });

  openPicker = { close: () => close() };
  anchor.setAttribute('aria-expanded', 'true');
  anchor.closest('.composer')?.appendChild(pop);
  document.addEventListener('mousedown', outside, true);
  render();
  search.focus();
  void loadCanned().then(() => {
    if (openPicker) render();
  });
}

/** The "Canned replies" tab. */
export function mountCannedView(container: HTMLElement, useReply: (text: string) => void): void {
  const editForm = (r: CannedReply | null) => {
    const title = h('input', { id: 'canned-title', type: 'text', maxlength: 100, required: true, value: r?.title ?? '', 'data-testid': 'canned-title' });
    const text = h('textarea', { id: 'canned-text', rows: 6, maxlength: 4000, required: true, 'data-testid': 'canned-text' });
    text.value = r?.text ?? '';
    void openDialog({
      title: r ? t('cannedEdit') : t('cannedAdd'),
      testid: 'canned-dialog',
      body: [
        h('div', { class: 'field' }, h('label', { for: 'canned-title' }, t('cannedTitle')), title),
        h('div', { class: 'field' }, h('label', { for: 'canned-text' }, t('cannedText')), text),
      ],
      submit: {
        label: t('cannedSave'),
        testid: 'canned-save',
        run: async () => {
          const tt = title.value.trim();
          const tx = text.value.trim();
          if (!tt || !tx) throw new Error(t('cannedRequired'));
          try {
            if (r) await api.updateCanned(r.id, tt, tx);
            else await api.addCanned(tt, tx);
          } catch (err) {
            throw new Error(errorText(err));
          }
          toast(t('cannedSaved'), 'ok');
          await loadCanned();
          return true;
        },
      },
    });
  };

  const render = () => {
    const sup = isSupervisor();
    const add = sup ? h('button', { type: 'button', class: 'btn primary', 'data-testid': 'canned-add' }, t('cannedAdd')) : null;
    add?.addEventListener('click', () => editForm(null));
    const rows = state.canned.map((r) => {
      const use = h('button', { type: 'button', class: 'btn small', 'data-testid': 'canned-use' }, t('cannedUse'));
      use.addEventListener('click', () => useReply(r.text));
      let edit: HTMLButtonElement | null = null;
      let del: HTMLButtonElement | null = null;
      if (sup) {
        edit = h('button', { type: 'button', class: 'btn small', 'data-testid': 'canned-edit' }, t('cannedEdit'));
        del = h('button', { type: 'button', class: 'btn small danger-ghost', 'data-testid': 'canned-delete' }, t('cannedDelete'));
        edit.addEventListener('click', () => editForm(r));
        del.addEventListener('click', () => {
          void confirmDialog(t('cannedDelete'), fmt('cannedConfirmDelete', { title: r.title }), t('cannedDelete'), true).then(async (ok) => {
            if (!ok) return;
            try {
              await api.deleteCanned(r.id);
              toast(t('cannedDeleted'), 'ok');
              await loadCanned();
            } catch (err) {
              showError(err);
            }
          });
        });
      }
      return h(
        'li',
        { class: 'canned-row', 'data-testid': 'canned-item', 'data-canned-id': String(r.id) },
        h('div', { class: 'canned-main' }, h('h3', {}, r.title), h('p', { class: 'canned-text' }, r.text), h('p', { class: 'muted small', title: fullTime(r.updatedAt) }, fmt('cannedUpdated', { who: r.updatedBy, time: time(r.updatedAt) }))),
        h('div', { class: 'canned-actions' }, use, edit, del),
      );
    });
    replace(
      container,
      h(
        'div',
        { class: 'canned-view' },
        h(
          'header',
          { class: 'view-head' },
          h('h2', {}, t('canned')),
          h('span', { class: 'muted' }, fmt('cannedCount', { n: state.canned.length })),
          h('span', { class: 'spacer' }),
          add,
        ),
        sup ? null : h('p', { class: 'muted', 'data-testid': 'canned-readonly' }, t('cannedReadonly')),
        rows.length ? h('ul', { class: 'canned-list' }, rows) : h('p', { class: 'muted empty-note' }, t('cannedNone')),
      ),
    );
  };
  on('canned', render);
  on('me', render);
  on('lang', render);
  render();
}
