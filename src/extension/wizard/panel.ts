/**
 * The wizard panel: owns the webview, answers its (validated) messages, and never trusts a path
 * from it: sources and targets must be ones the extension offered or the user picked natively.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { MODEL_TYPE_PATTERN, validateModelType } from '../../core/generate';
import { SAFE_NAME } from '../../core/generate/python';
import { supportFor } from '../../core/generate/support';
import { DEFAULT_WIZARD_SEQ_LENGTH, initialState, isFromWebview, isWizardState, type FromWebview, type TargetChoice, type ToWebview, type WizardState } from '../../webview/protocol';
import { MAX_SEQ_LENGTH } from '../../core/generate/onnx';
import { readWithProgress, routerPathFor, text } from './edit';
import { targetById, targetKindViews } from './targets';
import { wizardStrings } from './strings';

export const VIEW_TYPE = 'atbMigrate.wizard';

export class WizardPanel {
  static current: WizardPanel | undefined;
  private state: WizardState;
  /** Paths the user may choose: offered by us or picked in the native dialog. */
  private readonly allowedSources = new Set<string>();
  private readonly allowedTargets = new Set<string>();
  private generated: string[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  static show(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, folder?: vscode.Uri): WizardPanel {
    if (WizardPanel.current) {
      WizardPanel.current.panel.reveal();
      if (folder) void WizardPanel.current.useSource(folder.fsPath, true);
      return WizardPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, vscode.l10n.t('ATB: Migrate Model'), vscode.ViewColumn.Active, WizardPanel.webviewOptions(context));
    const wizard = new WizardPanel(panel, context, log);
    if (folder) void wizard.useSource(folder.fsPath, true);
    return wizard;
  }

  static revive(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, log: vscode.LogOutputChannel, saved: unknown): WizardPanel {
    panel.webview.options = WizardPanel.webviewOptions(context);
    const wizard = new WizardPanel(panel, context, log, isWizardState((saved as { state?: unknown })?.state) ? (saved as { state: WizardState }).state : undefined);
    return wizard;
  }

  static webviewOptions(context: vscode.ExtensionContext): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist'), vscode.Uri.joinPath(context.extensionUri, 'media')],
    };
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    restored?: WizardState,
  ) {
    WizardPanel.current = this;
    this.state = restored ?? initialState();
    // A restored state comes from the webview's storage: keep only paths that are still what we offered
    // (a model folder with config.json, existing target folders).
    if (restored) {
      if (restored.sourceDir && !fs.existsSync(path.join(restored.sourceDir, 'config.json'))) {
        this.state = { ...initialState(), sourceCandidates: [] };
      } else if (restored.sourceDir) this.allowedSources.add(restored.sourceDir);
      this.state.sourceCandidates = this.state.sourceCandidates.filter((d) => fs.existsSync(path.join(d, 'config.json')));
      for (const d of this.state.sourceCandidates) this.allowedSources.add(d);
      this.state.targets = this.state.targets.filter((t) => fs.existsSync(t.dir) && fs.statSync(t.dir).isDirectory());
      for (const t of this.state.targets) this.allowedTargets.add(t.dir);
      if (this.state.targetDir && !this.allowedTargets.has(this.state.targetDir)) this.state.targetDir = undefined;
    }
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'atb.svg');
    panel.webview.html = this.html();
    panel.webview.onDidReceiveMessage((m) => this.onMessage(m), undefined, this.disposables);
    panel.onDidDispose(() => this.dispose(), undefined, this.disposables);
  }

  private dispose(): void {
    WizardPanel.current = undefined;
    for (const d of this.disposables) d.dispose();
  }

  private post(message: ToWebview): void {
    void this.panel.webview.postMessage(message);
  }

  private pushState(): void {
    this.post({ type: 'state', state: this.state });
  }

  private async onMessage(raw: unknown): Promise<void> {
    if (!isFromWebview(raw)) {
      this.log.warn(`wizard: ignored a malformed message from the webview`);
      return;
    }
    const message: FromWebview = raw;
    try {
      switch (message.type) {
        case 'ready':
          if (!this.state.sourceCandidates.length) await this.detectSources();
          this.state.targetKinds = targetKindViews();
          this.post({ type: 'init', strings: wizardStrings(), state: this.state });
          break;
        case 'saveState':
          // Only the step and options come from the webview; paths stay ours.
          if ([1, 2, 3, 4].includes(message.state.step) && message.state.step <= this.maxStep()) this.state.step = message.state.step;
          this.state.options = message.state.options;
          break;
        case 'pickSource': {
          const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: vscode.l10n.t('Use This Model Folder') });
          if (picked?.[0]) await this.useSource(picked[0].fsPath, true);
          break;
        }
        case 'useSource':
          if (!this.allowedSources.has(message.dir)) return this.post({ type: 'error', message: vscode.l10n.t('That folder was not offered by the wizard; use Browse... to pick it.') });
          await this.useSource(message.dir, false);
          break;
        case 'pickTarget': {
          const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: vscode.l10n.t('Write Here') });
          if (picked?.[0]) this.addTarget(picked[0].fsPath, true);
          this.pushState();
          break;
        }
        case 'useTarget':
          if (!this.allowedTargets.has(message.dir)) return this.post({ type: 'error', message: vscode.l10n.t('That folder was not offered by the wizard; use Browse... to pick it.') });
          this.state.targetDir = message.dir;
          this.pushState();
          break;
        case 'back':
          this.state.step = message.step;
          this.pushState();
          break;
        case 'preview':
          await this.preview(message.options);
          break;
        case 'openFiles':
          for (const file of this.generated.filter((f) => fs.existsSync(f))) {
            await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false, preserveFocus: true });
          }
          break;
      }
    } catch (error) {
      this.log.error(`wizard: ${(error as Error)?.stack ?? String(error)}`);
      this.post({ type: 'error', message: String((error as Error)?.message ?? error) });
    }
  }

  private maxStep(): number {
    return !this.state.sourceDir ? 1 : !this.state.canGenerate ? 2 : this.state.preview ? 4 : 3;
  }

  private async detectSources(): Promise<void> {
    const configs = await vscode.workspace.findFiles('**/config.json', '{**/node_modules/**,**/.git/**,**/atb_llm/**}', 200);
    const dirs = configs.map((u) => path.dirname(u.fsPath)).sort();
    this.state.sourceCandidates = dirs.slice(0, 50);
    for (const d of this.state.sourceCandidates) this.allowedSources.add(d);
    await this.detectTargets();
  }

  private async detectTargets(): Promise<void> {
    const routers = await vscode.workspace.findFiles('**/atb_llm/models/base/router.py', '{**/node_modules/**,**/.git/**}', 10);
    for (const r of routers) this.addTarget(path.dirname(path.dirname(r.fsPath)), false);
    for (const folder of vscode.workspace.workspaceFolders ?? []) this.addTarget(folder.uri.fsPath, false);
  }

  private addTarget(dir: string, select: boolean): void {
    const kind: TargetChoice['kind'] = routerPathFor(dir) ? 'checkout' : 'folder';
    if (!this.state.targets.some((t) => t.dir === dir)) {
      this.state.targets.push({ dir, kind, label: vscode.workspace.asRelativePath(dir, true) || dir });
      this.state.targets.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'checkout' ? -1 : 1));
    }
    this.allowedTargets.add(dir);
    if (select || !this.state.targetDir) this.state.targetDir = dir;
    if (select) this.state.options.addToRouter = kind === 'checkout';
  }

  async useSource(dir: string, trusted: boolean): Promise<void> {
    if (trusted) this.allowedSources.add(dir);
    this.post({ type: 'busy', message: vscode.l10n.t('Reading the model folder') });
    const result = await readWithProgress(dir);
    this.state.sourceDir = dir;
    // Each quirk says what the torch-like generator does with it; refusals are listed with the problems.
    const support = result.spec ? supportFor(result.spec, 'torch-like') : [];
    // The C++ target refuses a model with any unsupported quirk (nothing is written): say so per quirk too.
    const cppSupport = result.spec ? supportFor(result.spec, 'cpp') : [];
    const status = (key: string) => {
      const s = support.find((x) => `quirk.${x.quirk.id}` === key);
      if (!s) return '';
      const c = cppSupport.find((x) => `quirk.${x.quirk.id}` === key);
      const cpp = c ? ` · ${vscode.l10n.t('C++ graph')}: ${c.status === 'implemented' ? vscode.l10n.t('generated') : vscode.l10n.t('refused (nothing is written)')}` : '';
      return (s.status === 'implemented' ? ` · ${vscode.l10n.t('generated')}` : ` · ${vscode.l10n.t('refused (TODO raising NotImplementedError)')}`) + cpp;
    };
    this.state.findings = result.findings.map((f) => ({ key: f.key, label: text(f.label), value: (f.value === null ? '—' : String(f.value)) + status(f.key), source: f.source }));
    this.state.problems = result.problems.map((p) => ({ severity: p.severity, code: p.code, message: text(p.message), hint: p.hint && text(p.hint) }));
    for (const s of support) if (s.status === 'refused') this.state.problems.push({ severity: 'warning', code: s.code, message: text(s.reason) });
    this.state.canGenerate = !!result.spec && !result.problems.some((p) => p.severity === 'error');
    if (result.spec?.modelType && MODEL_TYPE_PATTERN.test(result.spec.modelType)) this.state.options.modelType = result.spec.modelType;
    if (!this.state.targets.length) await this.detectTargets();
    this.state.step = 2;
    this.state.preview = undefined;
    this.pushState();
  }

  private async preview(options: WizardState['options']): Promise<void> {
    const sourceDir = this.state.sourceDir;
    const outDir = this.state.targetDir;
    if (!sourceDir || !outDir || !this.allowedSources.has(sourceDir) || !this.allowedTargets.has(outDir)) {
      return this.post({ type: 'error', message: vscode.l10n.t('Pick a model folder and a target first.') });
    }
    const seqLength = options.seqLength ?? DEFAULT_WIZARD_SEQ_LENGTH;
    if (options.target === 'onnx' && (!Number.isInteger(seqLength) || seqLength < 1 || seqLength > MAX_SEQ_LENGTH)) {
      return this.post({ type: 'error', message: vscode.l10n.t('Use a whole number from 1 to 32768.') });
    }
    const invalid = options.target === 'onnx' ? undefined : validateModelType(options.modelType);
    if (invalid) return this.post({ type: 'error', message: text(invalid.message) });
    const target = targetById(options.target);
    if (!target || (target.versions.length && !target.versions.includes(options.mindieVersion))) {
      return this.post({ type: 'error', message: vscode.l10n.t('Choose what to generate and, for the C++ graph, a MindIE-LLM version.') });
    }
    const fallbackLayers = options.fallbackLayers.split(',').map((s) => s.trim()).filter(Boolean);
    const lmHead = options.lmHead.trim();
    if (target.id === 'torch-like' && (fallbackLayers.some((f) => !SAFE_NAME.test(f)) || (lmHead && !SAFE_NAME.test(lmHead)) || !Number.isInteger(options.embeddingParallelThreshold) || options.embeddingParallelThreshold < 1)) {
      return this.post({ type: 'error', message: vscode.l10n.t('Check the options: layer names are dotted identifiers, the threshold a positive whole number.') });
    }
    this.state.options = options;
    this.post({ type: 'busy', message: text({ code: 'generate.progress', args: { count: ({ 'torch-like': 5, cpp: 7, onnx: 2 } as Record<string, number>)[target.id] ?? 5, modelType: options.modelType } }) });
    const addToRouter = target.id === 'torch-like' && options.addToRouter && !!routerPathFor(outDir);
    const read = await readWithProgress(sourceDir);
    const built = await target.build({ sourceDir, outDir, modelType: options.modelType, version: options.mindieVersion, embeddingParallelThreshold: options.embeddingParallelThreshold, fallbackLayers, lmHead: lmHead || undefined, seqLength, addToRouter, read });
    const problems = built.problems.filter((p) => p.code.startsWith('generate.') || p.code.startsWith('cpp.') || p.code.startsWith('onnx.') || p.severity === 'error');
    if (!built.files.length) {
      this.state.preview = { applied: false, files: [], problems: problems.map((p) => ({ severity: p.severity, code: p.code, message: text(p.message), hint: p.hint && text(p.hint) })) };
      this.state.step = 4;
      return this.pushState();
    }
    const before = new Map(built.files.map((f) => [f.path, fs.existsSync(f.path) ? fs.readFileSync(f.path, 'utf8') : undefined]));
    const ok = await vscode.workspace.applyEdit(built.edit);
    // A text edit lands in an (unsaved) buffer; save router.py when the user applied our change.
    if (ok && built.routerPath && built.routerNewText !== undefined) {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === built.routerPath);
      if (doc?.isDirty && doc.getText() === built.routerNewText) await doc.save();
    }
    // Discard (or unchecking every entry) writes nothing: compare what is on disk now.
    const written = built.files.filter((f) => fs.existsSync(f.path) && fs.readFileSync(f.path, 'utf8') === f.contents && before.get(f.path) !== f.contents);
    const applied = ok && written.length > 0;
    this.generated = written.map((f) => f.path);
    const nextSteps = applied ? built.nextSteps.map(text) : [];
    this.state.preview = {
      applied,
      files: built.files.map((f) => f.path),
      problems: problems.map((p) => ({ severity: p.severity, code: p.code, message: text(p.message), hint: p.hint && text(p.hint) })),
      nextSteps,
    };
    this.state.step = 4;
    this.log.info(`wizard: preview of ${built.files.length} files (${target.id}${target.versions.length ? ' ' + options.mindieVersion : ''}) for ${options.modelType} in ${outDir}: ${applied ? 'applied' : 'discarded'}`);
    for (const step of nextSteps) this.log.info(`wizard: ${step}`);
    this.pushState();
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
    const asset = (...parts: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, ...parts));
    const csp = [`default-src 'none'`, `script-src 'nonce-${nonce}'`, `style-src ${webview.cspSource}`, `font-src ${webview.cspSource}`, `img-src ${webview.cspSource}`].join('; ');
    const lang = vscode.env.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
    return `<!DOCTYPE html>
<html lang="${lang}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('dist', 'codicon.css')}">
<link rel="stylesheet" href="${asset('media', 'wizard.css')}">
<title>${vscode.l10n.t('ATB: Migrate Model')}</title>
</head>
<body>
<div id="busy" data-testid="busy" role="status" aria-live="polite" hidden></div>
<div id="error" data-testid="error" class="error" role="alert" hidden></div>
<main id="app" data-testid="wizard"></main>
<script nonce="${nonce}" src="${asset('dist', 'webview.js')}"></script>
</body>
</html>`;
  }
}
