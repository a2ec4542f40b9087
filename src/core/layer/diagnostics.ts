/**
 * Real problems in an old-style layer, as DiagnosticData for the language server: counts that
 * disagree with the enum or the node list, tensor ids declared but unused or consumed but never
 * produced, and ATB params that current ATB no longer has.
 */
import type { DiagnosticData, Range } from '../common';
import { msg } from '../i18n';
import type { Node, Syntax } from '../syntax';
import { REMOVED_FIELDS, REMOVED_PARAM_TYPES } from '../quantize/catalog';
import { analyzeLayer, freeModel, ofType, type EntryKind, type FileKey, type LayerModel } from './model';
import '../quantize/messages';
import './messages';

function rangeOf(node: Node): Range {
  return {
    start: { line: node.startPosition.row, character: node.startPosition.column },
    end: { line: node.endPosition.row, character: node.endPosition.column },
  };
}

const KIND_OF_COUNT: Record<string, EntryKind | 'node'> = {
  IN: 'in',
  OUT: 'out',
  INTERMEDIATE: 'inter',
  INTERMIDATE: 'inter',
  INTERNAL: 'inter',
  NODE: 'node',
};

/**
 * Real problems in an old-style layer: IN_TENSOR_COUNT/INTERMEDIATE/OUT counts or NODE_COUNT
 * inconsistent with the enum / node list; tensor ids declared but never used, or used as node
 * inputs but never produced; ATB params removed from current ATB (MatmulParam,
 * LinearActivationParam, LinearParam::linearType) with a version note. Returns [] for files that
 * are not old-style layers.
 */
export function diagnoseLayer(syntax: Syntax, path: string, text: string, headerText?: string): DiagnosticData[] {
  if (!text || text.length > 2 * 1024 * 1024 || text.includes('\u0000')) return [];
  const isHeader = /\.(h|hpp|hh)$/i.test(path);
  let model: LayerModel | undefined;
  try {
    // A header alone can hold the enum and counts; the node checks need the .cpp.
    model = isHeader ? analyzeLayer(syntax, headerText ?? '', text) : analyzeLayer(syntax, text, headerText);
    const here: FileKey = isHeader ? 'h' : 'cpp';
    const out: DiagnosticData[] = [];
    const e = model.tensorEnum;
    const fn = model.layerFunction;
    if (!e || (!fn && e.file !== here)) return [];
    if (!fn && !model.counts.length) return [];
    const counts = { in: 0, out: 0, inter: 0 } as Record<EntryKind, number>;
    for (const entry of e.entries) counts[entry.kind]++;
    for (const c of model.counts) {
      if (c.file !== here || c.value === undefined) continue;
      const kind = KIND_OF_COUNT[c.name.split('_')[0]];
      if (kind === 'node') {
        if (fn && model.nodeRefs.length && c.value !== model.nodeRefs.length) {
          out.push({ range: rangeOf(c.valueNode), severity: 'error', code: 'atb.layer.count-mismatch', message: msg('layer.node-count-mismatch', { name: c.name, value: c.value, actual: model.nodeRefs.length }) });
        }
      } else if (kind && c.value !== counts[kind]) {
        out.push({ range: rangeOf(c.valueNode), severity: 'error', code: 'atb.layer.count-mismatch', message: msg(`layer.count-mismatch.${kind}`, { name: c.name, value: c.value, actual: counts[kind] }) });
      }
    }
    if (fn) {
      const used = new Map<string, number>();
      for (const f of [model.cpp, model.h]) {
        if (!f) continue;
        for (const id of ofType(f.tree.rootNode, ['identifier'])) {
          if (id.parent?.type === 'enumerator' && id.parent.childForFieldName('name')?.id === id.id) continue;
          used.set(id.text, (used.get(id.text) ?? 0) + 1);
        }
      }
      if (e.file === here) {
        for (const entry of e.entries) {
          if (!used.get(entry.name)) {
            out.push({ range: rangeOf(entry.node), severity: 'warning', code: 'atb.layer.unused-tensor', message: msg('layer.unused-tensor', { name: entry.name }) });
          }
        }
      }
      if (here === 'cpp') {
        const produced = new Set(model.nodes.flatMap((g) => g.outputs?.names ?? []));
        const kinds = new Map(e.entries.map((x) => [x.name, x.kind]));
        const reported = new Set<string>();
        for (const g of model.nodes) {
          for (const [i, name] of (g.inputs?.names ?? []).entries()) {
            if (kinds.get(name) === 'inter' && !produced.has(name) && !reported.has(name)) {
              reported.add(name);
              out.push({ range: rangeOf(g.inputs!.items[i]), severity: 'error', code: 'atb.layer.unproduced-tensor', message: msg('layer.unproduced-tensor', { name }) });
            }
          }
        }
      }
    }
    const file = here === 'cpp' ? model.cpp : model.h;
    if (file) {
      for (const t of ofType(file.tree.rootNode, ['type_identifier'])) {
        const replacement = REMOVED_PARAM_TYPES[t.text];
        if (replacement && t.parent?.type === 'qualified_identifier' && /infer\s*::/.test(t.parent.text)) {
          out.push({ range: rangeOf(t), severity: 'warning', code: 'atb.layer.removed-param', message: msg('layer.removed-param', { name: t.text, replacement }) });
        }
      }
      for (const { type, field } of REMOVED_FIELDS) {
        const vars = new Set([...model.paramVars.values()].flat().filter((v) => v.type.split('::').pop() === type).map((v) => v.name));
        for (const [name, list] of model.assignments) {
          if (!vars.has(name) || here !== 'cpp') continue;
          for (const a of list) {
            if (a.path === field) out.push({ range: rangeOf(a.statement), severity: 'information', code: 'atb.layer.removed-field', message: msg('layer.removed-field', { type, field }) });
          }
        }
      }
    }
    return out;
  } catch {
    return [];
  } finally {
    if (model) freeModel(model);
  }
}
