import * as vscode from 'vscode';
import type { StringKey } from '../../webview/protocol';

/** The webview's text, localized here (vscode.l10n.t; Chinese in l10n/bundle.l10n.zh-cn.json). */
export function wizardStrings(): Record<StringKey, string> {
  return {
    title: vscode.l10n.t('Migrate Model to Torch-like Graph'),
    step1: vscode.l10n.t('Source'),
    step2: vscode.l10n.t('What we found'),
    step3: vscode.l10n.t('Target'),
    step4: vscode.l10n.t('Preview'),
    sourceHelp: vscode.l10n.t('Pick the transformers model folder (the one with config.json). Only metadata is read: config, index and safetensors headers, never tensor data.'),
    browse: vscode.l10n.t('Browse...'),
    detected: vscode.l10n.t('Detected in the workspace'),
    noDetected: vscode.l10n.t('No folder with a model config.json was found in the workspace.'),
    read: vscode.l10n.t('Read'),
    found: vscode.l10n.t('Property'),
    value: vscode.l10n.t('Value'),
    source: vscode.l10n.t('From'),
    problems: vscode.l10n.t('Problems'),
    noProblems: vscode.l10n.t('No problems.'),
    next: vscode.l10n.t('Next'),
    back: vscode.l10n.t('Back'),
    targetHelp: vscode.l10n.t('Choose where the package goes: the atb_llm/models folder of a MindIE-LLM checkout, or any output folder. Files go to <folder>/<model type>/.'),
    checkout: vscode.l10n.t('MindIE-LLM checkout'),
    folder: vscode.l10n.t('Output folder'),
    modelType: vscode.l10n.t('Model type name'),
    modelTypeHelp: vscode.l10n.t('Must equal config.json model_type for MindIE to find the package: lowercase letters, digits and _.'),
    threshold: vscode.l10n.t('Embedding parallel threshold (vocab size)'),
    fallback: vscode.l10n.t('Fallback (quant-disabled) layers, comma-separated'),
    lmHead: vscode.l10n.t('lm_head module'),
    lmHeadHelp: vscode.l10n.t('Leave empty to use the head found in the weights (or the embedding when tied).'),
    addToRouter: vscode.l10n.t("Add the model type to the base router's python-graph allow list (_check_llm_config_model_type)"),
    routerOnlyCheckout: vscode.l10n.t('Only offered when the target is a MindIE-LLM checkout (atb_llm/models/base/router.py).'),
    versionNote: vscode.l10n.t('MindIE-LLM accepts the python graph only for llama, qwen2 and qwen3. From master v3.0.0 the router forces the cpp graph; the last release where the python graph works unpatched is v3.0.0.beta.1.'),
    preview: vscode.l10n.t('Preview Changes'),
    previewHelp: vscode.l10n.t('The files open in the Refactor Preview: Apply writes them, Discard writes nothing.'),
    applied: vscode.l10n.t('The files were written.'),
    discarded: vscode.l10n.t('Nothing was written (the preview was discarded).'),
    openFiles: vscode.l10n.t('Open Generated Files'),
    invalidModelType: vscode.l10n.t('Use a lowercase Python identifier (letters, digits, _), not a keyword, without path separators.'),
    cannotGenerate: vscode.l10n.t('The folder has errors (see Problems): nothing can be generated from it.'),
  };
}
