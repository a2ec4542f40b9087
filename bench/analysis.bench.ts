/**
 * Operator-support analysis speed on a ~1,500-line modeling file (the four hand-written fixtures,
 * renamed and concatenated): full analysis against a bare parse, and re-analysis after a one-line
 * edit (tree.edit + incremental parse + analyzeTree reusing the per-class and per-function caches) against a
 * full analysis, all measured in the same run. The 30 ms target is absolute, so it only means
 * something on an idle machine; the ratios hold under load.
 */
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { analyzeTree, clearAnalysisCache } from '../src/core/analysis';
import { loadCatalog } from '../src/core/catalog';
import type { Tree } from '../src/core/syntax';
import { readBuiltinCatalog } from '../src/node/catalogFile';
import { nodeSyntax } from '../src/node/syntax';
import type { Bench } from './harness';

const FIXTURES = path.join(__dirname, '..', '..', 'test', 'fixtures', 'models-src');

function bigModelingFile(): string {
  const parts: string[] = [];
  let lines = 0;
  for (let round = 0; lines < 1500; round++) {
    for (const model of ['llama', 'qwen2', 'mixtral', 'chatglm']) {
      const text = fs.readFileSync(path.join(FIXTURES, model, `modeling_${model}.py`), 'utf8');
      // Distinct class and function names per copy, as in a real file.
      const renamed = round === 0 ? text : text.replace(/\b(class|def) (\w+)/g, `$1 $2_${round}`);
      parts.push(renamed);
      lines += renamed.split('\n').length;
      if (lines >= 1500) break;
    }
  }
  return parts.join('\n');
}

export default async function (b: Bench): Promise<void> {
  const syntax = await nodeSyntax();
  const { catalog } = loadCatalog(readBuiltinCatalog().text);
  const text = bigModelingFile();
  console.log(`  file: ${text.split('\n').length} lines, ${(text.length / 1024).toFixed(0)} KB`);
  const parser = syntax.parser('python');

  const parse = await b.time('parse (tree-sitter, from scratch)', () => parser.parse(text)!.delete());

  const baseTree = parser.parse(text)!;
  const uncached = await b.time('analyzeTree, nothing cached', () => {
    clearAnalysisCache(catalog);
    analyzeTree(baseTree, text, 'm.py', catalog);
  });
  const full = await b.time('full analysis: parse + analyzeTree, nothing cached', () => {
    clearAnalysisCache(catalog);
    const tree = parser.parse(text)!;
    analyzeTree(tree, text, 'm.py', catalog);
    tree.delete();
  });

  // A one-line edit inside LlamaMLP.forward; every run inserts a different line, so the edited
  // function's scan is never in the cache (the others are, as in an editor session).
  analyzeTree(baseTree, text, 'm.py', catalog);
  const at = text.indexOf('        return self.down_proj');
  const row = text.slice(0, at).split('\n').length - 1;
  let n = 0;
  const oneLineEdit = () => {
    const insert = `        x = x.float()  # edit ${n++}\n`;
    const edited = text.slice(0, at) + insert + text.slice(at);
    const tree: Tree = baseTree.copy();
    tree.edit({ startIndex: at, oldEndIndex: at, newEndIndex: at + insert.length, startPosition: { row, column: 0 }, oldEndPosition: { row, column: 0 }, newEndPosition: { row: row + 1, column: 0 } });
    const next = parser.parse(edited, tree)!;
    analyzeTree(next, edited, 'm.py', catalog);
    next.delete();
    tree.delete();
  };
  const incremental = await b.time('one-line edit: tree.edit + incremental parse + analyzeTree', oneLineEdit);

  // The same ratio from interleaved pairs (full, then edit, then full, ...): both halves of each
  // pair see the same machine load, which medians of separate series do not guarantee.
  const fullOnce = () => {
    clearAnalysisCache(catalog);
    const tree = parser.parse(text)!;
    analyzeTree(tree, text, 'm.py', catalog);
    tree.delete();
  };
  const ratios: number[] = [];
  for (let i = 0; i < 21; i++) {
    const t0 = performance.now();
    fullOnce();
    const t1 = performance.now();
    analyzeTree(baseTree, text, 'm.py', catalog); // warm the caches as an editor session would be
    const t2 = performance.now();
    oneLineEdit();
    const t3 = performance.now();
    ratios.push((t3 - t2) / (t1 - t0));
  }
  ratios.sort((a, c) => a - c);
  const pairedRatio = ratios[Math.floor(ratios.length / 2)];
  console.log(`  interleaved pairs: median edit/full ratio ${pairedRatio.toFixed(3)} (${(1 / pairedRatio).toFixed(1)}x faster)`);

  b.atMost('analysis of a ~1,500-line modeling file (analyzeTree, uncached, warm JIT)', uncached.median, 30, 'ms');
  b.ratio('full analysis vs bare parse', full, parse, 10);
  b.atMost('one-line edit re-analysis / full analysis, separate medians (>= 5x faster)', incremental.median / full.median, 0.2, 'x');
  b.atMost('one-line edit re-analysis / full analysis, interleaved pairs (>= 5x faster)', pairedRatio, 0.2, 'x');
  baseTree.delete();
  parser.delete();
}
