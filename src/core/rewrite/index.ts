/** Python source refactorings: the static-shape attention edits for TPU toolchains (seed 003). */
import type { Syntax } from '../syntax';
import { planStaticShape, type StaticShapePlan } from './staticShape';

export * from './staticShape';

/** Parses and plans in one go (the CLI and tests; the server plans on its incremental tree). */
export function planStaticShapeText(syntax: Syntax, text: string): StaticShapePlan {
  const parser = syntax.parser('python');
  const tree = parser.parse(text)!;
  try {
    return planStaticShape(tree, text);
  } finally {
    tree.delete();
    parser.delete();
  }
}
