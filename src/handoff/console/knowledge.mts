/**
 * Knowledge upkeep under the dashboard (supervisors only): a question — typed, or picked from the gaps
 * above — is previewed (what the bot would now answer, nothing sent), attached to a section as a
 * paraphrase, or given a curated answer; the paraphrases and curated answers in force are listed with who
 * and when, each removable. Agents' replies proposed as curated answers wait here: previewed, edited,
 * approved or rejected. The export download is what `pos-assist knowledge export` writes. Calls
 * /agent/api/knowledge/…; every change is versioned and audited there.
 */
import type { ProposalView } from '../console-api.js';
import { h, replace } from './dom.mjs';
import { fmt, t } from './i18n.mjs';
import { ApiError } from './api.mjs';
import { api, errorText } from './state.mjs';

interface Section { file: string; section: string; title: string }
interface Paraphrase { question: string; file: string; section: string; by: string; at: string }
interface Curated { id: number; question: string; answer: string; by: string; at: string }
interface Preview { answered: boolean; passages: string[]; sources: { title: string; section: string; headingPath: string[] }[]; curated: { by: string } | null }

export interface KnowledgeApi {
  element: HTMLElement;
  reload(): Promise<void>;
  /** Puts a question (a gap's wording) in the form and previews it; an edit saved for it marks `group` handled. */
  pick(question: string, group?: readonly string[]): void;
}

const K = '/knowledge';

