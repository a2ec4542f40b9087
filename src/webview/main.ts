/**
 * The migration wizard's webview: four steps (source, findings, target, preview). Plain DOM with
 * real buttons/inputs/labels; state is kept with setState (restored when hidden/shown and by the
 * panel serializer across reloads). Every message in and out goes through src/webview/protocol.ts.
 */
import { DEFAULT_WIZARD_SEQ_LENGTH, initialState, isToWebview, type FromWebview, type StringKey, type WizardState } from './protocol';

declare function acquireVsCodeApi(): { postMessage(message: unknown): void; getState(): unknown; setState(state: unknown): void };

const vscode = acquireVsCodeApi();
let strings: Partial<Record<StringKey, string>> = {};
let state: WizardState = initialState();
const MODEL_TYPE = /^[a-z_][a-z0-9_]{0,63}$/;

const t = (key: StringKey) => strings[key] ?? key;
const post = (message: FromWebview) => vscode.postMessage(message);

function save(): void {
  vscode.setState({ strings, state });
  post({ type: 'saveState', state });
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const child of children) node.append(child);
  return node;
}

function button(id: string, label: string, icon: string, onClick: () => void, primary = false): HTMLButtonElement {
  const b = el('button', { id, 'data-testid': id, type: 'button', class: primary ? 'primary' : 'secondary' }, el('span', { class: `codicon codicon-${icon}`, 'aria-hidden': 'true' }), ' ' + label);
  b.addEventListener('click', onClick);
  return b;
}

function field(id: string, label: string, input: HTMLInputElement, help?: string): HTMLElement {
  input.id = id;
  input.setAttribute('data-testid', id);
  const wrap = el('div', { class: 'field' }, el('label', { for: id }, label), input);
  if (help) {
    input.setAttribute('aria-describedby', `${id}-help`);
    wrap.append(el('div', { id: `${id}-help`, class: 'help' }, help));
  }
  return wrap;
}

function problemList(problems: WizardState['problems'], testid: string): HTMLElement {
  if (!problems.length) return el('p', { 'data-testid': `${testid}-none` }, t('noProblems'));
  const list = el('ul', { class: 'problems', id: testid, 'data-testid': testid });
  for (const p of problems) {
    const icon = p.severity === 'error' ? 'error' : p.severity === 'warning' ? 'warning' : 'info';
    const item = el('li', { class: `problem ${p.severity}`, 'data-testid': `problem-${p.code}`, 'data-severity': p.severity }, el('span', { class: `codicon codicon-${icon}`, 'aria-label': p.severity }), ' ', p.message);
    if (p.hint) item.append(el('div', { class: 'hint' }, p.hint));
    list.append(item);
  }
  return list;
}

function stepHeader(step: number, title: string): HTMLElement {
  return el('h2', { id: `step-${step}-title`, 'data-testid': `step-${step}-title`, tabindex: '-1' }, `${step}. ${title}`);
}

function renderSource(root: HTMLElement): void {
  const section = el('section', { 'data-testid': 'wizard-step-1', 'aria-labelledby': 'step-1-title' }, stepHeader(1, t('step1')), el('p', {}, t('sourceHelp')));
  section.append(button('source-browse', t('browse'), 'folder-opened', () => post({ type: 'pickSource' }), true));
  section.append(el('h3', {}, t('detected')));
  if (!state.sourceCandidates.length) section.append(el('p', { 'data-testid': 'source-none' }, t('noDetected')));
  const list = el('ul', { id: 'source-candidates', 'data-testid': 'source-candidates', class: 'candidates' });
  state.sourceCandidates.forEach((dir, i) => {
    const b = button(`source-candidate-${i}`, dir, 'folder', () => post({ type: 'useSource', dir }));
    b.setAttribute('data-testid', 'source-candidate');
    b.setAttribute('data-path', dir);
    list.append(el('li', {}, b));
  });
  section.append(list);
  root.append(section);
}

