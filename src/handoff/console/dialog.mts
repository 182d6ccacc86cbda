/**
 * Modal dialogs on the native <dialog> element (focus trapping, Esc, backdrop), an image lightbox, and
 * the rendering of attachments (image thumbnails that open the lightbox; other files as links).
 */
import type { FileView } from '../console-api.js';
import { h, icon, safeUrl, type Child } from './dom.mjs';
import { t } from './i18n.mjs';

export interface DialogOptions {
  title: string;
  body: Child[];
  /** The primary button; return false (or a promise of false) to keep the dialog open. */
  submit?: { label: string; danger?: boolean; testid?: string; run: () => boolean | void | Promise<boolean | void> };
  testid?: string;
  wide?: boolean;
  /** The element to focus first (default: the first field, or the primary button). */
  focus?: HTMLElement;
}

/** Opens a modal dialog; resolves when it closes (true when submitted). */
export function openDialog(opts: DialogOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const titleId = `dlg-${Math.random().toString(36).slice(2)}`;
    const dlg = h('dialog', { class: `dialog${opts.wide ? ' wide' : ''}`, 'aria-labelledby': titleId, 'data-testid': opts.testid ?? 'dialog' });
    const cancel = h('button', { type: 'button', class: 'btn', 'data-testid': 'dialog-cancel' }, opts.submit ? t('cancel') : t('close'));
    const x = h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('close'), title: t('close') }, icon('close'));
    let submitted = false;
    const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const form = h(
      'form',
      { method: 'dialog', novalidate: true },
      h('header', { class: 'dlg-head' }, h('h2', { id: titleId }, opts.title), x),
      h('div', { class: 'dlg-body' }, opts.body),
      err,
    );
    const footer = h('footer', { class: 'dlg-foot' }, cancel);
    let primary: HTMLButtonElement | null = null;
    if (opts.submit) {
      primary = h('button', { type: 'submit', class: `btn ${opts.submit.danger ? 'danger' : 'primary'}`, 'data-testid': opts.submit.testid ?? 'dialog-submit' }, opts.submit.label);
      footer.appendChild(primary);
    }
    form.appendChild(footer);
    dlg.appendChild(form);

    const close = () => {
      if (dlg.open) dlg.close();
    };
    x.addEventListener('click', close);
    cancel.addEventListener('click', close);
    dlg.addEventListener('close', () => {
      dlg.remove();
      resolve(submitted);
    });
    dlg.addEventListener('click', (ev) => {
      if (ev.target === dlg) close(); // the backdrop
    });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (!opts.submit || !primary) return;
      const btn = primary;
      btn.disabled = true;
      err.hidden = true;
      Promise.resolve()
        .then(() => opts.submit!.run())
        .then((ok) => {
          if (ok === false) return;
          submitted = true;
          close();
        })
        .catch((e: unknown) => {
          err.textContent = e instanceof Error ? e.message : String(e);
          err.hidden = false;
        })
        .finally(() => {
          btn.disabled = false;
        });
    });

    document.body.appendChild(dlg);
    dlg.showModal();
    const first = opts.focus ?? dlg.querySelector<HTMLElement>('.dlg-body input:not([disabled]),.dlg-body textarea,.dlg-body select') ?? primary ?? cancel;
    first.focus();
  });
}

/** A confirmation; resolves true on OK. */
export function confirmDialog(title: string, message: string, label: string, danger = false): Promise<boolean> {
  return openDialog({ title, body: [h('p', {}, message)], submit: { label, danger, run: () => true }, testid: 'confirm-dialog' });
}

export function isImage(f: FileView): boolean {
  return /^image\/(?:jpeg|png|webp|gif)$/i.test(f.contentType);
}

export function lightbox(f: FileView): void {
  const url = safeUrl(f.url);
  if (!url) return;
  void openDialog({
    title: f.name || t('image'),
    wide: true,
    testid: 'lightbox',
    body: [
      h('div', { class: 'lightbox' }, h('img', { src: url, alt: f.name || t('image') })),
      h('p', {}, h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, t('open'))),
    ],
  });
}

/** Image thumbnails (click → lightbox) and file links. */
export function attachments(files: FileView[] | null | undefined, small = false): HTMLElement | null {
  if (!files || files.length === 0) return null;
  return h(
    'div',
    { class: `files${small ? ' small' : ''}` },
    files.map((f) => {
      const url = safeUrl(f.url);
      const label = f.name || (isImage(f) ? t('image') : t('file'));
      if (!url) return h('span', { class: 'file' }, label);
      if (isImage(f)) {
        const btn = h(
          'button',
          { type: 'button', class: 'thumb', title: label, 'aria-label': `${t('image')}: ${label}`, 'data-testid': 'attachment-image' },
          h('img', { src: url, alt: label, loading: 'lazy', decoding: 'async' }),
        );
        btn.addEventListener('click', () => lightbox(f));
        return btn;
      }
      return h('a', { class: 'file', href: url, target: '_blank', rel: 'noopener noreferrer', 'data-testid': 'attachment-file' }, icon('doc'), h('span', {}, label));
    }),
  );
}
