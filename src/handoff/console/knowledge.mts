/**
 * Knowledge upkeep under the dashboard (supervisors only): a question — typed, or picked from the gaps
 * above — is previewed (what the bot would now answer, nothing sent), attached to a section as a
 * paraphrase, or given a curated answer; the paraphrases and curated answers in force are listed with who
 * and when, each removable. Calls /agent/api/knowledge/…; every change is versioned and audited there.
 */
import { h, replace } from './dom.mjs';
import { t } from './i18n.mjs';
import { api, errorText } from './state.mjs';

interface Section { file: string; section: string; title: string }
interface Paraphrase { question: string; file: string; section: string; by: string; at: string }
interface Curated { question: string; answer: string; by: string; at: string }
interface Preview { answered: boolean; passages: string[]; sources: { title: string; section: string; headingPath: string[] }[]; curated: { by: string } | null }

export interface KnowledgeApi {
  element: HTMLElement;
  reload(): Promise<void>;
  /** Puts a question (a gap's wording) in the form and previews it. */
  pick(question: string): void;
}

const K = '/knowledge';

export function mountKnowledge(): KnowledgeApi {
  const question = h('input', { type: 'text', id: 'kb-question', 'data-testid': 'kb-question', maxlength: 500, autocomplete: 'off' });
  const section = h('select', { id: 'kb-section', 'data-testid': 'kb-section' });
  const answer = h('textarea', { id: 'kb-answer', 'data-testid': 'kb-answer', rows: 3, maxlength: 2000 });
  const previewBtn = h('button', { type: 'button', class: 'btn small', 'data-testid': 'kb-preview' }, t('kbPreview'));
  const paraphraseBtn = h('button', { type: 'button', class: 'btn small', 'data-testid': 'kb-add-paraphrase' }, t('kbAddParaphrase'));
  const curatedBtn = h('button', { type: 'button', class: 'btn small', 'data-testid': 'kb-add-curated' }, t('kbAddCurated'));
  const result = h('div', { class: 'kb-result small', 'data-testid': 'kb-result', 'aria-live': 'polite' });
  const lists = h('div', { 'data-testid': 'kb-lists' });
  const element = h(
    'section',
    { class: 'dash-block kb', 'data-testid': 'kb' },
    h('h3', {}, t('kbTitle')),
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

  async function preview(): Promise<void> {
    if (!q()) return;
    try {
      const p = await api.call<Preview>('POST', `${K}/preview`, { question: q() });
      const cite = p.sources.map((s) => `《${s.title}》› ${s.headingPath.join(' › ') || s.section}`).join('；');
      replace(
        result,
        h('p', { class: 'muted' }, p.curated ? t('kbPreviewCurated') : p.answered ? t('kbPreviewAnswered') : t('kbPreviewNone')),
        p.answered ? h('blockquote', { 'data-testid': 'kb-preview-text' }, p.passages.join('\n\n')) : null,
        cite ? h('p', { class: 'muted' }, `${p.answered ? t('kbSources') : t('kbNearest')}：${cite}`) : null,
      );
    } catch (err) {
      say(errorText(err), true);
    }
  }

  async function change(method: string, path: string, body: Record<string, unknown>, done: string): Promise<void> {
    try {
      await api.call(method, path, body);
      say(done);
      await reload();
    } catch (err) {
      say(errorText(err), true);
    }
  }

  function row(text: string, meta: string, remove: () => void): HTMLElement {
    const btn = h('button', { type: 'button', class: 'btn small danger-ghost', 'data-testid': 'kb-remove' }, t('kbRemove'));
    btn.addEventListener('click', remove);
    return h('li', {}, h('span', {}, text), ' ', h('span', { class: 'muted small' }, meta), ' ', btn);
  }

  async function reload(): Promise<void> {
    try {
      const [s, p, c] = await Promise.all([
        api.call<{ sections: Section[] }>('GET', `${K}/sections`),
        api.call<{ paraphrases: Paraphrase[] }>('GET', `${K}/paraphrases`),
        api.call<{ curated: Curated[] }>('GET', `${K}/curated`),
      ]);
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
    if (q() && file && sec) void change('POST', `${K}/paraphrases`, { question: q(), file, section: sec }, t('kbSaved')).then(preview);
  });
  curatedBtn.addEventListener('click', () => {
    if (q() && answer.value.trim()) void change('POST', `${K}/curated`, { question: q(), answer: answer.value }, t('kbSaved')).then(preview);
  });

  return {
    element,
    reload,
    pick(text) {
      question.value = text;
      question.focus();
      void preview();
    },
  };
}
