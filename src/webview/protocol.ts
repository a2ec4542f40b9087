/**
 * The wizard's messages in both directions, shared by the webview bundle and the extension.
 * Both sides validate what they receive with the guards below; the extension additionally checks
 * every path against what it offered (it never trusts a path from the webview).
 */

export interface FindingView {
  key: string;
  label: string;
  value: string;
  source: string;
}

export interface ProblemView {
  severity: 'error' | 'warning' | 'info';
  code: string;
  message: string;
  hint?: string;
}

export interface TargetChoice {
  /** Absolute folder files go under (<dir>/<modelType>/...). */
  dir: string;
  /** A MindIE-LLM checkout's atb_llm/models (router edit possible) or a plain output folder. */
  kind: 'checkout' | 'folder';
  label: string;
}

/** One entry of the extension's target table (src/extension/wizard/targets.ts). */
export interface TargetKindView {
  id: string;
  label: string;
  description: string;
  /** MindIE-LLM versions the target offers (empty: no choice). */
  versions: string[];
  /** Extra option fields the Target step shows for it ('seqLength' for ONNX). */
  fields?: string[];
}

export const DEFAULT_WIZARD_SEQ_LENGTH = 512;

export interface WizardOptions {
  /** Target id from the table ('torch-like', 'cpp', ...). */
  target: string;
  mindieVersion: string;
  /** ONNX target: static sequence length (absent in older saved states: 512). */
  seqLength?: number;
  modelType: string;
  embeddingParallelThreshold: number;
  fallbackLayers: string;
  lmHead: string;
  addToRouter: boolean;
}

/** What the webview keeps with setState and what the serializer restores. */
export interface WizardState {
  step: 1 | 2 | 3 | 4;
  sourceDir?: string;
  sourceCandidates: string[];
  findings: FindingView[];
  problems: ProblemView[];
  canGenerate: boolean;
  targets: TargetChoice[];
  targetDir?: string;
  targetKinds: TargetKindView[];
  options: WizardOptions;
  preview?: { applied: boolean; files: string[]; problems: ProblemView[]; nextSteps?: string[] };
}

export type ToWebview =
  | { type: 'init'; strings: Record<string, string>; state: WizardState }
  | { type: 'busy'; message: string }
  | { type: 'state'; state: WizardState }
  | { type: 'error'; message: string };

export type FromWebview =
  | { type: 'ready' }
  | { type: 'pickSource' }
  | { type: 'useSource'; dir: string }
  | { type: 'pickTarget' }
  | { type: 'useTarget'; dir: string }
  | { type: 'preview'; options: WizardOptions }
  | { type: 'openFiles' }
  | { type: 'back'; step: 1 | 2 | 3 }
  | { type: 'saveState'; state: WizardState };

const isString = (v: unknown, max = 4096): v is string => typeof v === 'string' && v.length <= max;
const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

export function isWizardOptions(v: unknown): v is WizardOptions {
  return (
    isObj(v) &&
    isString(v.target, 40) &&
    isString(v.mindieVersion, 40) &&
    isString(v.modelType, 200) &&
    typeof v.embeddingParallelThreshold === 'number' &&
    Number.isFinite(v.embeddingParallelThreshold) &&
    isString(v.fallbackLayers, 4096) &&
    isString(v.lmHead, 400) &&
    typeof v.addToRouter === 'boolean' &&
    (v.seqLength === undefined || (typeof v.seqLength === 'number' && Number.isFinite(v.seqLength)))
  );
}

export function isWizardState(v: unknown): v is WizardState {
  return (
    isObj(v) &&
    [1, 2, 3, 4].includes(v.step as number) &&
    Array.isArray(v.sourceCandidates) &&
    Array.isArray(v.findings) &&
    Array.isArray(v.problems) &&
    Array.isArray(v.targets) &&
    Array.isArray(v.targetKinds) &&
    typeof v.canGenerate === 'boolean' &&
    isWizardOptions(v.options)
  );
}

export function isFromWebview(v: unknown): v is FromWebview {
  if (!isObj(v) || typeof v.type !== 'string') return false;
  switch (v.type) {
    case 'ready':
    case 'pickSource':
    case 'pickTarget':
    case 'openFiles':
      return true;
    case 'useSource':
    case 'useTarget':
      return isString(v.dir);
    case 'preview':
      return isWizardOptions(v.options);
    case 'back':
      return v.step === 1 || v.step === 2 || v.step === 3;
    case 'saveState':
      return isWizardState(v.state);
    default:
      return false;
  }
}

export function isToWebview(v: unknown): v is ToWebview {
  if (!isObj(v) || typeof v.type !== 'string') return false;
  switch (v.type) {
    case 'init':
      return isObj(v.strings) && isWizardState(v.state);
    case 'state':
      return isWizardState(v.state);
    case 'busy':
    case 'error':
      return isString(v.message, 100000);
    default:
      return false;
  }
}

export function initialState(): WizardState {
  return {
    step: 1,
    sourceCandidates: [],
    findings: [],
    problems: [],
    canGenerate: false,
    targets: [],
    targetKinds: [],
    options: { target: 'torch-like', mindieVersion: 'v3.0.0', seqLength: DEFAULT_WIZARD_SEQ_LENGTH, modelType: '', embeddingParallelThreshold: 152064, fallbackLayers: 'lm_head', lmHead: '', addToRouter: false },
  };
}

/** Keys of the strings the extension localizes (vscode.l10n.t) and passes in with `init`. */
export const STRING_KEYS = [
  'title',
  'step1',
  'step2',
  'step3',
  'step4',
  'sourceHelp',
  'browse',
  'detected',
  'noDetected',
  'read',
  'found',
  'value',
  'source',
  'problems',
  'noProblems',
  'next',
  'back',
  'targetHelp',
  'checkout',
  'folder',
  'modelType',
  'modelTypeHelp',
  'threshold',
  'fallback',
  'lmHead',
  'lmHeadHelp',
  'addToRouter',
  'routerOnlyCheckout',
  'versionNote',
  'preview',
  'previewHelp',
  'applied',
  'discarded',
  'openFiles',
  'invalidModelType',
  'cannotGenerate',
  'targetKind',
  'mindieVersion',
  'nextSteps',
  'seqLength',
  'seqLengthHelp',
  'invalidSeqLength',
] as const;
export type StringKey = (typeof STRING_KEYS)[number];
