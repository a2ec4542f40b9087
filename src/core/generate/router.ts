/**
 * The allow-list edit in MindIE-LLM's base router: `_check_llm_config_model_type` refuses the
 * python graph for model types outside `[LLAMA, QWEN2, QWEN3]`. Found with tree-sitter (the
 * method, then the `not in [...]` comparison whose condition mentions `PYTHON`), so comments,
 * strings and other lists are never touched.
 */
import { msg } from '../i18n';
import type { Node, Syntax } from '../syntax';
import type { Problem } from '../modelDir';

let registered: Syntax | undefined;

/** Front doors register the loaded grammars once (routerAllowListEdit is synchronous). */
export function useSyntax(syntax: Syntax): void {
  registered = syntax;
}

export type RouterEditResult = { newText: string; problems?: Problem[] } | { problem: Problem };

function walk(node: Node, visit: (n: Node) => boolean | void): void {
  if (visit(node) === false) return;
  for (const child of node.namedChildren) if (child) walk(child, visit);
}

export function routerAllowListEdit(routerPyText: string, modelType: string, syntax: Syntax | undefined = registered): RouterEditResult {
  if (!syntax) throw new Error('routerAllowListEdit: call useSyntax(await nodeSyntax()) first (or pass the Syntax)');
  const parser = syntax.parser('python');
  const tree = parser.parse(routerPyText);
  parser.delete();
  if (!tree) return { problem: { severity: 'error', code: 'generate.router.not-python', message: msg('generate.router.not-python', { line: 1 }) } };
  try {
    const root = tree.rootNode;
    if (root.hasError) {
      let line = 1;
      walk(root, (n) => {
        if (n.isError || n.isMissing) {
          line = n.startPosition.row + 1;
          return false;
        }
        return line === 1;
      });
      return { problem: { severity: 'error', code: 'generate.router.not-python', message: msg('generate.router.not-python', { line }) } };
    }
    let fn: Node | undefined;
    walk(root, (n) => {
      if (fn) return false;
      if (n.type === 'function_definition' && n.childForFieldName('name')?.text === '_check_llm_config_model_type') {
        fn = n;
        return false;
      }
    });
    if (!fn) return { problem: { severity: 'warning', code: 'generate.router.no-function', message: msg('generate.router.no-function') } };

    // `<graph> == GraphType.PYTHON and model_type not in [LLAMA, QWEN2, QWEN3]`
    let list: Node | undefined;
    walk(fn, (n) => {
      if (list) return false;
      if (n.type === 'if_statement') {
        const condition = n.childForFieldName('condition');
        if (condition && /\bPYTHON\b|["']python["']/.test(condition.text)) {
          walk(condition, (c) => {
            if (list) return false;
            if (c.type === 'comparison_operator' && /\bnot\s+in\b/.test(c.text)) {
              const candidate = c.namedChildren.find((x) => x?.type === 'list');
              if (candidate) list = candidate;
            }
          });
        }
      }
    });
    if (!list) return { problem: { severity: 'warning', code: 'generate.router.no-list', message: msg('generate.router.no-list') } };

    const items = list.namedChildren.filter((x): x is Node => !!x && x.type !== 'comment');
    const already = items.some((item) => {
      if (item.type === 'string') return item.text.slice(1, -1) === modelType;
      return item.type === 'identifier' && item.text.toLowerCase() === modelType.toLowerCase();
    });
    if (already) return { problem: { severity: 'info', code: 'generate.router.already', message: msg('generate.router.already', { modelType }) } };

    // Insert after the last element, keeping the list's own spacing style.
    const last = items[items.length - 1];
    const insertAt = last ? last.endIndex : list.startIndex + 1;
    const insertion = last ? `, "${modelType}"` : `"${modelType}"`;
    const newText = routerPyText.slice(0, insertAt) + insertion + routerPyText.slice(insertAt);

    const problems: Problem[] = [];
    // v3.0.0 and later reset the graph to cpp before this check runs.
    let forcesCpp = false;
    walk(root, (n) => {
      if (forcesCpp) return false;
      if (n.type === 'assignment') {
        const left = n.childForFieldName('left')?.text ?? '';
        const right = n.childForFieldName('right')?.text ?? '';
        if (/engine\.graph$/.test(left) && /\bCPP\b|["']cpp["']/.test(right)) forcesCpp = true;
      }
    });
    if (forcesCpp) problems.push({ severity: 'warning', code: 'generate.router.forces-cpp', message: msg('generate.router.forces-cpp') });
    return problems.length ? { newText, problems } : { newText };
  } finally {
    tree.delete();
  }
}
