/**
 * The headers a layer includes with quotes, and their .cpp, read through the FileReader for the
 * lowering (localOps.ts): model-local ops are read from their own source, a missing tensor-id enum
 * from the header that holds it. Only layers that call a model-local op read anything.
 */
import type { FileReader } from '../common';
import { dirOf } from './paths';

/** A header the layer includes with quotes, where it was found (next to the layer or above it), and its .cpp. */
export interface IncludedSource {
  include: string;
  headerPath?: string;
  headerText?: string;
  cppPath?: string;
  cppText?: string;
}

/** A call of a model-local graph op (`CreateXxxOperation(...)`, not ATB's own `CreateOperation`). */
export const LOCAL_OP_CALL = /\bCreate(?!Operation\b)\w+Operation\s*\(/;
/** Includes are tried in the layer's folder and this many folders above it (`deepseek/16b_dense/operation/x.h` from models/). */
const INCLUDE_LEVELS = 5;

async function quiet<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch {
    return undefined;
  }
}

/**
 * The quoted includes of a layer that calls model-local ops, read through the FileReader (nothing
 * is read for other layers). A header not found anywhere is listed without a path, so a refusal can
 * name it.
 */
export async function readIncludedSources(reader: FileReader, cppPath: string, cppText: string, headerPath: string): Promise<IncludedSource[]> {
  if (!LOCAL_OP_CALL.test(cppText)) return [];
  const sep = cppPath.includes('\\') && !cppPath.includes('/') ? '\\' : '/';
  const dirs: string[] = [];
  for (let d = dirOf(cppPath), i = 0; d && i < INCLUDE_LEVELS; i++) {
    dirs.push(d);
    const parent = dirOf(d.slice(0, -1));
    if (parent === d) break;
    d = parent;
  }
  const out: IncludedSource[] = [];
  for (const m of cppText.matchAll(/^[ \t]*#[ \t]*include[ \t]*"([^"]+)"/gm)) {
    const src: IncludedSource = { include: m[1] };
    const rel = m[1].replace(/[\\/]/g, sep);
    // The layer's own header is read by the caller already.
    if (dirs.some((dir) => dir + rel === headerPath)) continue;
    for (const dir of dirs) {
      const p = dir + rel;
      if ((await quiet(reader.size(p))) === undefined) continue;
      src.headerPath = p;
      src.headerText = await quiet(reader.readText(p));
      const cpp = p.replace(/\.(h|hpp)$/i, '.cpp');
      if (cpp !== p) {
        src.cppPath = cpp;
        src.cppText = await quiet(reader.readText(cpp));
      }
      break;
    }
    out.push(src);
  }
  return out;
}

/** `atb::Status CreateXxxOperation(` where a .cpp defines a graph op. */
const OP_DEFINITION = /^\s*atb::Status\s+(Create\w+Operation)\s*\(/gm;

/**
 * Files of a folder that define a model-local graph op another file of the folder calls, each with
 * one of its callers: they are that layer's building blocks, not layers (folder mode skips them).
 */
export function localOpUsers(texts: Map<string, string | undefined>): Map<string, string> {
  const out = new Map<string, string>();
  const calls = new Map<string, Set<string>>();
  for (const [name, text] of texts) {
    if (!text || !LOCAL_OP_CALL.test(text)) continue;
    calls.set(name, new Set([...text.matchAll(new RegExp(LOCAL_OP_CALL.source, 'g'))].map((m) => m[0].replace(/\s*\($/, '').replace(/^.*\b(Create\w+)$/, '$1'))));
  }
  if (!calls.size) return out;
  for (const [name, text] of texts) {
    for (const m of text?.matchAll(OP_DEFINITION) ?? []) {
      const user = [...calls].find(([other, called]) => other !== name && called.has(m[1]));
      if (user) {
        out.set(name, user[0]);
        break;
      }
    }
  }
  return out;
}
