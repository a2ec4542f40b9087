/** Small helpers for the in-host suite: where the workspace is, waiting for conditions. */
import * as path from 'node:path';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'atb-migrate.atb-migrate';

export function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the suite needs a workspace folder (the runners open a copy of test/fixtures/workspace)');
  return folder.uri.fsPath;
}

export function fixtureUri(...parts: string[]): vscode.Uri {
  return vscode.Uri.file(path.join(workspaceRoot(), ...parts));
}

export const LAYER_DIR = ['atb_models', 'models', 'tinyllama', 'layer'];
export const LAYER_CPP = [...LAYER_DIR, 'flash_attention_rope_layer.cpp'];
export const UNRELATED_CPP = ['tools', 'tensor_stats.cpp'];
export const MODEL_DIR = ['hf_models', 'tiny_qwen2'];
export const MODEL_PY = [...MODEL_DIR, 'modeling_tiny_qwen2.py'];

/** Polls `check` until it returns something truthy; fails naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function activateExtension(): Promise<vscode.Extension<unknown>> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  await ext.activate();
  return ext;
}

/**
 * Presses "Apply" in the Refactor Preview while `pending` (an applyEdit or a command that applies
 * one with needsConfirmation) waits for it, the way a user would; resolves with its result.
 */
export async function acceptRefactorPreview<T>(pending: Thenable<T>, timeoutMs = 30_000): Promise<T> {
  let done = false;
  let value: T | undefined;
  let failure: unknown;
  Promise.resolve(pending).then(
    (v) => ((value = v), (done = true)),
    (e) => ((failure = e), (done = true)),
  );
  await waitFor('the Refactor Preview to open and accept "Apply"', async () => {
    if (done) return true;
    await vscode.commands.executeCommand('refactorPreview.apply');
    return done;
  }, timeoutMs, 300);
  if (failure) throw failure;
  return value as T;
}
