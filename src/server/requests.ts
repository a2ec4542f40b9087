/**
 * The custom requests of src/shared/protocol.ts: analyze (tree view data), export report,
 * quantize (files or folders), stats (memory, for the bench).
 */
import * as fs from 'fs';
import * as path from 'path';
import { msg } from '../core/i18n';
import { nodeFileReader } from '../node/fileReader';
import type {
  AnalyzeParams,
  CatalogEntryLocation,
  AnalyzeResult,
  ExportReportParams,
  ExportReportResult,
  GeneratedFileData,
  ModuleNodeData,
  OperatorUseData,
  QuantizeParams,
  QuantizeResult,
  StatsResult,
  VerdictCounts,
} from '../shared/protocol';
import { analyzeDocument, analyzeFolder, builtinCatalogPath, quantize, readinessData, readinessReportJson, toReports, type AnalysisResult, type FolderAnalysis, type OpUse } from './engine';
import { catalogHref } from '../core/catalog';
import { analyzeOpenDocument } from './modelAnalysis';
import { openDocumentFor, overlayReader, pathToUri, t, uriToPath, type ServerContext } from './context';

type ModuleNode = NonNullable<AnalysisResult['root']>;

function emptyCounts(): VerdictCounts {
  return { native: 0, fused: 0, view: 0, host: 0, unsupported: 0 };
}

function useData(ctx: ServerContext, use: OpUse, uri: string): OperatorUseData {
  return {
    id: use.id,
    name: use.name,
    kind: String(use.kind),
    verdict: use.verdict,
    atbOp: use.atbOp,
    catalogId: use.catalogId,
    reason: t(ctx, use.reason),
    href: use.catalogId ? catalogHref(use.catalogId) : undefined,
    uri,
    range: use.range,
    owner: use.owner,
  };
}

function nodeData(ctx: ServerContext, node: ModuleNode, uri: string): ModuleNodeData {
  // Folder analyses span files: a node lives where its first use is.
  const first = node.uses.find((u) => u.path)?.path;
  const nodeUri = first ? pathToUri(first) : uri;
  return {
    name: node.name,
    className: node.className,
    kind: node.kind,
    repeat: node.repeat,
    children: node.children.map((c) => nodeData(ctx, c, nodeUri)),
    uses: node.uses.map((u) => useData(ctx, u, u.path ? pathToUri(u.path) : nodeUri)),
    uri: nodeUri,
    range: node.range,
    counts: { ...emptyCounts(), ...node.counts },
  };
}

function totalsOf(uses: OpUse[]): VerdictCounts {
  const totals = emptyCounts();
  for (const u of uses) totals[u.verdict]++;
  return totals;
}

/** Analysis of one Python file: the open document's tree when it is open, else a fresh parse. */
async function analyzeFile(ctx: ServerContext, file: string): Promise<AnalysisResult | undefined> {
  const open = openDocumentFor(ctx, file);
  if (open?.tree) return analyzeOpenDocument(ctx, open);
  const text = open ? open.document.getText() : await nodeFileReader.readText(file);
  if (text === undefined) return undefined;
  const parser = ctx.syntax.parser('python');
  const tree = parser.parse(text);
  try {
    return tree ? analyzeDocument(tree, text, file, ctx.catalog.catalog, ctx.settings.analysis.reportFused) : undefined;
  } finally {
    tree?.delete();
    parser.delete();
  }
}

type Target = { kind: 'file'; file: string; result: AnalysisResult } | { kind: 'folder'; dir: string; folder: FolderAnalysis };

async function analyzeTarget(ctx: ServerContext, uri: string): Promise<Target | string> {
  const file = uriToPath(uri);
  const stat = file ? await fs.promises.stat(file).catch(() => undefined) : undefined;
  if (!file || !stat) return t(ctx, msg('server.notAFile', { path: file ?? uri }));
  if (stat.isDirectory()) {
    return { kind: 'folder', dir: file, folder: await analyzeFolder(ctx.syntax, ctx.catalog.catalog, overlayReader(ctx), file) };
  }
  const result = await analyzeFile(ctx, file);
  return result ? { kind: 'file', file, result } : t(ctx, msg('server.notAFile', { path: file }));
}

