/**
 * Turns the generator's output into a WorkspaceEdit whose entries need confirmation, so applying
 * it opens the Refactor Preview (Apply writes, Discard writes nothing). Shared by the panel and
 * the test seam `atb-migrate.wizard.previewForTest`.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { generateV3, routerAllowListEdit, useSyntax, type GenerateOptions, type GeneratedV3File } from '../../core/generate';
import { generateOnnx, type GeneratedOnnxFile } from '../../core/generate/onnx';
import { formatMessage, toLocale, type Message } from '../../core/i18n';
import { readModelFolder, type Finding, type Problem, type ReadResult } from '../../core/modelDir';
import { nodeFileReader } from '../../node/fileReader';
import { loadNodeFamilies } from '../../node/families';
import { nodeSyntax } from '../../node/syntax';
import '../../core/messages';

export const text = (m: Message) => formatMessage(m, toLocale(vscode.env.language));

/**
 * Adds each generated file as a create-or-replace entry of the Refactor Preview, described as new
 * or replacing, so the wizard's targets label their files the same way.
 */
export function addPreviewFiles<F extends { path: string; contents: string; description: Message }>(
  edit: vscode.WorkspaceEdit,
  files: readonly F[],
  label: (file: F) => string,
  needsConfirmation: boolean,
): void {
  const replaces = vscode.l10n.t('replaces the existing file');
  const creates = vscode.l10n.t('new file');
  for (const file of files) {
    edit.createFile(
      vscode.Uri.file(file.path),
      { contents: Buffer.from(file.contents, 'utf8'), overwrite: true },
      { needsConfirmation, label: label(file), description: `${text(file.description)} (${fs.existsSync(file.path) ? replaces : creates})` },
    );
  }
}

export async function readWithProgress(modelDir: string): Promise<ReadResult> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Reading the model folder'), cancellable: false },
    (progress) => readModelFolder(nodeFileReader, modelDir, (m) => progress.report({ message: text(m) }), { families: workspaceFamilies(modelDir) }),
  );
}

/** The family catalogue with the `families:` of the model's workspace folder (trusted workspaces only). */
export function workspaceFamilies(modelDir: string): ReturnType<typeof loadNodeFamilies> {
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(modelDir));
  return loadNodeFamilies(vscode.workspace.isTrusted && folder ? folder.uri.fsPath : undefined);
}

/** The MindIE-LLM base router next to an atb_llm/models target, when there is one. */
export function routerPathFor(outDir: string): string | undefined {
  const router = path.join(outDir, 'base', 'router.py');
  return fs.existsSync(router) ? router : undefined;
}

export interface PreviewEdit {
  edit: vscode.WorkspaceEdit;
  files: GeneratedV3File[];
  problems: Problem[];
  findings: Finding[];
  routerPath?: string;
  /** router.py after the allow-list edit (applyEdit leaves it as an unsaved buffer; the panel saves it). */
  routerNewText?: string;
}

/** `needsConfirmation: false` is only for tests that apply the edit without the Refactor Preview. */
export async function buildPreviewEdit(modelDir: string, options: GenerateOptions, addToRouter: boolean, read?: ReadResult, needsConfirmation = true): Promise<PreviewEdit> {
  const result = read ?? (await readModelFolder(nodeFileReader, modelDir, undefined, { families: workspaceFamilies(modelDir) }));
  const problems: Problem[] = [...result.problems];
  const edit = new vscode.WorkspaceEdit();
  if (!result.spec || result.problems.some((p) => p.severity === 'error')) {
    return { edit, files: [], problems, findings: result.findings };
  }
  const generated = generateV3(result.spec, options);
  problems.push(...generated.problems);
  if (generated.problems.some((p) => p.severity === 'error')) return { edit, files: [], problems, findings: result.findings };

  addPreviewFiles(edit, generated.files, (f) => f.name, needsConfirmation);

  let routerPath: string | undefined;
  let routerNewText: string | undefined;
  if (addToRouter) {
    routerPath = routerPathFor(options.outDir);
    if (routerPath) {
      useSyntax(await nodeSyntax());
      const before = fs.readFileSync(routerPath, 'utf8');
      const modelType = options.modelType ?? result.spec.modelType;
      const change = routerAllowListEdit(before, modelType);
      if ('problem' in change) problems.push(change.problem);
      else {
        problems.push(...(change.problems ?? []));
        routerNewText = change.newText;
        const doc = vscode.Uri.file(routerPath);
        const lines = before.split('\n');
        const end = new vscode.Position(lines.length - 1, lines[lines.length - 1].length);
        edit.replace(doc, new vscode.Range(new vscode.Position(0, 0), end), change.newText, {
          needsConfirmation,
          label: text({ code: 'generate.router.label', args: { modelType } }),
          description: 'atb_llm/models/base/router.py',
        });
      }
    }
  }
  return { edit, files: generated.files, problems, findings: result.findings, routerPath, routerNewText };
}

/** The ONNX (TPU) target's files as a WorkspaceEdit whose entries need confirmation. */
export function buildOnnxPreviewEdit(read: ReadResult, outDir: string, seqLength: number, needsConfirmation = true): { edit: vscode.WorkspaceEdit; files: GeneratedOnnxFile[]; problems: Problem[] } {
  const problems: Problem[] = [...read.problems.filter((p) => p.severity === 'error')];
  const edit = new vscode.WorkspaceEdit();
  if (!read.spec || problems.length) return { edit, files: [], problems };
  const generated = generateOnnx(read.spec, { outDir, seqLength, locale: toLocale(vscode.env.language) });
  problems.push(...generated.problems);
  addPreviewFiles(edit, generated.files, (f) => f.name, needsConfirmation);
  return { edit, files: generated.files, problems };
}
