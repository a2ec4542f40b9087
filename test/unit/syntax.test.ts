import * as assert from 'assert';
import { nodeSyntax } from '../../src/node/syntax';

describe('syntax: tree-sitter grammars load from the npm packages', () => {
  it('parses C++ and Python without errors', async () => {
    const syntax = await nodeSyntax();
    const cpp = syntax.parser('cpp').parse('enum X : int { IN_A = 0, OUT_B };\n')!;
    assert.strictEqual(cpp.rootNode.hasError, false);
    assert.strictEqual(cpp.rootNode.child(0)?.type, 'enum_specifier');
    const py = syntax.parser('python').parse('class A(nn.Module):\n    pass\n')!;
    assert.strictEqual(py.rootNode.hasError, false);
    assert.strictEqual(py.rootNode.child(0)?.type, 'class_definition');
  });

  it('reports syntax errors instead of throwing', async () => {
    const syntax = await nodeSyntax();
    const tree = syntax.parser('cpp').parse('enum X : int { IN_A = ')!;
    assert.strictEqual(tree.rootNode.hasError, true);
  });
});
