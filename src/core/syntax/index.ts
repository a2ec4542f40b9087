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
  /** Left out by front doors that only read C++ (the CLI's transform): its wasm is not compiled then. */
  python?: Uint8Array | string;
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
  const [cpp, loadedPython] = await Promise.all([Language.load(sources.cpp), sources.python === undefined ? undefined : Language.load(sources.python)]);
  const python = (): Language => {
    if (!loadedPython) throw new Error('atb-migrate: the Python grammar was not loaded (a C++-only Syntax)');
    return loadedPython;
  };
  return {
    cpp,
    get python() {
      return python();
    },
    parser(language) {
      const parser = new Parser();
      parser.setLanguage(language === 'cpp' ? cpp : python());
      return parser;
    },
  };
}
