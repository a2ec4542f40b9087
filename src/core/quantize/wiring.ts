/**
 * A float layer whose graph is itself broken by a copy-paste slip: one node's inputs (or operation)
 * set twice while another declared node is never wired (or never created). visualglm 6b's
 * flash_attention_layer.cpp sets `ffnNode.inTensorIds` on two lines and never wires
 * `ffnActivationNode`. Branches can also set a node twice, so the slip is only named when a
 * declared node is left without inputs; the rewrite cannot repair that graph, it says where it is.
 */
import type { Node } from '../syntax';
import { ofType, type LayerModel } from '../layer/model';

export interface Miswiring {
  /** inputs-twice: `x.inTensorIds = ...` twice; created-twice: the creating call twice. */
  code: 'quantize.wiring.inputs-twice' | 'quantize.wiring.created-twice';
  node: string;
  /** 1-based lines of every assignment or creation of `node`. */
  lines: number[];
  /** Declared nodes left without inputs (or operation). */
  missing: string[];
  at: Node;
}

const strip = (s: string) => s.replace(/\s+/g, '');

/** Names of the `atb::Node &x = opGraph.nodes.at(...)` (or `auto &x = ...`) references, in order. */
function declaredNodes(body: Node): string[] {
  return ofType(body, ['init_declarator']).flatMap((d) => {
    const ref = d.childForFieldName('declarator');
    const id = ref?.type === 'reference_declarator' ? ref.namedChildren.find((c) => c?.type === 'identifier') : undefined;
    return id && /\bnodes\b/.test(d.childForFieldName('value')?.text ?? '') ? [id.text] : [];
  });
}

export function findMiswiring(model: LayerModel): Miswiring | undefined {
  const fn = model.layerFunction;
  if (!fn) return undefined;
  const declared = declaredNodes(fn.body);
  const byName = new Map(model.nodes.map((g) => [g.name, g]));
  const unwired = declared.filter((n) => !byName.get(n)?.inputAssignments);
  // `x.operation = new Op(...)` creates a node without a creating call.
  const uncreated = declared.filter((n) => !byName.get(n)?.createCount && !(model.assignments.get(n) ?? []).some((a) => a.path === 'operation'));
  for (const g of model.nodes) {
    if (g.inputAssignments > 1 && unwired.length) {
      const sets = ofType(fn.body, ['assignment_expression']).filter((a) => strip(a.childForFieldName('left')?.text ?? '') === `${g.name}.inTensorIds`);
      const at = sets[1] ?? g.inputs?.list ?? fn.body;
      return { code: 'quantize.wiring.inputs-twice', node: g.name, lines: sets.map((s) => s.startPosition.row + 1), missing: unwired, at };
    }
    if (g.createCount > 1 && uncreated.length) {
      const creates = ofType(fn.body, ['call_expression']).filter((c) =>
        (c.childForFieldName('arguments')?.namedChildren ?? []).some((a) => a?.type === 'pointer_expression' && strip(a.text) === `&${g.name}.operation`),
      );
      const at = creates[1] ?? g.createStatement ?? fn.body;
      return { code: 'quantize.wiring.created-twice', node: g.name, lines: creates.map((s) => s.startPosition.row + 1), missing: uncreated, at };
    }
  }
  return undefined;
}
