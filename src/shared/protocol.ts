/**
 * The custom requests between the extension (client) and the language server, in one place.
 *
 * Only plain JSON shapes live here: no `vscode`, no jsonrpc classes (the client and the server
 * bundle different vscode-jsonrpc versions, so a `RequestType` object from one would not be the
 * other's). Each request is a method name plus its param/result types; `Request<P, R>` carries
 * them so both sides stay in step.
 */
import type { Range } from '../core/common';
import type { QuantMode, QuantizeReport } from '../core/quantize';

/** A request's method name, with its param and result types attached for the compiler only. */
export interface Request<P, R> {
  readonly method: string;
  /** Never set; lets `P` and `R` be inferred from the constant. */
  readonly _types?: [P, R];
}
function request<P, R>(method: string): Request<P, R> {
  return { method };
}

export type { QuantMode };
/** `host`: done by MindIE in Python on the host (position ids, masks, cos/sin tables); never a diagnostic. */
export type Verdict = 'native' | 'fused' | 'view' | 'host' | 'unsupported';
export type VerdictCounts = Record<Verdict, number>;

/** `initializationOptions` the client sends. */
export interface InitializationOptions {
  /** The UI language (`vscode.env.language`, e.g. `en`, `zh-cn`); server messages follow it. */
  locale?: string;
}

/** The `atbMigrate` settings the server reads (workspace/configuration, section `atbMigrate`). */
export interface ServerSettings {
  analysis: { modelFileGlobs: string[]; detectModuleSubclasses: boolean; reportFused: boolean };
  layers: { diagnostics: boolean };
}
export const DEFAULT_SETTINGS: ServerSettings = {
  analysis: { modelFileGlobs: ['**/modeling_*.py'], detectModuleSubclasses: true, reportFused: false },
  layers: { diagnostics: true },
};

// ---- atb/analyze -------------------------------------------------------------------------------

export interface AnalyzeParams {
  /** A Python file or a model folder. */
  uri: string;
}

export interface OperatorUseData {
  id: string;
  name: string;
  kind: string;
  verdict: Verdict;
  atbOp?: string;
  catalogId?: string;
  /** Localized one-line reason. */
  reason: string;
  /** Link to the catalogue entry, when there is one. */
  href?: string;
  uri: string;
  range: Range;
  owner: string;
}

export interface ModuleNodeData {
  name: string;
  className?: string;
  kind: 'model' | 'module' | 'layers' | 'op';
  repeat?: number;
  children: ModuleNodeData[];
  uses: OperatorUseData[];
  uri?: string;
  range?: Range;
  counts: VerdictCounts;
}

/** The readiness summary shown at the top of the Operator Support view (strings localized by the server). */
export interface ReadinessData {
  counts: VerdictCounts;
  /** The decoder parts line and the generators line, ready to show. */
  lines: string[];
  parts: { part: string; variant?: string; status: 'atb' | 'partial' | 'absent'; label: string; atbOps: string[]; unsupported: string[] }[];
  targets: { target: string; status: 'supported' | 'refused' | 'unknown'; label: string; reasons: string[] }[];
}

export interface AnalyzeResult {
  uri: string;
  /** False when the file/folder holds no model code (the tree view then shows its welcome). */
  isModelCode: boolean;
  modelClasses: string[];
  root?: ModuleNodeData;
  totals: VerdictCounts;
  /** Counts, decoder parts on ATB building blocks, generator support per target (model code only). */
  summary?: ReadinessData;
  /** Localized notes (e.g. files skipped, no config.json). */
  notes: string[];
}

export const Analyze = request<AnalyzeParams, AnalyzeResult>('atb/analyze');

// ---- atb/exportReport --------------------------------------------------------------------------

export interface ExportReportParams {
  /** The analyzed file or folder. */
  uri: string;
  /** Folder the report files go into (absolute file-system path). */
  outDir: string;
}

export interface GeneratedFileData {
  /** `file:` URI of the proposed file. */
  uri: string;
  contents: string;
  /** True when a file is already there (the edit replaces it). */
  exists: boolean;
}

export interface ExportReportResult {
  files: GeneratedFileData[];
  /** Set when nothing can be reported; localized. */
  refusal?: string;
}

export const ExportReport = request<ExportReportParams, ExportReportResult>('atb/exportReport');

// ---- atb/quantize ------------------------------------------------------------------------------

export interface QuantizeParams {
  /** `.cpp` / `.h` files or folders. */
  uris: string[];
  mode: QuantMode;
}

export interface QuantizeReportData extends QuantizeReport {
  /** Localized one-line summary. */
  summary: string;
}

export interface RefusalData {
  uri?: string;
  code: string;
  /** Localized. */
  message: string;
}

export interface QuantizeResult {
  files: GeneratedFileData[];
  reports: QuantizeReportData[];
  refusals: RefusalData[];
  skipped: { uri: string; reason: string }[];
}

export const Quantize = request<QuantizeParams, QuantizeResult>('atb/quantize');

// ---- atb/stats ---------------------------------------------------------------------------------

export interface StatsResult {
  rss: number;
  heapUsed: number;
  external: number;
  /** Open documents the server keeps a syntax tree for. */
  trees: number;
  documents: number;
  /** Parses that reused the previous tree (tree.edit + parse(text, oldTree)), summed over open documents. */
  incrementalParses: number;
}

export const Stats = request<null, StatsResult>('atb/stats');

/** Data attached to code actions the server resolves lazily (codeAction/resolve). */
export type CodeActionData =
  | { kind: 'quantize'; uri: string; mode: QuantMode }
  | { kind: 'declareSupported'; uri: string; useId: string };

/** Code action kinds, so the client and the tests name them the same way. */
export const QUANTIZE_KIND: Record<QuantMode, string> = {
  w8a8: 'refactor.rewrite.atb.quantize.w8a8',
  w8a8sc: 'refactor.rewrite.atb.quantize.w8a8sc',
};

/** Code action kinds of the static-shape attention edits (TPU-MLIR) on Python modeling files. */
export const STATIC_SHAPE_KIND = {
  layout: 'refactor.rewrite.atb.staticShape.layout',
  'pretraining-tp': 'refactor.rewrite.atb.staticShape.pretrainingTp',
  all: 'refactor.rewrite.atb.staticShape.all',
} as const;

/** Name of the workspace override file for the operator catalogue. */
export const OVERRIDE_FILE = '.atb-migrate.yaml';

// ---- atb/catalogEntry --------------------------------------------------------------------------

/** Where a catalogue entry is defined (built-in operators.yaml or the workspace override). */
export interface CatalogEntryLocation {
  uri: string;
  /** Zero-based line of the entry. */
  line: number;
}

/** Diagnostics link to `command:atb-migrate.showCatalogEntry?["<id>"]`; the command asks this. */
export const CatalogEntry = request<{ id: string }, CatalogEntryLocation | null>('atb/catalogEntry');
