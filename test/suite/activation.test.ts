import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension } from './helpers';

describe('activation', () => {
  it('runs in VS Code 1.100 and activates the extension', async () => {
    assert.match(vscode.version, /^1\.100\./);
    const ext = await activateExtension();
    assert.equal(ext.isActive, true);
  });

  it('registers every command contributed in package.json', async () => {
    const ext = await activateExtension();
    const contributed: string[] = (ext.packageJSON.contributes?.commands ?? []).map((c: { command: string }) => c.command);
    assert.ok(contributed.length > 0, 'package.json contributes no commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });
});
