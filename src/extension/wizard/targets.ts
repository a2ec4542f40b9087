/**
 * The wizard's generation targets as a data table: each entry says how it is labelled, which
 * MindIE-LLM versions it offers, and how it builds the previewed edit for the chosen folder. A new
 * target (e.g. ONNX) is one more entry here; the panel and the webview only iterate the table.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { generateCpp, MINDIE_VERSIONS, isMindieVersion, DEFAULT_MINDIE_VERSION } from '../../core/generate/cpp';
import type { Message } from '../../core/i18n';
import { readModelFolder, type Problem, type ReadResult } from '../../core/modelDir';
import { nodeFileReader } from '../../node/fileReader';
import type { TargetKindView } from '../../webview/protocol';
import { DEFAULT_SEQ_LENGTH } from '../../core/generate/onnx';
import { msg } from '../../core/i18n';
import { addPreviewFiles, buildOnnxPreviewEdit, buildPreviewEdit } from './edit';

export interface TargetBuildArgs {
  sourceDir: string;
  /** The folder chosen in the wizard: a checkout's atb_llm/models, or any output folder. */
  outDir: string;
  /** Defaults to config.json's model_type. */
  modelType?: string;
  version: string;
  /** torch-like options. */
  embeddingParallelThreshold?: number;
  fallbackLayers?: string[];
  lmHead?: string;
  /** ONNX options. */
  seqLength?: number;
  addToRouter: boolean;
  read?: ReadResult;
  needsConfirmation?: boolean;
}

export interface TargetBuild {
  edit: vscode.WorkspaceEdit;
  files: { path: string; contents: string }[];
  problems: Problem[];
  routerPath?: string;
  routerNewText?: string;
  /** Printed to the output channel and shown in the last step. */
  nextSteps: Message[];
}

export interface WizardTarget {
  id: string;
  label(): string;
  description(): string;
  versions: readonly string[];
  /** Extra option fields the Target step shows (see TargetKindView.fields). */
  fields?: readonly string[];
  build(args: TargetBuildArgs): Promise<TargetBuild>;
}

/** examples/atb_models of a checkout when the chosen folder is its atb_llm/models; else the folder itself. */
export function atbModelsRoot(outDir: string): string {
  const parent = path.dirname(outDir);
  return path.basename(outDir) === 'models' && path.basename(parent) === 'atb_llm' && fs.existsSync(path.join(path.dirname(parent), 'atb_framework')) ? path.dirname(parent) : outDir;
}

const torchLike: WizardTarget = {
  id: 'torch-like',
  label: () => vscode.l10n.t('Torch-like graph (Python)'),
  description: () => vscode.l10n.t("MindIE-LLM's python graph: flash_causal_<t>_v3.py and the atb_llm building blocks."),
  versions: [],
  async build(a) {
    const built = await buildPreviewEdit(a.sourceDir, { outDir: a.outDir, modelType: a.modelType || undefined, embeddingParallelThreshold: a.embeddingParallelThreshold, fallbackLayers: a.fallbackLayers, lmHead: a.lmHead }, a.addToRouter, a.read, a.needsConfirmation ?? true);
    return { ...built, nextSteps: [] };
  },
};

const cpp: WizardTarget = {
  id: 'cpp',
  label: () => vscode.l10n.t('C++ graph (atb_framework)'),
  description: () => vscode.l10n.t('A C++ model on MindIE-LLM base classes in atb_framework/models/<ns>/, plus the Python that drives it in atb_llm/models/<model type>/.'),
  versions: MINDIE_VERSIONS,
  async build(a) {
    const read = a.read ?? (await readModelFolder(nodeFileReader, a.sourceDir));
    const edit = new vscode.WorkspaceEdit();
    const problems: Problem[] = [...read.problems];
    if (!read.spec || read.problems.some((p) => p.severity === 'error')) return { edit, files: [], problems, nextSteps: [] };
    const version = isMindieVersion(a.version) ? a.version : DEFAULT_MINDIE_VERSION;
    const result = generateCpp(read.spec, { outRoot: atbModelsRoot(a.outDir), version, modelType: a.modelType || undefined });
    problems.push(...result.problems);
    if (!result.files.length) return { edit, files: [], problems, nextSteps: [] };
    addPreviewFiles(edit, result.files, (f) => f.rel, a.needsConfirmation ?? true);
    return { edit, files: result.files, problems, nextSteps: result.nextSteps };
  },
};

/** The TPU route: export_onnx.py + README.md in <folder>/<model folder>-onnx/. */
const onnx: WizardTarget = {
  id: 'onnx',
  label: () => vscode.l10n.t('ONNX for TPU (per-block export script)'),
  description: () => vscode.l10n.t('export_onnx.py and README.md go to <folder>/<model folder>-onnx/. Run the script in a Python with torch and transformers; it writes embedding, lm_head and one prefill and one decode block per layer for TPU-MLIR.'),
  versions: [],
  fields: ['seqLength'],
  async build(a) {
    const read = a.read ?? (await readModelFolder(nodeFileReader, a.sourceDir));
    const seqLength = a.seqLength ?? DEFAULT_SEQ_LENGTH;
    const built = buildOnnxPreviewEdit(read, path.join(a.outDir, `${path.basename(a.sourceDir)}-onnx`), seqLength, a.needsConfirmation ?? true);
    const script = built.files.find((f) => f.name === 'export_onnx.py');
    const nextSteps = script ? [msg('onnx.next.run', { script: script.path, modelDir: a.sourceDir, seqLength }), msg('onnx.next.compile', { seqLength })] : [];
    return { ...built, nextSteps };
  },
};

export const WIZARD_TARGETS: readonly WizardTarget[] = [torchLike, cpp, onnx];

export function targetById(id: string): WizardTarget | undefined {
  return WIZARD_TARGETS.find((t) => t.id === id);
}

export function targetKindViews(): TargetKindView[] {
  return WIZARD_TARGETS.map((t) => ({ id: t.id, label: t.label(), description: t.description(), versions: [...t.versions], ...(t.fields ? { fields: [...t.fields] } : {}) }));
}
