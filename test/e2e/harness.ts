/**
 * What a UI flow gets: the page of a real VS Code (code-server) with the extension under
 * development loaded on a fresh copy of the example workspace, and `shot()` to record evidence.
 */
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';

export interface FlowContext {
  page: Page;
  /** Absolute path of this flow's workspace copy (on the same machine as the server). */
  workspace: string;
  /** Saves test-results/e2e/<flow>/<NN>-<label>.png and returns its path. */
  shot(label: string): Promise<string>;
}

export interface Flow {
  name: string;
  run(ctx: FlowContext): Promise<void>;
}

export const TIMEOUT = 30_000;

/** Waits for the workbench to be usable: explorer shown and the extension's language server up. */
export async function workbenchReady(page: Page): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
  await page.locator('.statusbar').waitFor({ timeout: 60_000 });
}

/** Presses `key` until the quick input shows (early presses can land before keybindings are wired). */
async function openQuickInput(page: Page, key: string): Promise<Locator> {
  const input = page.locator('.quick-input-widget input');
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    await page.keyboard.press(key);
    try {
      await input.waitFor({ state: 'visible', timeout: 2_000 });
      return input;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`the quick input did not open with ${key} within ${TIMEOUT / 1000}s`);
    }
  }
}

/** Opens a workspace file through Quick Open (Ctrl+P), which also reveals it in the explorer. */
export async function quickOpen(page: Page, relativePath: string): Promise<void> {
  const name = relativePath.split('/').pop()!;
  const input = await openQuickInput(page, 'Control+P');
  await input.fill(relativePath);
  // The first pick must be the file itself before pressing Enter.
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: TIMEOUT });
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab', { hasText: name }).waitFor({ timeout: TIMEOUT });
}

/** Runs a palette command (F1) by its title. */
export async function runCommand(page: Page, title: string): Promise<void> {
  // The extension's commands join the palette only once the extension host has registered it:
  // until then, close the palette and ask again.
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  const deadline = Date.now() + 60_000;
  for (;;) {
    const input = await openQuickInput(page, 'F1');
    await input.fill(`>${title}`);
    try {
      await row.waitFor({ timeout: 3_000 });
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`no command "${title}" in the palette after 60s (is the extension loaded? see vscode-logs/)`);
      await page.keyboard.press('Escape');
    }
  }
  await row.click();
}

export function explorerRow(page: Page, name: string): Locator {
  return page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${name}"]`);
}

/** A context-menu entry (VS Code draws its menus in a shadow root; Playwright's CSS pierces it). */
export function menuItem(page: Page, title: string): Locator {
  return page.locator('.monaco-menu .action-item:not(.disabled) .action-label', { hasText: title }).first();
}

export function resultsPath(dir: string, index: number, label: string): string {
  return join(dir, `${String(index).padStart(2, '0')}-${label.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`);
}

/** The Refactor Preview panel (VS Code's bulk edit view). */
export function refactorPreview(page: Page): Locator {
  return page.locator('.bulk-edit-panel');
}

/**
 * Ticks every entry of the Refactor Preview and presses Apply. Entries that need confirmation
 * start unchecked (docs/architecture.md), so this is what a user has to do too.
 */
export async function confirmAndApply(page: Page, shot: (label: string) => Promise<string>): Promise<void> {
  const panel = refactorPreview(page);
  await panel.locator('.monaco-list-row').first().waitFor({ timeout: TIMEOUT });
  const boxes = panel.locator('.monaco-list-row input.edit-checkbox');
  const count = await boxes.count();
  if (count === 0) throw new Error('the Refactor Preview shows no entries with a checkbox');
  for (let i = 0; i < count; i++) {
    const box = boxes.nth(i);
    if (!(await box.isChecked())) await box.click();
  }
  for (let i = 0; i < count; i++) {
    if (!(await boxes.nth(i).isChecked())) throw new Error(`Refactor Preview entry ${i + 1} stayed unchecked after clicking it`);
  }
  await shot('refactor-preview-confirmed');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await panel.locator('.monaco-list-row').first().waitFor({ state: 'detached', timeout: TIMEOUT });
}
