/** Opening a transformers modeling file fills the Problems panel with the operations ATB lacks. */
import { Flow, TIMEOUT, quickOpen } from '../harness';

export const problemsFlow: Flow = {
  name: 'problems',
  async run({ page, shot }) {
    await quickOpen(page, 'hf_models/tiny_qwen2/modeling_tiny_qwen2.py');
    await page.keyboard.press('Control+Shift+M'); // View: Problems
    const problems = page.locator('.markers-panel');
    await problems.waitFor({ timeout: TIMEOUT });
    // The file's node and its entries (from the language server, which may still be starting).
    await problems.locator('.monaco-list-row', { hasText: 'modeling_tiny_qwen2.py' }).first().waitFor({ timeout: 60_000 });
    for (const text of ['tanh', 'Conv1d']) {
      await problems.locator('.monaco-list-row', { hasText: text }).first().waitFor({ timeout: TIMEOUT });
    }
    await shot('problems-panel');
    // Clicking an entry jumps to its line in the editor.
    await problems.locator('.monaco-list-row', { hasText: 'tanh' }).first().click();
    await page.locator('.monaco-editor .view-line', { hasText: 'torch.tanh(attn_weights' }).first().waitFor({ timeout: TIMEOUT });
    await shot('jumped-to-line');
  },
};