export async function handleAnalyze(ctx: ServerContext, params: AnalyzeParams): Promise<AnalyzeResult> {
  const target = await analyzeTarget(ctx, params.uri);
  if (typeof target === 'string') {
    return { uri: params.uri, isModelCode: false, modelClasses: [], totals: emptyCounts(), notes: [target] };
  }
  const result = target.kind === 'file' ? target.result : target.folder.result;
  const notes = result.notes.map((n) => t(ctx, n));
  if (target.kind === 'folder') {
    notes.push(...target.folder.notes.map((n) => t(ctx, n)));
    for (const p of target.folder.problems) {
      const file = (p.data as { file?: string } | undefined)?.file;
      notes.push(`${file ? path.basename(file) + ':' + (p.range.start.line + 1) + ': ' : ''}${t(ctx, p.message)}`);
    }
  }
  const root = result.root ? nodeData(ctx, result.root, pathToUri(result.path)) : undefined;
  if (!result.isModelCode && !root) notes.push(t(ctx, msg('server.analysis.noModel', { path: result.path })));
  const summary = root ? await readinessData(target.kind === 'file' ? target.result : target.folder, overlayReader(ctx), ctx.locale) : undefined;
  return {
    uri: params.uri,
    isModelCode: result.isModelCode || root !== undefined,
    modelClasses: result.modelClasses,
    root,
    totals: totalsOf(result.uses),
    ...(summary ? { summary } : {}),
    notes,
  };
}

export async function handleExportReport(ctx: ServerContext, params: ExportReportParams): Promise<ExportReportResult> {
  const target = await analyzeTarget(ctx, params.uri);
  if (typeof target === 'string') return { files: [], refusal: target };
  const result = target.kind === 'file' ? target.result : target.folder.result;
  if (!result.root || typeof params.outDir !== 'string' || !path.isAbsolute(params.outDir)) {
    return { files: [], refusal: t(ctx, msg('server.report.nothing', { path: result.path })) };
  }
  const input = target.kind === 'file' ? target.result : target.folder;
  const files = toReports(input, params.outDir, ['json', 'csv'], await readinessReportJson(input, overlayReader(ctx), ctx.locale));
  return { files: files.map(fileData) };
}

function fileData(file: { path: string; contents: string }): GeneratedFileData {
  return { uri: pathToUri(file.path), contents: file.contents, exists: fs.existsSync(file.path) };
}

export async function handleQuantize(ctx: ServerContext, params: QuantizeParams): Promise<QuantizeResult> {
  const paths = params.uris.map((u) => uriToPath(u)).filter((p): p is string => p !== undefined);
  const { results, skipped } = await quantize(ctx.syntax, overlayReader(ctx), paths, params.mode);
  const out: QuantizeResult = { files: [], reports: [], refusals: [], skipped: [] };
  for (const { input, outcome } of results) {
    if (outcome.ok) {
      out.files.push(...outcome.files.map(fileData));
      const r = outcome.report;
      out.reports.push({
        ...r,
        // Notes (e.g. fields the model code must set) ride on the summary the extension logs.
        summary: [t(ctx, msg('server.quantize.summary', { input: path.basename(r.input), outputs: r.outputs.map((o) => path.basename(o)).join(', '), added: r.addedTensors.length })), ...r.notes.map((n) => t(ctx, n))].join(' '),
      });
    } else {
      out.refusals.push({ uri: pathToUri(outcome.refusal.path ?? input), code: outcome.refusal.code, message: t(ctx, outcome.refusal.message) });
    }
  }
  for (const s of skipped) out.skipped.push({ uri: pathToUri(s.path), reason: t(ctx, s.reason) });
  return out;
}

export function handleCatalogEntry(ctx: ServerContext, params: { id: string }): CatalogEntryLocation | null {
  const entry = ctx.catalog.catalog.byId(String(params?.id));
  if (!entry) return null;
  const file = entry.origin === 'workspace' ? ctx.catalog.catalog.overridePath : builtinCatalogPath();
  return file ? { uri: pathToUri(file), line: entry.line } : null;
}

export function handleStats(ctx: ServerContext): StatsResult {
  const m = process.memoryUsage();
  const docs = ctx.docs.all();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, documents: docs.length, trees: docs.filter((d) => d.tree).length, incrementalParses: docs.reduce((n, d) => n + d.incrementalParses, 0) };
}
