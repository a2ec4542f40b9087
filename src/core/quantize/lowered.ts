/** The lowered layer and the pieces the lowering modules share (localOps.ts, borrowEnum.ts, lowerEmit.ts). */
import type { FileKey, GraphNode } from '../layer/model';
import type { Node } from '../syntax';
import { RefuseError } from './rewrite';

export const last = (s: string): string => s.split('::').pop()!.trim();
export const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

export interface Lowered {
  cppText: string;
  hText: string | undefined;
  /** Offsets of the lowered texts back to the original ones. */
  toOriginal: Record<FileKey, (offset: number) => number>;
}

/** A stand-in syntax node for a refusal range in the original text (only positions are read). */
export function spanIn(text: string, start: number, end: number): Node {
  const at = (offset: number) => {
    const before = text.slice(0, offset);
    const row = before.split('\n').length - 1;
    return { row, column: offset - (before.lastIndexOf('\n') + 1) };
  };
  return { startIndex: start, endIndex: end, startPosition: at(start), endPosition: at(end) } as unknown as Node;
}

export function refuse(code: string, args?: Record<string, string | number>, file?: FileKey, node?: Node): never {
  throw new RefuseError(code, args, file, node);
}

/** One plain node of a lowered op, in layer terms. */
export interface SimpleNode {
  /** '' for the layer's own node variable, else the suffix of a new one. */
  nodeSuffix: string;
  paramSuffix: string;
  paramType: string;
  /** Brace initialiser, or undefined. */
  init?: string;
  fields: [string, string][];
  inputs: string[];
  outputs: string[];
}

export interface Replacement {
  g: GraphNode;
  nodes: SimpleNode[];
  /** New intermediate tensors, in the order they are written. */
  inters: string[];
}

