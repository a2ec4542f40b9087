/**
 * A layer without a tensor-id enum of its own that wires the enum of a header it includes (deepseek
 * dense's layer without experts uses the MoE layer's 147-input enum): the enum is copied next to
 * the layer's counts, in the same namespace, and that include dropped, so the quant layer can add
 * inputs to an enum of its own and float, quant and the other header still build together.
 */
import type { Node, Syntax } from '../syntax';
import { enclosingStatement, findEnum, firstSyntaxError, identifiersNamed, ofType, parseFile, type LayerModel, type SourceFile } from '../layer/model';
import { EditList } from './edits';
import type { IncludedSource } from './includedSources';
import { baseName } from './paths';
import { last, refuse } from './lowered';

/** Top-level names a header declares (structs, classes, enums, free functions), not enumerators. */
function declaredNames(file: SourceFile): string[] {
  const out: string[] = [];
  for (const n of ofType(file.tree.rootNode, ['struct_specifier', 'class_specifier', 'function_declarator', 'alias_declaration', 'type_definition'])) {
    let p = n.parent;
    let inClass = false;
    while (p) {
      if (p.type === 'field_declaration_list') inClass = true;
      p = p.parent;
    }
    if (inClass) continue;
    const name = n.type === 'function_declarator' ? n.childForFieldName('declarator') : n.childForFieldName('name');
    if (name && (n.type !== 'struct_specifier' && n.type !== 'class_specifier' ? true : !!n.childForFieldName('body'))) out.push(last(name.text));
  }
  return out;
}

function namespacePath(node: Node): string {
  const names: string[] = [];
  for (let p = node.parent; p; p = p.parent) if (p.type === 'namespace_definition') names.unshift(p.childForFieldName('name')?.text ?? '');
  return names.join('::');
}

/**
 * The enum of an included header that holds every tensor id the layer wires, copied into the layer
 * where its counts are (same namespace), with that include dropped: the quant layer gets an enum
 * of its own to add inputs to, and float and quant layers stay includable together.
 */
export function borrowEnum(syntax: Syntax, model: LayerModel, included: IncludedSource[]): { text: string; toOriginal: (o: number) => number } | undefined {
  const used = new Set(model.nodes.flatMap((g) => [...(g.inputs?.names ?? []), ...(g.outputs?.names ?? [])]));
  for (const src of included) {
    if (src.headerText === undefined) continue;
    const h = parseFile(syntax, 'h', src.headerText);
    try {
      const e = findEnum(h);
      if (!e || e.names.length !== 1 || ![...used].every((n) => e.entries.some((x) => x.name === n))) continue;
      // The enum is copied as text: a header that does not parse would pass its damage on.
      const broken = firstSyntaxError(h.tree);
      if (broken) refuse('quantize.syntax-error', { file: baseName(src.headerPath!), line: broken.startPosition.row + 1 }, 'cpp', includeOf(model, src));
      const anchor = model.counts.find((c) => c.file === 'cpp')?.valueNode ?? model.layerFunction!.node;
      const anchorStatement = anchor === model.layerFunction!.node ? anchor : enclosingStatement(anchor);
      if (namespacePath(e.node) !== namespacePath(anchorStatement)) {
        refuse('quantize.local-op.enum-namespace', { file: baseName(src.headerPath!), ns: namespacePath(e.node) || '::' }, 'cpp', anchorStatement);
      }
      const include = includeOf(model, src);
      if (!include) continue;
      // The header may not be dropped when the layer uses anything else it declares.
      const own = [model.cpp, ...(model.h ? [model.h] : [])];
      for (const name of declaredNames(h)) {
        if (name === e.name) continue;
        const use = own.map((f) => identifiersNamed(f, [name])[0]).find(Boolean);
        if (use) refuse('quantize.local-op.enum-header-shared', { file: baseName(src.headerPath!), name }, 'cpp', use);
      }
      const edits = new EditList(model.cpp.text, model.cpp.eol);
      edits.deleteStatement(include);
      // Intermediates the layer does not use at the end of the enum (the other layer's) are past its
      // count anyway: they are left out, so the copy and INTERMEDIATE_TENSOR_COUNT agree.
      let keep = e.entries.length - 1;
      while (keep > 0 && e.entries[keep].kind === 'inter' && !used.has(e.entries[keep].name)) keep--;
      // The layer's counts must describe this enum (a header of another commit would shift the ids).
      const kept = e.entries.slice(0, keep + 1);
      if (kept.slice(1).some((x) => x.node.text.includes('='))) refuse('quantize.local-op.enum-counts', { file: baseName(src.headerPath!), kind: 'ids', count: '=', entries: 'explicit values' }, 'cpp', includeOf(model, src));
      for (const [kind, pattern] of [['in', /^IN_TENSOR_(COUNT|NUM)$/], ['out', /^OUT_TENSOR_(COUNT|NUM)$/], ['inter', /^(INTERMEDIATE|INTERMIDATE|INTERNAL)_TENSOR_(COUNT|NUM)$/]] as const) {
        const c = model.counts.find((x) => pattern.test(x.name));
        const n = kept.filter((x) => x.kind === kind).length;
        if (c && c.value !== undefined && c.value !== n) refuse('quantize.local-op.enum-counts', { file: baseName(src.headerPath!), kind: c.name, count: c.value, entries: n }, c.file, c.valueNode);
      }
      const body = e.node.childForFieldName('body')!;
      const copied =
        keep === e.entries.length - 1 || e.sentinels.length
          ? src.headerText.slice(e.node.startIndex, e.node.endIndex)
          : src.headerText.slice(e.node.startIndex, e.entries[keep].node.endIndex) + ',\n' + src.headerText.slice(body.endIndex - 1, e.node.endIndex);
      const enumText = copied.replace(/\r?\n/g, model.cpp.eol);
      const at = edits.lineStart(anchorStatement.startIndex);
      edits.insert(at, edits.indentAt(anchorStatement.startIndex) + enumText + ';' + model.cpp.eol + model.cpp.eol);
      const mapped = edits.applyMapped();
      return { text: mapped.text, toOriginal: mapped.toOriginal };
    } finally {
      h.tree.delete();
    }
  }
  return undefined;
}


function includeOf(model: LayerModel, src: IncludedSource): Node | undefined {
  return ofType(model.cpp.tree.rootNode, ['preproc_include']).find((n) => n.childForFieldName('path')?.text === `"${src.include}"`);
}
