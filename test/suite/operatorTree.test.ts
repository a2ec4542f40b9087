/** The "Operator Support" view after "Analyze Operator Support" on the model folder. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { MODEL_DIR, activateExtension, fixtureUri, waitFor } from './helpers';

interface PlainItem {
  label: string;
  description?: string;
  icon?: string;
  contextValue?: string;
  command?: { command: string; uri?: string; line?: number };
  children: PlainItem[];
}

const items = () => vscode.commands.executeCommand<PlainItem[]>('atb-migrate.operators.itemsForTest');
const flatten = (list: PlainItem[]): PlainItem[] => list.flatMap((i) => [i, ...flatten(i.children)]);

describe('operator support view', function () {
  this.timeout(90_000);
  before(activateExtension);
  after(() => vscode.commands.executeCommand('atb-migrate.showAllOperators'));

  it('shows the model class tree with unsupported operations that open their source line', async () => {
    const folder = fixtureUri(...MODEL_DIR);
    await vscode.commands.executeCommand('atb-migrate.analyzeModel', folder, [folder]);
    const top = await waitFor('items in the Operator Support view', async () => {
      const i = await items();
      return i && i.length > 0 ? i : undefined;
    }, 60_000, 300);
    const all = flatten(top);
    assert.ok(all.some((i) => /TinyQwen2ForCausalLM/.test(i.label)), `no TinyQwen2ForCausalLM in ${top.map((i) => i.label).join(', ')}`);
    const labels = all.map((i) => `${i.label} [${i.contextValue}]`).join(', ');
    assert.ok(all.some((i) => /self_attn|TinyQwen2Attention/.test(i.label)), `the attention module is not in the tree: ${labels}`);
    const unsupported = all.filter((i) => i.contextValue === 'operator.unsupported');
    assert.ok(unsupported.some((i) => /tanh/.test(i.label)), `torch.tanh not listed as unsupported: ${unsupported.map((i) => i.label).join(', ')}`);
    const withSource = unsupported.find((i) => i.command?.uri);
    assert.ok(withSource?.command?.uri?.endsWith('modeling_tiny_qwen2.py'), 'an unsupported operation does not link to its source');
    assert.ok(all.some((i) => i.contextValue === 'operator.native'), 'no natively supported operation listed');
    // The readiness summary sits at the top: decoder parts, then one row per migration target.
    assert.strictEqual(top[0].contextValue, 'summary', `first item: ${top[0].label}`);
    assert.match(top[0].description ?? '', /host/);
    const rows = top[0].children.map((i) => i.label);
    for (const part of ['attention', 'MLP', 'norms', 'position encoding', 'embedding', 'head']) assert.ok(rows.includes(part), `no ${part} row in ${rows.join(', ')}`);
    for (const target of ['torch-like v3', 'C++ atb_framework', 'ONNX for TPU']) assert.ok(rows.includes(target), `no ${target} row in ${rows.join(', ')}`);
    assert.match(top[0].children.find((i) => i.label === 'attention')!.description ?? '', /partly: no counterpart for torch\.tanh@\d+/);
  });

  it('"show only unsupported" hides supported operations', async () => {
    await vscode.commands.executeCommand('atb-migrate.showOnlyUnsupported');
    const uses = flatten(await items()).filter((i) => i.contextValue?.startsWith('operator.'));
    assert.deepEqual(uses.filter((i) => i.contextValue !== 'operator.unsupported').map((i) => i.label), []);
    assert.ok(uses.length > 0, 'the filter hid the unsupported operations too');
  });
});
