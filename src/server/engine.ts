/**
 * The server's one door into the engine (src/core). Everything the language server asks of
 * quantize / layer / analysis / catalog goes through here, so the LSP code below never depends
 * on more of the engine than these few calls.
 */
import * as path from 'path';
import type { DiagnosticData, FileReader } from '../core/common';
import type { Syntax, Tree } from '../core/syntax';
import { loadCatalog, declareSupported } from '../core/catalog';
import { analyzeTree, analyzeModelFolder, looksLikeModelCode, readiness, readinessJson, readinessLines, toReports, type AnalysisResult, type FolderAnalysis, type OpUse } from '../core/analysis';
import { formatMessage, msg, type Locale } from '../core/i18n';
import type { ReadinessData } from '../shared/protocol';
import '../node/families';
import { quantizePaths, type QuantMode, type QuantizeOutcome } from '../core/quantize';
import { diagnoseLayer } from '../core/layer/diagnostics';
import { builtinCatalogPath as nodeBuiltinCatalogPath, readBuiltinCatalog } from '../node/catalogFile';
import type { Message } from '../core/i18n';

export type { AnalysisResult, FolderAnalysis, OpUse, QuantMode, QuantizeOutcome };
export type Catalog = ReturnType<typeof loadCatalog>['catalog'];

export interface CatalogState {
  catalog: Catalog;
  /** Problems of the workspace override file (schema, YAML syntax), with its path. */
  problems: DiagnosticData[];
}

let builtin: { path: string; text: string } | undefined;

/** The shipped operators.yaml (located by src/node/catalogFile.ts: dist/ when bundled, the source tree otherwise). */
export function builtinCatalogPath(): string | undefined {
  return builtin?.path ?? nodeBuiltinCatalogPath();
}

export function loadWorkspaceCatalog(override: { path: string; text: string } | undefined): CatalogState {
  builtin ??= readBuiltinCatalog();
  const { catalog, problems } = loadCatalog(builtin.text, override);
  // Only the override's own problems belong on the user's file.
  const own = problems.filter((p) => (p.data as { file?: string } | undefined)?.file !== 'builtin');
  return { catalog, problems: own };
}

export function analyzeDocument(tree: Tree, text: string, file: string, catalog: Catalog, reportFused: boolean): AnalysisResult {
  return analyzeTree(tree, text, file, catalog, { reportFused });
}

export function isModelCode(tree: Tree): boolean {
  return looksLikeModelCode(tree);
}

export function analyzeFolder(syntax: Syntax, catalog: Catalog, reader: FileReader, dir: string): Promise<FolderAnalysis> {
  return analyzeModelFolder(syntax, catalog, reader, dir);
}

export function declareOperatorSupported(overrideText: string | undefined, use: OpUse): string {
  return declareSupported(overrideText, use);
}

export async function quantize(
  syntax: Syntax,
  reader: FileReader,
  paths: string[],
  mode: QuantMode,
): Promise<{ results: { input: string; outcome: QuantizeOutcome }[]; skipped: { path: string; reason: Message }[] }> {
  return quantizePaths(syntax, reader, paths, mode);
}

export function layerDiagnostics(syntax: Syntax, file: string, text: string, headerText: string | undefined): DiagnosticData[] {
  return diagnoseLayer(syntax, file, text, headerText);
}

export { toReports };

/** The readiness summary for the Operator Support view, localized. */
export async function readinessData(input: AnalysisResult | FolderAnalysis, reader: FileReader, locale: Locale): Promise<ReadinessData> {
  const s = await readiness(input, reader);
  const t = (code: string, args?: Record<string, string | number>) => formatMessage(msg(code, args), locale);
  return {
    counts: s.counts,
    lines: readinessLines(s, locale).slice(1),
    parts: s.parts.map((p) => ({ part: p.part, ...(p.variant ? { variant: p.variant } : {}), status: p.status, label: t(`analysis.readiness.part.${p.variant ?? p.part}`), atbOps: p.atbOps, unsupported: p.unsupported })),
    targets: s.targets.map((x) => ({ target: x.target, status: x.status, label: t(`analysis.readiness.target.${x.target}`), reasons: x.reason ? [formatMessage(x.reason, locale)] : x.refused.map((r) => formatMessage(r.reason, locale)) })),
  };
}

/** The `summary` object of the exported `<ModelClass>.json`. */
export async function readinessReportJson(input: AnalysisResult | FolderAnalysis, reader: FileReader, locale: Locale): Promise<Record<string, unknown>> {
  return readinessJson(await readiness(input, reader), locale);
}

export function sibling(file: string, ext: string): string {
  return path.join(path.dirname(file), path.basename(file, path.extname(file)) + ext);
}
