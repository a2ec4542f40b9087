/**
 * Reports in the formats of msit's `msit llm transform -a` so existing consumers read ours:
 * `<ModelClass>/<ModelClass>.json` (module tree, repeated layers folded) and
 * `<ModelClass>/<ModelClass>_operators.csv` (msit's seven columns, then ours: verdict, file, line).
 */
import type { Verdict } from '../catalog';
import type { GeneratedFile } from '../common';
import { countUses } from './analyze';
import type { AnalysisResult, FolderAnalysis, ModuleNode, OpUse } from './types';

type Input = AnalysisResult | FolderAnalysis;

function resultOf(input: Input): AnalysisResult {
  return 'result' in input ? input.result : input;
}

export function modelClassOf(input: Input): string {
  if ('result' in input) return input.modelClass;
  return input.modelClasses[0] ?? input.root?.className ?? 'Model';
}

/** Characters that cannot be in a report directory name. */
function safeName(name: string): string {
  return name.replace(/[^\w.-]+/g, '_') || 'Model';
}

type MsitNode = Record<string, unknown>;

function functionNode(use: OpUse): MsitNode {
  return {
    name: use.name,
    kind: 'function',
    input_param: use.args?.keywords ?? {},
    input_node: use.args?.positional ?? [],
    atb_op: use.atbOp ?? null,
    verdict: use.verdict,
    line: use.range.start.line + 1,
  };
}

function moduleJson(node: ModuleNode): MsitNode {
  if (node.kind === 'layers') {
    const block = node.children.length === 1 && node.children[0].kind !== 'op' ? blockChildren(node.children[0]) : node.children.map(moduleJson);
    return { name: node.name, kind: 'Layers', repeat_count: node.repeat ?? 1, repeat_block: block };
  }
  if (node.kind === 'op') {
    const declaration = node.uses[0];
    return {
      name: node.name,
      kind: node.className ?? node.name,
      children: [],
      input_node: declaration?.args?.positional ?? [],
      atb_op: declaration?.atbOp ?? null,
      verdict: declaration?.verdict ?? 'unsupported',
      ...(declaration?.range ? { line: declaration.range.start.line + 1 } : {}),
    };
  }
  return { name: node.name, kind: node.className ?? node.name, children: blockChildren(node), input_node: [] };
}

function blockChildren(node: ModuleNode): MsitNode[] {
  return [...node.children.map(moduleJson), ...node.uses.map(functionNode)];
}

/** The msit-style module tree; with a readiness summary, a `summary` object beside `children`. */
export function msitTree(input: Input, summary?: Record<string, unknown>): MsitNode {
  const result = resultOf(input);
  const root = result.root;
  return { name: modelClassOf(input), ...(summary ? { summary } : {}), children: root ? blockChildren(root) : [] };
}

export function toMsitJson(input: Input, summary?: Record<string, unknown>): { fileName: string; contents: string } {
  const name = safeName(modelClassOf(input));
  return { fileName: `${name}/${name}.json`, contents: JSON.stringify(msitTree(input, summary), null, 2) + '\n' };
}

export const CSV_COLUMNS = ['ori_op_name', 'ori_op_type', 'op_name', 'op_type', 'soc_type', 'engine', 'is_supported', 'verdict', 'file', 'line'] as const;

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One row per use (each once), named by its place in the module tree. */
export function toOperatorsCsv(input: Input): { fileName: string; contents: string } {
  const name = safeName(modelClassOf(input));
  const result = resultOf(input);
  const rows: string[][] = [];
  const seen = new Set<string>();
  // A layers node's block carries the layers' own name; it adds nothing to the path.
  const visit = (node: ModuleNode, prefix: string, transparent = false) => {
    const here = node.kind === 'model' || transparent ? prefix : prefix ? `${prefix}.${node.name}` : node.name;
    for (const use of node.uses) {
      if (seen.has(use.id)) continue;
      seen.add(use.id);
      const qualified = node.kind === 'op' ? here : `${here || modelClassOf(input)}/${use.name}`;
      rows.push(row(qualified, use, result.path));
    }
    for (const child of node.children) visit(child, here, node.kind === 'layers' && child.kind !== 'op');
  };
  if (result.root) visit(result.root, '');
  // Uses outside the tree (classes not reached from the model class) still belong in the report.
  for (const use of result.uses) {
    if (seen.has(use.id)) continue;
    seen.add(use.id);
    rows.push(row(`${use.owner}/${use.name}`, use, result.path));
  }
  const lines = [CSV_COLUMNS.join(','), ...rows.map((r) => r.map(csvField).join(','))];
  return { fileName: `${name}/${name}_operators.csv`, contents: lines.join('\n') + '\n' };
}

function row(qualified: string, use: OpUse, path: string): string[] {
  const supported = use.verdict !== 'unsupported';
  // Host work is supported (MindIE does it in Python) but runs on no NPU engine and is no ATB op.
  const host = use.verdict === 'host';
  const atbOp = host ? undefined : use.atbOp;
  return [
    qualified,
    use.name,
    atbOp ? `${atbOp}Operation` : '',
    atbOp ?? '',
    'Ascend910',
    host ? 'HOST' : supported ? 'AICORE' : 'UNKNOWN',
    supported ? 'TRUE' : 'FALSE',
    use.verdict,
    use.path ?? path,
    String(use.range.start.line + 1),
  ];
}

/** Both reports as files under `outDir` (`<outDir>/<ModelClass>/...`). */
export function toReports(input: Input, outDir: string, formats: readonly ('json' | 'csv')[] = ['json', 'csv'], summary?: Record<string, unknown>): GeneratedFile[] {
  const sep = outDir.endsWith('/') || outDir.endsWith('\\') ? '' : '/';
  const files: GeneratedFile[] = [];
  if (formats.includes('json')) {
    const f = toMsitJson(input, summary);
    files.push({ path: outDir + sep + f.fileName, contents: f.contents });
  }
  if (formats.includes('csv')) {
    const f = toOperatorsCsv(input);
    files.push({ path: outDir + sep + f.fileName, contents: f.contents });
  }
  return files;
}

export interface AnalysisSummary {
  modelClass: string;
  counts: Record<Verdict, number>;
  unsupported: OpUse[];
}

export function summarize(input: Input): AnalysisSummary {
  const result = resultOf(input);
  return { modelClass: modelClassOf(input), counts: countUses(result.uses), unsupported: result.uses.filter((u) => u.verdict === 'unsupported') };
}