function renderFindings(root: HTMLElement): void {
  const section = el('section', { 'data-testid': 'wizard-step-2', 'aria-labelledby': 'step-2-title' }, stepHeader(2, t('step2')));
  section.append(el('p', { id: 'source-dir', 'data-testid': 'source-dir' }, state.sourceDir ?? ''));
  const table = el('table', { id: 'findings', 'data-testid': 'findings' });
  table.append(el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('found')), el('th', { scope: 'col' }, t('value')), el('th', { scope: 'col' }, t('source')))));
  const body = el('tbody');
  for (const f of state.findings) {
    body.append(el('tr', { 'data-testid': `finding-${f.key}`, 'data-value': f.value }, el('th', { scope: 'row' }, f.label), el('td', { class: 'value' }, f.value), el('td', { class: 'source' }, f.source)));
  }
  table.append(body);
  section.append(table, el('h3', {}, t('problems')), problemList(state.problems, 'read-problems'));
  const nav = el('div', { class: 'nav' }, button('back-to-source', t('back'), 'arrow-left', () => post({ type: 'back', step: 1 })));
  const next = button('to-target', t('next'), 'arrow-right', () => {
    state.step = 3;
    render();
    save();
  }, true);
  if (!state.canGenerate) {
    next.disabled = true;
    section.append(el('p', { class: 'error', 'data-testid': 'cannot-generate', role: 'alert' }, t('cannotGenerate')));
  }
  nav.append(next);
  section.append(nav);
  root.append(section);
}

/** What to generate: one radio per entry of the extension's target table, plus its versions. */
function renderTargetKind(section: HTMLElement): void {
  const o = state.options;
  const group = el('fieldset', { id: 'target-kinds', 'data-testid': 'target-kinds' }, el('legend', {}, t('targetKind')));
  for (const kind of state.targetKinds) {
    const radio = el('input', { type: 'radio', name: 'target-kind', id: `target-kind-${kind.id}`, 'data-testid': `target-kind-${kind.id}`, value: kind.id, 'aria-describedby': `target-kind-${kind.id}-help` }) as HTMLInputElement;
    radio.checked = o.target === kind.id;
    radio.addEventListener('change', () => {
      o.target = kind.id;
      if (kind.versions.length && !kind.versions.includes(o.mindieVersion)) o.mindieVersion = kind.versions[kind.versions.length - 1];
      save();
      render();
    });
    group.append(el('div', { class: 'radio' }, radio, el('label', { for: `target-kind-${kind.id}` }, kind.label), el('div', { class: 'help', id: `target-kind-${kind.id}-help` }, kind.description)));
  }
  section.append(group);
  const current = state.targetKinds.find((k) => k.id === o.target);
  if (current?.versions.length) {
    const select = el('select', { id: 'mindie-version', 'data-testid': 'mindie-version' }) as HTMLSelectElement;
    for (const v of current.versions) {
      const option = el('option', { value: v }, v) as HTMLOptionElement;
      option.selected = v === o.mindieVersion;
      select.append(option);
    }
    select.addEventListener('change', () => {
      o.mindieVersion = select.value;
      save();
    });
    section.append(el('div', { class: 'field' }, el('label', { for: 'mindie-version' }, t('mindieVersion')), select));
  }
}

