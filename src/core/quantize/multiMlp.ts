/**
 * Layers with several MLP nodes, each behind a norm of its own (vlmo 2b's multiway encoder: a text
 * and an image MLP after one attention block). Each norm -> MLP pair is quantized exactly as the
 * single-MLP rewrite quantizes its one pair; what has to be certain is the pairing, which the graph
 * states: the MLP's first input is one norm's output. The pairing must be one-to-one, or the rewrite
 * would give one norm's int8 output (and one set of scalars) to two MLPs.
 */
import type { GraphNode } from '../layer/model';
import type { HelperLayout } from './catalog';

export interface MlpPair {
  mlp: GraphNode;
  norm: GraphNode;
  /** Layer-param scalar stem of this MLP's down projection (`mlpTextNode` -> `mlpTextDownProj`). */
  scalarStem: string;
}

export class MultiMlpRefusal extends Error {
  constructor(readonly code: string, readonly args: Record<string, string>, readonly node: GraphNode) {
    super(code);
  }
}

/** `mlpTextNode` -> `mlpText`: the node's own name keeps the scalars of two MLPs apart and readable. */
export function mlpScalarStem(node: string, layout: HelperLayout): string {
  const base = node.replace(/Node$/, '') || node;
  return base + layout.scalarStem[0].toUpperCase() + layout.scalarStem.slice(1);
}

/**
 * Pairs every MLP node with the norm whose output it reads first. `candidates` are the norms other
 * than the input norm; `outputsOf` gives a norm's outputs as the MLP sees them (anti-outlier sums
 * included). Throws a MultiMlpRefusal naming the node whose pairing is not certain.
 */
export function pairMlpsWithNorms(
  mlps: GraphNode[],
  candidates: GraphNode[],
  outputsOf: (g: GraphNode) => Set<string>,
  layoutOf: (g: GraphNode) => HelperLayout,
): MlpPair[] {
  const pairs: MlpPair[] = [];
  for (const mlp of mlps) {
    const input = mlp.inputs?.names[0] ?? '?';
    const feeding = candidates.filter((n) => outputsOf(n).has(input));
    if (feeding.length !== 1) throw new MultiMlpRefusal('quantize.multi-mlp.no-own-norm', { node: mlp.name, input }, mlp);
    const norm = feeding[0];
    const other = pairs.find((p) => p.norm === norm);
    if (other) throw new MultiMlpRefusal('quantize.multi-mlp.shared-norm', { node: mlp.name, other: other.mlp.name, norm: norm.name }, mlp);
    pairs.push({ mlp, norm, scalarStem: mlpScalarStem(mlp.name, layoutOf(mlp)) });
  }
  const stems = new Set(pairs.map((p) => p.scalarStem));
  if (stems.size !== pairs.length) {
    const dup = pairs.find((p, i) => pairs.findIndex((q) => q.scalarStem === p.scalarStem) !== i)!;
    throw new MultiMlpRefusal('quantize.multi-mlp.same-stem', { node: dup.mlp.name, stem: dup.scalarStem }, dup.mlp);
  }
  return pairs;
}