/** `changed`: a gap was marked handled or a proposal decided (the dashboard reloads its gaps). */
export function mountKnowledge(changed: () => void = () => undefined): KnowledgeApi {
  const question = h('input', { type: 'text', id: 'kb-question', 'data-testid': 'kb-question', maxlength: 500, autocomplete: 'off' });
  const section = h('select', { id: 'kb-section', 'data-testid': 'kb-section' });
  const answer = h('textarea', { id: 'kb-answer', 'data-testid': 'kb-answer', rows: 3, maxlength: 2000 });
  const previewBtn = h('button', { type: 'button', class: 'btn small', 'data-testid': 'kb-preview' }, t('kbPreview'));
  const paraphraseBtn = h('button', { type: 'button', class: 'btn small', 'data-testid': 'kb-add-paraphrase' }, t('kbAddParaphrase'));
  const curatedBtn = h('button', { type: 'button', class: 'btn small', 'data-testid': 'kb-add-curated' }, t('kbAddCurated'));
  const result = h('div', { class: 'kb-result small', 'data-testid': 'kb-result', 'aria-live': 'polite' });
  const lists = h('div', { 'data-testid': 'kb-lists' });
  const proposalsBox = h('div', { 'data-testid': 'kb-proposals' });
  const exportLink = h('a', { class: 'btn ghost small', href: '/agent/api/knowledge/export', download: '', 'data-testid': 'kb-export' }, t('kbExport'));
  const element = h(
    'section',
    { class: 'dash-block kb', 'data-testid': 'kb' },
    h('h3', {}, t('kbTitle'), ' ', exportLink),
    proposalsBox,
    h(
      'div',
      { class: 'kb-form' },
      h('label', { for: 'kb-question', class: 'small muted' }, t('kbQuestion')),
      question,
      previewBtn,
      h('label', { for: 'kb-section', class: 'small muted' }, t('kbSection')),
      section,
      paraphraseBtn,
      h('label', { for: 'kb-answer', class: 'small muted' }, t('kbAnswer')),
      answer,
      curatedBtn,
    ),
    result,
    lists,
  );

  const say = (text: string, error = false) => replace(result, h('p', error ? { class: 'form-error', role: 'alert' } : {}, text));
  const q = () => question.value.trim();
  /** The gap group picked into the form: an edit saved for its question marks it handled. */
  let picked: { question: string; group: readonly string[] } | null = null;

  async function preview(text = q(), proposed?: string): Promise<void> {
    if (!text) {
      say(t('kbNeedQuestion'), true);
      return;
    }
    try {
      const p = await api.call<Preview>('POST', `${K}/preview`, { question: text });
      const cite = p.sources.map((s) => `《${s.title}》› ${s.headingPath.join(' › ') || s.section}`).join('；');
      replace(
        result,
        h('p', { class: 'muted' }, p.curated ? t('kbPreviewCurated') : p.answered ? t('kbPreviewAnswered') : t('kbPreviewNone')),
        p.answered ? h('blockquote', { 'data-testid': 'kb-preview-text' }, p.passages.join('\n\n')) : null,
        cite ? h('p', { class: 'muted' }, `${p.answered ? t('kbSources') : t('kbNearest')}：${cite}`) : null,
        proposed ? h('p', { class: 'muted' }, t('kbProposalPreview')) : null,
        proposed ? h('blockquote', { 'data-testid': 'kb-proposal-preview' }, proposed) : null,
      );
    } catch (err) {
      say(errorText(err), true);
    }
  }

  async function change(method: string, path: string, body: Record<string, unknown>, done: string): Promise<boolean> {
    try {
      const saved = await api.call<{ id?: number }>(method, path, body);
      // Saved for the question picked from a gap: the rest of its group is handled by the same edit.
      if (picked && typeof saved?.id === 'number' && body.question === picked.question) {
        await api.call('POST', `${K}/gaps/handle`, { questions: picked.group, editId: saved.id });
        picked = null;
      }
      say(done);
      await reload();
      changed();
      return true;
    } catch (err) {
      say(err instanceof ApiError && err.status === 409 && path.includes('/proposals/') ? t('kbProposalDecided') : errorText(err), true);
      if (err instanceof ApiError && err.status === 409) await reload();
      return false;
    }
  }

  function proposalRow(p: ProposalView): HTMLElement {
    const pq = h('input', { type: 'text', maxlength: 500, value: p.question, 'data-testid': 'kb-proposal-question', 'aria-label': t('kbQuestion') });
    const pa = h('textarea', { rows: 3, maxlength: 2000, 'data-testid': 'kb-proposal-answer', 'aria-label': t('kbAnswer') });
    pa.value = p.answer;
    const note = h('input', { type: 'text', maxlength: 500, placeholder: t('kbRejectNote'), 'data-testid': 'kb-proposal-note', 'aria-label': t('kbRejectNote') });
    const previewP = h('button', { type: 'button', class: 'btn small', 'data-testid': 'kb-proposal-preview-btn' }, t('kbPreview'));
    const approve = h('button', { type: 'button', class: 'btn small ok', 'data-testid': 'kb-approve' }, t('kbApprove'));
    const reject = h('button', { type: 'button', class: 'btn small danger-ghost', 'data-testid': 'kb-reject' }, t('kbReject'));
    previewP.addEventListener('click', () => void preview(pq.value.trim(), pa.value.trim()));
    approve.addEventListener('click', () => {
      if (!pq.value.trim()) return say(t('kbNeedQuestion'), true);
      if (!pa.value.trim()) return say(t('kbNeedAnswer'), true);
      void change('POST', `${K}/proposals/${p.id}/approve`, { question: pq.value.trim(), answer: pa.value.trim() }, t('kbApproved')).then(async (ok) => {
        if (ok) await preview(pq.value.trim());
      });
    });
    reject.addEventListener('click', () => void change('POST', `${K}/proposals/${p.id}/reject`, note.value.trim() ? { note: note.value.trim() } : {}, t('kbRejected')));
    return h(
      'li',
      { class: 'kb-proposal', 'data-testid': 'kb-proposal', 'data-id': String(p.id) },
      h('p', { class: 'muted small' }, fmt('kbProposalFrom', { name: p.by, time: p.at.slice(0, 16).replace('T', ' '), id: p.handoffId })),
      pq,
      pa,
      h('div', { class: 'kb-actions' }, previewP, approve, note, reject),
    );
  }

  function row(text: string, meta: string, remove: () => void): HTMLElement {
    const btn = h('button', { type: 'button', class: 'btn small danger-ghost', 'data-testid': 'kb-remove' }, t('kbRemove'));
    btn.addEventListener('click', remove);
    return h('li', {}, h('span', {}, text), ' ', h('span', { class: 'muted small' }, meta), ' ', btn);
  }

  async function reload(): Promise<void> {
    try {
      const [s, p, c, pending] = await Promise.all([
        api.call<{ sections: Section[] }>('GET', `${K}/sections`),
        api.call<{ paraphrases: Paraphrase[] }>('GET', `${K}/paraphrases`),
        api.call<{ curated: Curated[] }>('GET', `${K}/curated`),
        api.call<{ proposals: ProposalView[] }>('GET', `${K}/proposals?status=pending`),
      ]);
      replace(
        proposalsBox,
        h('h4', {}, `${t('kbProposals')} (${pending.proposals.length})`),
        pending.proposals.length ? h('ul', { class: 'kb-proposals' }, pending.proposals.map(proposalRow)) : h('p', { class: 'muted small kb-none' }, t('kbNoProposals')),
      );
      const chosen = section.value;
      replace(section, s.sections.map((x) => h('option', { value: `${x.file}\n${x.section}` }, `《${x.title}》› ${x.section}`)));
      if (chosen) section.value = chosen;
      const who = (x: { by: string; at: string }) => `${x.by} · ${x.at.slice(0, 16).replace('T', ' ')}`;
      replace(
        lists,
        h('h4', {}, `${t('kbParaphrases')} (${p.paraphrases.length})`),
        h('ul', { 'data-testid': 'kb-paraphrases' }, p.paraphrases.map((x) => row(`${x.question} → ${x.section}`, who(x), () => void change('POST', `${K}/paraphrases/remove`, { question: x.question }, t('kbRemoved'))))),
        h('h4', {}, `${t('kbCurated')} (${c.curated.length})`),
        h('ul', { 'data-testid': 'kb-curated' }, c.curated.map((x) => row(`${x.question} → ${x.answer}`, who(x), () => void change('POST', `${K}/curated/remove`, { question: x.question }, t('kbRemoved'))))),
      );
    } catch (err) {
      say(errorText(err), true);
    }
  }

  previewBtn.addEventListener('click', () => void preview());
  paraphraseBtn.addEventListener('click', () => {
    const [file, sec] = section.value.split('\n');
    if (!q()) return say(t('kbNeedQuestion'), true);
    if (file && sec) void change('POST', `${K}/paraphrases`, { question: q(), file, section: sec }, t('kbSaved')).then(() => preview());
  });
  curatedBtn.addEventListener('click', () => {
    if (!q()) return say(t('kbNeedQuestion'), true);
    if (!answer.value.trim()) return say(t('kbNeedAnswer'), true);
    void change('POST', `${K}/curated`, { question: q(), answer: answer.value }, t('kbSaved')).then(() => preview());
  });

  return {
    element,
    reload,
    pick(text, group) {
      picked = group ? { question: text, group } : null;
      question.value = text;
      question.focus();
      void preview();
    },
  };
}