function renderTarget(root: HTMLElement): void {
  const section = el('section', { 'data-testid': 'wizard-step-3', 'aria-labelledby': 'step-3-title' }, stepHeader(3, t('step3')));
  renderTargetKind(section);
  section.append(el('p', {}, t('targetHelp')));
  const torchLike = state.options.target === 'torch-like';
  const wantsSeqLength = !!state.targetKinds.find((k) => k.id === state.options.target)?.fields?.includes('seqLength');
  const group = el('fieldset', { id: 'targets', 'data-testid': 'targets' }, el('legend', {}, t('step3')));
  state.targets.forEach((target, i) => {
    const radio = el('input', { type: 'radio', name: 'target', id: `target-${i}`, 'data-testid': `target-${i}`, value: target.dir, 'data-kind': target.kind }) as HTMLInputElement;
    radio.checked = state.targetDir === target.dir;
    radio.addEventListener('change', () => post({ type: 'useTarget', dir: target.dir }));
    group.append(el('div', { class: 'radio' }, radio, el('label', { for: `target-${i}` }, `${target.kind === 'checkout' ? t('checkout') : t('folder')}: ${target.label}`)));
  });
  group.append(button('target-browse', t('browse'), 'folder-opened', () => post({ type: 'pickTarget' })));
  section.append(group);

  const o = state.options;
  const modelType = el('input', { type: 'text', value: o.modelType, spellcheck: 'false', autocomplete: 'off' }) as HTMLInputElement;
  const threshold = el('input', { type: 'number', min: '1', step: '1', value: String(o.embeddingParallelThreshold) }) as HTMLInputElement;
  const fallback = el('input', { type: 'text', value: o.fallbackLayers, spellcheck: 'false' }) as HTMLInputElement;
  const lmHead = el('input', { type: 'text', value: o.lmHead, spellcheck: 'false', placeholder: 'lm_head' }) as HTMLInputElement;
  const router = el('input', { type: 'checkbox' }) as HTMLInputElement;
  const seqLength = el('input', { type: 'number', min: '1', max: '32768', step: '1', value: String(o.seqLength ?? DEFAULT_WIZARD_SEQ_LENGTH) }) as HTMLInputElement;
  const invalidSeq = el('div', { id: 'seq-length-error', 'data-testid': 'seq-length-error', class: 'error', role: 'alert' });
  const checkout = state.targets.find((x) => x.dir === state.targetDir)?.kind === 'checkout';
  router.checked = o.addToRouter && checkout;
  router.disabled = !checkout;
  const invalid = el('div', { id: 'model-type-error', 'data-testid': 'model-type-error', class: 'error', role: 'alert' });
  const sync = () => {
    o.modelType = modelType.value.trim();
    o.embeddingParallelThreshold = Number(threshold.value) || 0;
    o.fallbackLayers = fallback.value;
    o.lmHead = lmHead.value.trim();
    o.addToRouter = router.checked;
    o.seqLength = Number(seqLength.value) || 0;
    // The ONNX export takes no package name: its model-type field is not shown or checked.
    const ok = wantsSeqLength || MODEL_TYPE.test(o.modelType);
    invalid.textContent = ok ? '' : t('invalidModelType');
    modelType.setAttribute('aria-invalid', String(!ok));
    const seqOk = !wantsSeqLength || (Number.isInteger(o.seqLength) && o.seqLength >= 1 && o.seqLength <= 32768);
    invalidSeq.textContent = seqOk ? '' : t('invalidSeqLength');
    seqLength.setAttribute('aria-invalid', String(!seqOk));
    previewButton.disabled = !ok || !seqOk || !state.targetDir || (torchLike && o.embeddingParallelThreshold < 1);
    save();
  };
  for (const input of [modelType, threshold, fallback, lmHead, router, seqLength]) input.addEventListener('input', sync);
  router.addEventListener('change', sync);
  if (wantsSeqLength) section.append(field('seq-length', t('seqLength'), seqLength, t('seqLengthHelp')), invalidSeq);
  else section.append(field('model-type', t('modelType'), modelType, t('modelTypeHelp')), invalid);
  // The torch-like options only mean something for that target.
  if (torchLike) {
    section.append(field('threshold', t('threshold'), threshold), field('fallback-layers', t('fallback'), fallback), field('lm-head', t('lmHead'), lmHead, t('lmHeadHelp')));
    router.id = 'add-to-router';
    router.setAttribute('data-testid', 'add-to-router');
    section.append(el('div', { class: 'checkbox' }, router, el('label', { for: 'add-to-router' }, t('addToRouter'))));
    if (!checkout) section.append(el('div', { class: 'help', 'data-testid': 'router-only-checkout' }, t('routerOnlyCheckout')));
    section.append(el('p', { class: 'note', id: 'version-note', 'data-testid': 'version-note' }, el('span', { class: 'codicon codicon-info', 'aria-hidden': 'true' }), ' ', t('versionNote')));
  }
  const previewButton = button('preview', t('preview'), 'diff', () => {
    sync();
    post({ type: 'preview', options: { ...o } });
  }, true);
  section.append(el('p', { class: 'help' }, t('previewHelp')));
  section.append(el('div', { class: 'nav' }, button('back-to-findings', t('back'), 'arrow-left', () => post({ type: 'back', step: 2 })), previewButton));
  root.append(section);
  sync();
}

