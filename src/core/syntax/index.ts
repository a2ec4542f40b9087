/**
 * Loading tree-sitter (web-tree-sitter + the grammars' own prebuilt wasm).
 *
 * The core does not know where the wasm files are: a bundle keeps them in `dist/`, the
 * unbundled tests read them from node_modules. The caller passes their bytes/paths in
 * (see src/node/syntax.ts), so this module stays free of file-system assumptions.
 */
import { Language, Parser, Query } from 'web-tree-sitter';

export { Language, Parser, Query };
export type { Node, Tree, Point, Edit } from 'web-tree-sitter';

export interface WasmSources {
  /** Path of web-tree-sitter's runtime `tree-sitter.wasm`. */
  runtime: string;
  /** Bytes (or path) of the grammars. */
  cpp: Uint8Array | string;
  python: Uint8Array | string;
}

/** The loaded grammars. One instance serves the whole process. */
export interface Syntax {
  cpp: Language;
  python: Language;
  /** A new parser for the language (parsers are cheap; keep one per document or per job). */
  parser(language: 'cpp' | 'python'): Parser;
}

let initialized: Promise<void> | undefined;

export async function loadSyntax(sources: WasmSources): Promise<Syntax> {
  initialized ??= Parser.init({ locateFile: () => sources.runtime });
  await initialized;
  const [cpp, python] = await Promise.all([Language.load(sources.cpp), Language.load(sources.python)]);
  return {
    cpp,
    python,
    parser(language) {
      const parser = new Parser();
      parser.setLanguage(language === 'cpp' ? cpp : python);
      return parser;
    },
  };
}
