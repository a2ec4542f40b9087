/**
 * The migration wizard: palette → its webview panel (an iframe) → pick the detected model folder →
 * findings → target → Preview (the Refactor Preview) → confirm and Apply → the wizard reports the
 * generated files, which exist on disk. Then back to the Target step: ONNX for TPU with sequence
 * length 256 → Preview → Apply → export_onnx.py and README.md on disk with that length.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { Flow, TIMEOUT, confirmAndApply, runCommand } from '../harness';

export const wizardFlow: Flow = {
  name: 'wizard',
  async run({ page, workspace, shot }) {
    await runCommand(page, 'Migrate Model...');
    await page.locator('.tabs-container .tab', { hasText: 'Migrate' }).first().waitFor({ timeout: TIMEOUT });
    // Webviews are nested iframes: VS Code's host frame, then the extension's content frame.
    const view = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    await view.locator('[data-testid="wizard-step-1"]').waitFor({ timeout: TIMEOUT });
    const candidate = view.locator('[data-testid="source-candidate"]', { hasText: 'tiny_qwen2' });
    await candidate.waitFor({ timeout: TIMEOUT });
    await shot('step1-source');
    await candidate.click();

    await view.locator('[data-testid="wizard-step-2"]').waitFor({ timeout: TIMEOUT });
    await view.locator('[data-testid="findings"] tr').first().waitFor({ timeout: TIMEOUT });
    const modelType = await view.locator('[data-testid="finding-modelType"], [data-testid="finding-model_type"]').first().getAttribute('data-value').catch(() => null);
    await shot('step2-findings');
    await view.locator('[data-testid="to-target"]').click();

    await view.locator('[data-testid="wizard-step-3"]').waitFor({ timeout: TIMEOUT });
    const target = view.locator('[data-testid="target-0"]');
    await target.waitFor({ timeout: TIMEOUT });
    await target.check();
    await shot('step3-target');
    await view.locator('[data-testid="preview"]').click();

    await confirmAndApply(page, shot);
    await view.locator('[data-testid="wizard-step-4"]').waitFor({ timeout: TIMEOUT });
    const result = view.locator('[data-testid="preview-result"]');
    await result.waitFor({ timeout: TIMEOUT });
    if ((await result.getAttribute('data-applied')) !== 'true') throw new Error(`the wizard reports the preview as not applied: ${await result.textContent()}`);
    const files = await view.locator('[data-testid="generated-file"]').allTextContents();
    if (files.length === 0) throw new Error('the wizard lists no generated files');
    for (const f of files) {
      const path = isAbsolute(f.trim()) ? f.trim() : join(workspace, f.trim());
      if (!existsSync(path)) throw new Error(`the wizard lists ${f} but it is not on disk (model type ${modelType ?? '?'})`);
    }
    await shot('step4-applied');

    // The ONNX (TPU) target from the same Target step.
    await view.locator('[data-testid="back-to-target"]').click();
    await view.locator('[data-testid="wizard-step-3"]').waitFor({ timeout: TIMEOUT });
    await view.locator('[data-testid="target-kind-onnx"]').check();
    const seq = view.locator('[data-testid="seq-length"]');
    await seq.waitFor({ timeout: TIMEOUT });
    await seq.fill('256');
    await shot('step3-onnx-target');
    await view.locator('[data-testid="preview"]').click();
    await confirmAndApply(page, shot);
    const onnxResult = view.locator('[data-testid="preview-result"]');
    await onnxResult.waitFor({ timeout: TIMEOUT });
    if ((await onnxResult.getAttribute('data-applied')) !== 'true') throw new Error(`ONNX preview not applied: ${await onnxResult.textContent()}`);
    const onnxFiles = (await view.locator('[data-testid="generated-file"]').allTextContents()).map((f) => f.trim());
    const script = onnxFiles.find((f) => f.endsWith('export_onnx.py'));
    if (!script || !onnxFiles.some((f) => f.endsWith('README.md'))) throw new Error(`the ONNX target lists ${onnxFiles.join(', ')}`);
    const scriptPath = isAbsolute(script) ? script : join(workspace, script);
    if (!/^DEFAULT_SEQ_LENGTH = 256$/m.test(readFileSync(scriptPath, 'utf8'))) throw new Error(`${scriptPath} does not have the chosen sequence length`);
    await shot('step4-onnx-applied');
  },
};
