/**
 * "Quantize layer": turns an old-style ATB C++ layer (.cpp + same-named .h) into its W8A8
 * (`quant_<name>`) or W8A8SC (`sparse_quant_<name>`) variant, as GeneratedFile[] next to the
 * input. Never throws on bad input: everything it will not do comes back as a Refusal.
 */
import type { FileReader, GeneratedFile, Range, Refusal } from '../common';
import { msg, type Message } from '../i18n';
import type { Node, Syntax } from '../syntax';
import { analyzeLayer, firstSyntaxError, freeModel, ofType, parseFile, type LayerModel } from '../layer/model';
import { NAMING, type QuantMode } from './catalog';
import { localOpUsers, readIncludedSources, type IncludedSource } from './includedSources';
import { lowerLayer } from './localOps';
import { spanIn } from './lowered';
import { baseName, joinPath, splitPath } from './paths';
import { RefuseError, rewriteLayer } from './rewrite';
import './messages';

export type { QuantMode } from './catalog';
export { readIncludedSources, type IncludedSource } from './includedSources';

export interface LayerInput {
  cppPath: string;
  cppText: string;
  headerPath: string;
  headerText: string | undefined;
  /** The headers (and their .cpp) the layer includes, for model-local ops and a borrowed enum (readIncludedSources). */
  included?: IncludedSource[];
}

export interface QuantizeReport {
  input: string;
  mode: QuantMode;
  outputs: string[];
  addedTensors: string[];
  /** What the user still has to do outside the generated files. */
  notes: Message[];
  counts: { name: string; before: number; after: number }[];
  renamed: { from: string; to: string }[];
}

export type QuantizeOutcome = { ok: true; files: GeneratedFile[]; report: QuantizeReport } | { ok: false; refusal: Refusal };

/** A layer file is a few hundred lines; anything this big is not one (and would be slow to show). */
export const MAX_LAYER_BYTES = 2 * 1024 * 1024;

export function quantizeOutputPaths(cppPath: string, mode: QuantMode): { cpp: string; h: string } {
  const { dir, base } = splitPath(cppPath);
  const prefix = NAMING[mode].file;
  return { cpp: `${dir}${prefix}${base}.cpp`, h: `${dir}${prefix}${base}.h` };
}

function refusal(code: string, path: string, args?: Message['args'], range?: Range): { ok: false; refusal: Refusal } {
  return { ok: false, refusal: { code, message: msg(code, args), path, ...(range ? { range } : {}) } };
}

function rangeOf(node: Node | undefined): Range | undefined {
  if (!node) return undefined;
  return {
    start: { line: node.startPosition.row, character: node.startPosition.column },
    end: { line: node.endPosition.row, character: node.endPosition.column },
  };
}

/** Empty, binary or oversized text gets its own reason before any parsing. */
function textProblem(path: string, text: string): { ok: false; refusal: Refusal } | undefined {
  if (text.trim() === '') return refusal('quantize.empty', path);
  if (text.length > MAX_LAYER_BYTES) return refusal('quantize.too-large', path, { size: text.length, limit: MAX_LAYER_BYTES });
  if (/\u0000/.test(text)) return refusal('quantize.not-text', path);
  // Replacement characters (bytes that were not UTF-8) or control characters: binary content.
  const odd = text.match(/[\u0001-\u0008\u000b\u000e-\u001f\ufffd]/g)?.length ?? 0;
  if (odd > 0 && odd / text.length > 0.01) return refusal('quantize.not-text', path);
  return undefined;
}

