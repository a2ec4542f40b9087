/**
 * Reads what a generated flash_causal_<t>.py sends (tree-sitter-python, no regexes over code): the
 * registered name, the set_param keys with the JSON type their cast fixes, the input names and the
 * inputs list, the weight-count constants and the execute-JSON keys. Used by the key-consistency test.
 */
import type { Node, Syntax } from '../../src/core/syntax';
import type { JsonType } from '../../src/core/generate/cpp/mindie';

export interface PythonSide {
  modelName?: string;
  keys: Map<string, JsonType | 'unknown'>;
  inputNames: string[];
  inputCount: number;
  constants: Map<string, number>;
  executeKeys: string[];
}

const CAST: Record<string, JsonType> = { bool: 'boolean', int: 'integer', float: 'number', str: 'string', list: 'array' };

function walk(n: Node, visit: (n: Node) => void): void {
  visit(n);
  for (const c of n.namedChildren) if (c) walk(c, visit);
}

const str = (n: Node | null | undefined) => (n?.type === 'string' ? n.namedChildren.filter((c) => c?.type === 'string_content').map((c) => c!.text).join('') : undefined);

function valueType(v: Node | null): JsonType | 'unknown' {
  if (!v) return 'unknown';
  if (v.type === 'call') return CAST[v.childForFieldName('function')?.text ?? ''] ?? 'unknown';
  if (v.type === 'true' || v.type === 'false') return 'boolean';
  if (v.type === 'list' || v.type === 'list_comprehension') return 'array';
  if (v.type === 'string') return 'string';
  if (v.type === 'integer') return 'integer';
  if (v.type === 'float') return 'number';
  return 'unknown';
}

export function readPythonSide(syntax: Syntax, source: string): PythonSide {
  const root = syntax.parser('python').parse(source)!.rootNode;
  const side: PythonSide = { keys: new Map(), inputNames: [], inputCount: -1, constants: new Map(), executeKeys: [] };
  walk(root, (n) => {
    if (n.type !== 'assignment') return;
    const left = n.childForFieldName('left')?.text ?? '';
    const right = n.childForFieldName('right');
    if (!right) return;
    if (left === 'CPP_MODEL_NAME') side.modelName = str(right);
    else if (left === 'ACL_INPUT_NAMES' && right.type === 'tuple') side.inputNames = right.namedChildren.map((c) => str(c) ?? '?');
    else if (/^WEIGHT_COUNT_/.test(left) && right.type === 'integer') side.constants.set(left, Number(right.text));
    else if (left === 'acl_inputs' && right.type === 'list') side.inputCount = right.namedChildren.filter((c) => c?.type !== 'comment').length;
    else if (left === 'coder_param' || left === 'encoder_param' || left === 'decoder_param') {
      if (right.type !== 'dictionary') return;
      for (const pair of right.namedChildren) {
        if (pair?.type !== 'pair') continue;
        const k = str(pair.childForFieldName('key'));
        if (k) side.keys.set(k, valueType(pair.childForFieldName('value')));
      }
    } else if (left === 'self.acl_param' && right.type === 'call') {
      walk(right, (d) => {
        if (d.type === 'dictionary') for (const pair of d.namedChildren) if (pair?.type === 'pair') side.executeKeys.push(str(pair.childForFieldName('key')) ?? '?');
      });
    }
  });
  return side;
}
