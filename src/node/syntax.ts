/**
 * Node-side location of the tree-sitter wasm files, shared by the CLI, the language server,
 * the extension, the tests and the benchmarks. A bundle finds them next to itself
 * (esbuild.mjs copies them into dist/); unbundled code finds them in node_modules.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadSyntax, type Syntax, type WasmSources } from '../core/syntax';

const FILES = {
  runtime: ['tree-sitter.wasm', 'web-tree-sitter/tree-sitter.wasm'],
  cpp: ['tree-sitter-cpp.wasm', 'tree-sitter-cpp/tree-sitter-cpp.wasm'],
  python: ['tree-sitter-python.wasm', 'tree-sitter-python/tree-sitter-python.wasm'],
} as const;

function locate([bundled, modulePath]: readonly [string, string], dirs: string[]): string {
  for (const dir of dirs) {
    const candidate = path.join(dir, bundled);
    if (fs.existsSync(candidate)) return candidate;
  }
  try {
    return require.resolve(modulePath);
  } catch {
    throw new Error(`atb-migrate: cannot find ${bundled} (looked in ${dirs.join(', ')} and node_modules)`);
  }
}

export function wasmSources(dirs: string[] = [__dirname, path.join(__dirname, '..', 'dist')], withPython = true): WasmSources {
  return {
    runtime: locate(FILES.runtime, dirs),
    cpp: fs.readFileSync(locate(FILES.cpp, dirs)),
    ...(withPython ? { python: fs.readFileSync(locate(FILES.python, dirs)) } : {}),
  };
}

let shared: Promise<Syntax> | undefined;
let cppOnly: Promise<Syntax> | undefined;

/**
 * A Syntax with the C++ grammar only, for the CLI's transform: compiling the Python grammar's wasm
 * as well would cost start-up time that a layer run never uses. Shares a full Syntax if one exists.
 */
export function nodeCppSyntax(): Promise<Syntax> {
  cppOnly ??= shared ?? loadSyntax(wasmSources(undefined, false));
  return cppOnly;
}

/** The process-wide Syntax, loaded on first use. */
export function nodeSyntax(): Promise<Syntax> {
  shared ??= loadSyntax(wasmSources());
  return shared;
}
