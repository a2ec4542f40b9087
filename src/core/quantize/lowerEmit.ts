/** Writes the plain nodes that replace lowered ones into the layer's text (node references, params, wiring, enum, counts). */
import type { Node } from '../syntax';
import { enclosingStatement, identifiersNamed, ofType, type FileKey, type GraphNode, type LayerModel } from '../layer/model';
import { CREATE_OPERATION_CALLS } from './catalog';
import { EditList } from './edits';
import { refuse, type Lowered, type Replacement, type SimpleNode } from './lowered';

/** Deletes a statement of the op's param, with a comment that shares its line (it spoke of that field). */
function deleteLine(edits: EditList, node: Node): void {
  const start = edits.lineStart(node.startIndex);
  const end = edits.lineEnd(node.endIndex);
  if (/^[ \t]*$/.test(edits.text.slice(start, node.startIndex)) && /^[ \t]*(\/\/.*)?$/.test(edits.text.slice(node.endIndex, end))) {
    const next = edits.text.startsWith('\r\n', end) ? end + 2 : edits.text.startsWith('\n', end) ? end + 1 : end;
    edits.replace(start, next, '');
  } else edits.deleteStatement(node);
}

/** Writes the replacements: node references, params, creations, wiring, enum entries and counts. */
export function emit(model: LayerModel, replacements: Replacement[]): Lowered {
  const edits: Record<FileKey, EditList | undefined> = {
    cpp: new EditList(model.cpp.text, model.cpp.eol),
    h: model.h ? new EditList(model.h.text, model.h.eol) : undefined,
  };
  const cpp = edits.cpp!;
  const eol = model.cpp.eol;
  const tensorEnum = model.tensorEnum!;
  const enumEdits = edits[tensorEnum.file]!;
  const creates = model.nodes.map((n) => n.creator).filter((c): c is string => !!c && CREATE_OPERATION_CALLS.has(c));
  const createCall = creates.includes('CreateOperation') || !creates.length ? 'CreateOperation' : creates[0];
  const taken = new Set<string>();
  const claim = (name: string, g: GraphNode) => {
    const clash = taken.has(name) || identifiersNamed(model.cpp, [name])[0] || (model.h && identifiersNamed(model.h, [name])[0]) || tensorEnum.entries.some((e) => e.name === name);
    if (clash) refuse('quantize.local-op.name-taken', { node: g.name, name }, 'cpp', g.createStatement);
    taken.add(name);
    return name;
  };
  let addedNodes = 0;
  let addedInters = 0;
  for (const { g, nodes, inters } of replacements) {
    const base = g.name.replace(/Node$/, '');
    if (g.createCount !== 1 || g.inputAssignments !== 1 || !g.createStatement || !g.inputs || !g.outputs) refuse('quantize.ambiguous-node', { node: g.name }, 'cpp', g.createStatement);
    const reshape = ofType(model.layerFunction!.body, ['field_expression']).find((f) => f.text.replace(/\s+/g, '') === `${g.name}.inTensorReshapeFuncs`);
    if (reshape) refuse('quantize.local-op.reshape', { node: g.name }, 'cpp', enclosingStatement(reshape));
    const ref = model.nodeRefs.find((d) => ofType(d, ['identifier']).some((i) => i.text === g.name));
    if (!ref || !/\.\s*at\s*\(\s*\w+\s*\+\+\s*\)/.test(ref.text)) refuse('quantize.local-op.node-index', { node: g.name }, 'cpp', ref ?? g.createStatement);
    const nodeNames = nodes.map((s) => (s.nodeSuffix ? claim(`${base}${s.nodeSuffix}Node`, g) : g.name));
    const params = nodes.map((s) => claim(`${base}${s.paramSuffix}`, g));
    inters.forEach((t) => claim(t, g));
    const indent = cpp.indentAt(g.createStatement.startIndex);
    const paramLines = (s: SimpleNode, p: string) => [`${s.paramType} ${p}${s.init ? ` = ${s.init}` : ''};`, ...s.fields.map(([f, v]) => `${p}.${f} = ${v};`)];
    const createLine = (p: string, n: string) => `${createCall}(${p}, &${n}.operation);`;
    // The layer's node becomes the first plain node.
    const decl = model.paramVars.get(g.paramVar!)![0].declaration;
    deleteLine(cpp, decl);
    for (const a of model.assignments.get(g.paramVar!) ?? []) deleteLine(cpp, a.statement);
    cpp.replaceNode(g.createStatement, [...paramLines(nodes[0], params[0]), createLine(params[0], g.name)].join(eol + indent));
    cpp.replaceNode(g.inputs.list, `{${nodes[0].inputs.join(', ')}}`);
    cpp.replaceNode(g.outputs.list, `{${nodes[0].outputs.join(', ')}}`);
    // The others follow its wiring, in the op's order, with node references after its own.
    const wiring = [enclosingStatement(g.inputs.list), enclosingStatement(g.outputs.list)].sort((a, b) => b.endIndex - a.endIndex)[0];
    const lines: string[] = [];
    nodes.slice(1).forEach((s, i) => {
      const n = nodeNames[i + 1];
      lines.push('', ...paramLines(s, params[i + 1]), createLine(params[i + 1], n), `${n}.inTensorIds = {${s.inputs.join(', ')}};`, `${n}.outTensorIds = {${s.outputs.join(', ')}};`);
    });
    cpp.insert(cpp.lineEnd(wiring.endIndex), lines.map((l) => eol + (l ? indent + l : '')).join(''));
    const refIndent = cpp.indentAt(ref.startIndex);
    const refLines = nodeNames.slice(1).map((n) => ref.text.replace(new RegExp(`\\b${g.name}\\b`), n));
    cpp.insert(cpp.lineEnd(ref.endIndex), refLines.map((l) => eol + refIndent + l).join(''));
    addedNodes += nodes.length - 1;
    // New intermediates go right before the node's first output, which must be an intermediate.
    const first = tensorEnum.entries.find((x) => x.name === g.outputs!.names[0]);
    if (!first || first.kind !== 'inter') refuse('quantize.local-op.wiring', { node: g.name, creator: g.creatorQualified ?? '?', file: '-', actual: g.outputs.names[0], expected: 'INTERMEDIATE_*' }, 'cpp', g.outputs.list);
    if (inters.length) {
      const lineStart = enumEdits.lineStart(first.node.startIndex);
      const own = /^[ \t]*$/.test(enumEdits.text.slice(lineStart, first.node.startIndex));
      const entryIndent = enumEdits.indentAt(first.node.startIndex);
      if (own) enumEdits.insert(lineStart, inters.map((t) => `${entryIndent}${t},${enumEdits.eol}`).join(''));
      else enumEdits.insert(first.node.startIndex, inters.map((t) => `${t}, `).join(''));
      addedInters += inters.length;
    }
  }
  const shift = (pattern: RegExp, name: string, delta: number) => {
    if (!delta) return;
    const c = model.counts.find((x) => pattern.test(x.name));
    if (!c) refuse('quantize.no-count', { name });
    if (c.value === undefined) refuse('quantize.count-not-literal', { name: c.name, text: c.valueNode.text }, c.file, c.valueNode);
    edits[c.file]!.replaceNode(c.valueNode, String(c.value + delta));
  };
  shift(/^NODE_(COUNT|NUM)$/, 'NODE_COUNT', addedNodes);
  shift(/^(INTERMEDIATE|INTERMIDATE|INTERNAL)_TENSOR_/, 'INTERMEDIATE_TENSOR_COUNT', addedInters);
  const c = cpp.applyMapped();
  const h = edits.h?.applyMapped();
  return { cppText: c.text, hText: h?.text ?? model.h?.text, toOriginal: { cpp: c.toOriginal, h: h?.toOriginal ?? ((o: number) => o) } };
}