export function quantizeLayer(syntax: Syntax, input: LayerInput, mode: QuantMode): QuantizeOutcome {
  const early = textProblem(input.cppPath, input.cppText);
  if (early) return early;
  if (input.headerText === undefined) return refusal('quantize.missing-header', input.cppPath, { header: input.headerPath });
  const headerEarly = textProblem(input.headerPath, input.headerText);
  if (headerEarly) return headerEarly;
  let model: LayerModel | undefined;
  let toOriginal: Record<'cpp' | 'h', (offset: number) => number> | undefined;
  try {
    model = analyzeLayer(syntax, input.cppText, input.headerText);
    for (const f of [model.cpp, model.h!]) {
      const error = firstSyntaxError(f.tree);
      if (error) {
        const path = f.key === 'cpp' ? input.cppPath : input.headerPath;
        return refusal('quantize.syntax-error', path, { file: baseName(path), line: error.startPosition.row + 1 }, rangeOf(error));
      }
    }
    // Model-local ops, LinearParallel nodes and a borrowed enum are written out as plain nodes first.
    const lowered = lowerLayer(syntax, model, input.included ?? []);
    if (lowered) {
      freeModel(model);
      model = undefined;
      model = analyzeLayer(syntax, lowered.cppText, lowered.hText);
      toOriginal = lowered.toOriginal;
    }
    const outputs = quantizeOutputPaths(input.cppPath, mode);
    const h = splitPath(input.headerPath);
    const c = splitPath(input.cppPath);
    const result = rewriteLayer(model, mode, {
      headerBase: h.base,
      headerFile: h.base + h.ext,
      // The output header is named after the .cpp: a header shared by several layers (found by
      // #include) gets one renamed copy per layer, with its own include guard.
      outHeaderFile: splitPath(outputs.h).base + '.h',
      ...(h.base !== c.base ? { guardStem: c.base } : {}),
    });
    return {
      ok: true,
      files: [
        { path: outputs.cpp, contents: result.cpp },
        { path: outputs.h, contents: result.h },
      ],
      report: {
        input: input.cppPath,
        mode,
        outputs: [outputs.cpp, outputs.h],
        addedTensors: result.addedTensors,
        notes: result.notes,
        counts: result.counts,
        renamed: result.renamed,
      },
    };
  } catch (error) {
    if (error instanceof RefuseError) {
      const path = error.file === 'h' ? input.headerPath : input.cppPath;
      let node = error.node;
      // Found on the lowered layer: point at the same place in the user's own text.
      if (node && toOriginal) {
        const key = error.file ?? 'cpp';
        node = spanIn(key === 'h' ? input.headerText! : input.cppText, toOriginal[key](node.startIndex), toOriginal[key](node.endIndex));
      }
      return refusal(error.code, path, error.args, rangeOf(node));
    }
    return refusal('quantize.internal', input.cppPath, { detail: String((error as Error)?.message ?? error) });
  } finally {
    if (model) freeModel(model);
  }
}

async function safe<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch {
    return undefined;
  }
}

/** The header of `x.cpp` is `x.h` in the same folder (msit's convention). */
function headerOf(cppPath: string): string {
  const { dir, base } = splitPath(cppPath);
  return `${dir}${base}.h`;
}

/**
 * Headers the .cpp includes with quotes that exist in its own folder (`#include "layer.h"` in
 * llama_adapter), read from the syntax tree. Used when the same-named header is missing.
 */
async function includedLocalHeaders(syntax: Syntax, reader: FileReader, cppPath: string, cppText: string): Promise<string[]> {
  const { dir } = splitPath(cppPath);
  let file;
  try {
    file = parseFile(syntax, 'cpp', cppText);
  } catch {
    return [];
  }
  try {
    const out: string[] = [];
    for (const inc of ofType(file.tree.rootNode, ['preproc_include'])) {
      const p = inc.childForFieldName('path');
      if (p?.type !== 'string_literal') continue;
      const name = p.text.slice(1, -1);
      const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
      if (!/\.(h|hpp)$/i.test(base) || out.includes(dir + base)) continue;
      if ((await safe(reader.size(dir + base))) !== undefined) out.push(dir + base);
    }
    return out;
  } finally {
    file.tree.delete();
  }
}

/**
 * Files or folders (msit convention for folders: every .cpp whose name has no 'quant' and has a
 * same-named .h; a .h resolves to its .cpp). Never throws on bad input.
 */