function renderPreview(root: HTMLElement): void {
  const section = el('section', { 'data-testid': 'wizard-step-4', 'aria-labelledby': 'step-4-title' }, stepHeader(4, t('step4')));
  const p = state.preview;
  if (p) {
    section.append(el('p', { id: 'preview-result', 'data-testid': 'preview-result', 'data-applied': String(p.applied), role: 'status' }, p.applied ? t('applied') : t('discarded')));
    const list = el('ul', { id: 'generated-files', 'data-testid': 'generated-files' });
    for (const f of p.files) list.append(el('li', { 'data-testid': 'generated-file' }, f));
    section.append(list, problemList(p.problems, 'generate-problems'));
    if (p.nextSteps?.length) {
      const steps = el('ol', { id: 'next-steps', 'data-testid': 'next-steps' });
      for (const s of p.nextSteps) steps.append(el('li', {}, el('code', {}, s)));
      section.append(el('h3', {}, t('nextSteps')), steps);
    }
    if (p.applied) section.append(button('open-files', t('openFiles'), 'go-to-file', () => post({ type: 'openFiles' }), true));
  }
  section.append(el('div', { class: 'nav' }, button('back-to-target', t('back'), 'arrow-left', () => post({ type: 'back', step: 3 }))));
  root.append(section);
}

function render(): void {
  const root = document.getElementById('app')!;
  root.replaceChildren();
  const steps = el('ol', { class: 'steps', 'aria-label': t('title') });
  ([1, 2, 3, 4] as const).forEach((n) => steps.append(el('li', { class: n === state.step ? 'current' : '', 'aria-current': n === state.step ? 'step' : 'false', 'data-testid': `step-indicator-${n}` }, t(`step${n}` as StringKey))));
  root.append(el('h1', {}, t('title')), steps);
  if (state.step === 1) renderSource(root);
  else if (state.step === 2) renderFindings(root);
  else if (state.step === 3) renderTarget(root);
  else renderPreview(root);
  // Move focus to the step's heading only when the step changes (not while the user types).
  if (state.step !== lastStep) document.getElementById(`step-${state.step}-title`)?.focus();
  lastStep = state.step;
}

let lastStep = 0;

function setBusy(message: string): void {
  const busy = document.getElementById('busy')!;
  busy.textContent = message;
  busy.hidden = !message;
}

window.addEventListener('message', (event: MessageEvent) => {
  const message: unknown = event.data;
  if (!isToWebview(message)) return; // never act on malformed input
  switch (message.type) {
    case 'init':
      strings = message.strings;
      state = message.state;
      break;
    case 'state':
      state = message.state;
      break;
    case 'busy':
      setBusy(message.message);
      return;
    case 'error': {
      setBusy('');
      const error = document.getElementById('error')!;
      error.textContent = message.message;
      error.hidden = false;
      return;
    }
  }
  setBusy('');
  document.getElementById('error')!.hidden = true;
  render();
  vscode.setState({ strings, state });
});

// Restore at once from our own saved state (hidden/shown), then ask the extension for fresh data.
const saved = vscode.getState() as { strings?: Record<string, string>; state?: unknown } | undefined;
if (saved?.strings && saved.state) {
  strings = saved.strings;
  state = saved.state as WizardState;
  render();
}
post({ type: 'ready' });
