/**
 * The wizard's C++ graph target: pick the model → Target step: "C++ graph (atb_framework)" and
 * MindIE-LLM v3.0.0.beta.1 → Preview (the Refactor Preview; nothing on disk yet) → Apply → the
 * C++ model and its Python are on disk in MindIE's layout and the next steps are shown.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { Flow, TIMEOUT, confirmAndApply, runCommand } from '../harness';

export const wizardCppFlow: Flow = {
  name: 'wizard-cpp',
  async run({ page, workspace, shot }) {
    await runCommand(page, 'Migrate Model...');
    await page.locator('.tabs-container .tab', { hasText: 'Migrate' }).first().waitFor({ timeout: TIMEOUT });
    const view = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    const candidate = view.locator('[data-testid="source-candidate"]', { hasText: 'tiny_qwen2' });
    await candidate.waitFor({ timeout: TIMEOUT });
    await candidate.click();
    await view.locator('[data-testid="wizard-step-2"]').waitFor({ timeout: TIMEOUT });
    await view.locator('[data-testid="to-target"]').click();

    await view.locator('[data-testid="wizard-step-3"]').waitFor({ timeout: TIMEOUT });
    await view.locator('[data-testid="target-kind-cpp"]').check();
    const version = view.locator('[data-testid="mindie-version"]');
    await version.waitFor({ timeout: TIMEOUT });
    await version.selectOption('v3.0.0.beta.1');
    // The torch-like options are hidden for the C++ target.
    if (await view.locator('[data-testid="threshold"]').count()) throw new Error('torch-like options shown for the C++ target');
    const target = view.locator('[data-testid="target-0"]');
    await target.waitFor({ timeout: TIMEOUT });
    await target.check();
    await shot('step3-cpp-target');
    await view.locator('[data-testid="preview"]').click();

    await confirmAndApply(page, shot);
    await view.locator('[data-testid="wizard-step-4"]').waitFor({ timeout: TIMEOUT });
    const result = view.locator('[data-testid="preview-result"]');
    await result.waitFor({ timeout: TIMEOUT });
    if ((await result.getAttribute('data-applied')) !== 'true') throw new Error(`not applied: ${await result.textContent()}`);
    const files = (await view.locator('[data-testid="generated-file"]').allTextContents()).map((f) => f.trim());
    const header = files.find((f) => /atb_framework[\\/]models[\\/]atbm_[a-z0-9_]+[\\/]model[\\/]decoder_model\.h$/.test(f));
    if (!header) throw new Error(`no C++ model header among ${files.join(', ')}`);
    for (const f of files) if (!existsSync(isAbsolute(f) ? f : join(workspace, f))) throw new Error(`${f} is not on disk`);
    if (!readFileSync(isAbsolute(header) ? header : join(workspace, header), 'utf8').includes('MindIE-LLM v3.0.0.beta.1')) throw new Error('the header does not name the chosen version');
    const steps = await view.locator('[data-testid="next-steps"] li').allTextContents();
    if (!steps.some((s) => s.includes('scripts/build.sh')) || !steps.some((s) => s.includes('run_pa'))) throw new Error(`next steps missing: ${steps.join(' | ')}`);
    await shot('step4-cpp-applied');
  },
};