export async function quantizePaths(
  syntax: Syntax,
  reader: FileReader,
  paths: string[],
  mode: QuantMode,
): Promise<{ results: { input: string; outcome: QuantizeOutcome }[]; skipped: { path: string; reason: Message }[] }> {
  const results: { input: string; outcome: QuantizeOutcome }[] = [];
  const skipped: { path: string; reason: Message }[] = [];
  const seen = new Set<string>();
  /** `byInclude`: a file named on its own may find its header through its #include (not in folder mode). */
  const convert = async (cppPath: string, byInclude = false, text?: string) => {
    if (seen.has(cppPath)) return;
    seen.add(cppPath);
    let headerPath = headerOf(cppPath);
    const cppText = text ?? (await safe(reader.readText(cppPath)));
    if (cppText === undefined) {
      skipped.push({ path: cppPath, reason: msg('quantize.skip.missing') });
      return;
    }
    let headerText = await safe(reader.readText(headerPath));
    if (headerText === undefined && byInclude && !textProblem(cppPath, cppText)) {
      const found = await includedLocalHeaders(syntax, reader, cppPath, cppText);
      if (found.length === 1) {
        headerPath = found[0];
        headerText = await safe(reader.readText(headerPath));
      }
    }
    let outcome: QuantizeOutcome;
    try {
      const included = await readIncludedSources(reader, cppPath, cppText, headerPath);
      outcome = quantizeLayer(syntax, { cppPath, cppText, headerPath, headerText, included }, mode);
    } catch (error) {
      outcome = refusal('quantize.internal', cppPath, { detail: String((error as Error)?.message ?? error) });
    }
    results.push({ input: cppPath, outcome });
  };
  for (const p of paths) {
    const entries = await safe(reader.list(p));
    if (entries) {
      const names = new Set(entries.filter((e) => !e.isDirectory).map((e) => e.name));
      // Graph ops of the model's own that other files here call (llama_parallel's llamalayer_mlp.cpp) are not layers.
      const texts = new Map<string, string | undefined>();
      for (const name of [...names].sort()) {
        const { base, ext } = splitPath(name);
        if (ext === '.cpp' && !/quant/i.test(base) && names.has(base + '.h')) texts.set(name, await safe(reader.readText(joinPath(p, name))));
      }
      const opUsers = localOpUsers(texts);
      for (const name of [...names].sort()) {
        const { base, ext } = splitPath(name);
        if (ext !== '.cpp') continue;
        const full = joinPath(p, name);
        const user = opUsers.get(name);
        if (user) skipped.push({ path: full, reason: msg('quantize.local-op.skip-op', { user }) });
        else if (/quant/i.test(base)) skipped.push({ path: full, reason: msg('quantize.skip.quant-name') });
        else if (!names.has(base + '.h')) {
          // msit's folder rule stays; say when the file has a header of another name it could use.
          const text = await safe(reader.readText(full));
          const found = text === undefined || textProblem(full, text) ? [] : await includedLocalHeaders(syntax, reader, full, text);
          const header = found.length === 1 ? splitPath(found[0]) : undefined;
          skipped.push({ path: full, reason: header ? msg('quantize.skip.header-by-include', { header: header.base + header.ext }) : msg('quantize.skip.no-header') });
        } else await convert(full, false, texts.get(name));
      }
      continue;
    }
    const { dir, base, ext } = splitPath(p);
    if (ext === '.cpp') await convert(p, true);
    else if (ext === '.h') {
      const cpp = `${dir}${base}.cpp`;
      if ((await safe(reader.size(cpp))) === undefined) {
        skipped.push({ path: p, reason: msg((await safe(reader.size(p))) === undefined ? 'quantize.skip.missing' : 'quantize.skip.no-cpp') });
      } else await convert(cpp);
    } else if ((await safe(reader.size(p))) === undefined) skipped.push({ path: p, reason: msg('quantize.skip.missing') });
    else skipped.push({ path: p, reason: msg('quantize.skip.not-layer-file') });
  }
  return { results, skipped };
}
