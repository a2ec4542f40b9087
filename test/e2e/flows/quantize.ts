/**
 * "Quantize Layer" as a user does it: from the explorer's context menu and from the command
 * palette, through the Refactor Preview (which must list the two new files before anything is
 * written), then Apply, then the files appear in the explorer.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Flow, TIMEOUT, confirmAndApply, explorerRow, menuItem, quickOpen, refactorPreview, runCommand } from '../harness';

const LAYER_DIR = 'atb_models/models/tinyllama/layer';
const LAYER = 'flash_attention_rope_layer.cpp';

/** The Refactor Preview lists `names`, nothing is on disk yet; Apply writes them and the explorer shows them. */
async function previewThenApply(page: Page, workspace: string, names: string[], shot: (l: string) => Promise<string>): Promise<void> {
  for (const name of names) await refactorPreview(page).locator('.monaco-list-row', { hasText: name }).first().waitFor({ timeout: TIMEOUT });
  for (const name of names) {
    if (existsSync(join(workspace, LAYER_DIR, name))) throw new Error(`${name} was written before Apply`);
  }
  await shot('refactor-preview');
  await confirmAndApply(page, shot);
  for (const name of names) await explorerRow(page, name).waitFor({ timeout: TIMEOUT });
  for (const name of names) {
    if (!existsSync(join(workspace, LAYER_DIR, name))) throw new Error(`${name} is in the explorer but not on disk`);
  }
  await shot('applied-files-in-explorer');
}

export const quantizeFromExplorer: Flow = {
  name: 'quantize-explorer',
  async run({ page, workspace, shot }) {
    await quickOpen(page, `${LAYER_DIR}/${LAYER}`); // reveals the file in the explorer
    const row = explorerRow(page, LAYER);
    await row.waitFor({ timeout: TIMEOUT });
    await shot('layer-in-explorer');
    await row.click({ button: 'right' });
    const item = menuItem(page, 'Quantize Layer (W8A8)');
    await item.waitFor({ timeout: TIMEOUT });
    await shot('context-menu');
    await item.click();
    await previewThenApply(page, workspace, ['quant_flash_attention_rope_layer.cpp', 'quant_flash_attention_rope_layer.h'], shot);
  },
};

export const quantizeFromPalette: Flow = {
  name: 'quantize-palette',
  async run({ page, workspace, shot }) {
    await quickOpen(page, `${LAYER_DIR}/${LAYER}`);
    await shot('layer-open');
    await runCommand(page, 'Sparse-Quantize Layer (W8A8SC)');
    await previewThenApply(page, workspace, ['sparse_quant_flash_attention_rope_layer.cpp', 'sparse_quant_flash_attention_rope_layer.h'], shot);
  },
};
