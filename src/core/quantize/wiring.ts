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

/** Names of the node references the layer model found (`atb::Node &x` / `auto &x = opGraph.nodes.at(...)`), in order. */
function declaredNodes(model: LayerModel): string[] {
  // The reference's name is the declaration's first identifier (`Node` and `auto` are not identifiers).
  return model.nodeRefs.flatMap((d) => ofType(d, ['identifier']).slice(0, 1).map((i) => i.text));
}

export function findMiswiring(model: LayerModel): Miswiring | undefined {
  const fn = model.layerFunction;
  // Only a node set twice can be the slip: most layers stop here without another tree walk.
  if (!fn || !model.nodes.some((g) => g.inputAssignments > 1 || g.createCount > 1)) return undefined;
  const declared = declaredNodes(model);
  // A node counts as never wired / never created only when the body never names its
  // `.inTensorIds` / `.operation` at all (not even through push_back or `x.operation = new Op`).
  const body = fn.body.text;
  const never = (n: string, field: string) => !new RegExp(`\\b${n}\\s*\\.\\s*${field}\\b`).test(body);
  const unwired = declared.filter((n) => never(n, 'inTensorIds'));
  const uncreated = declared.filter((n) => never(n, 'operation'));
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
