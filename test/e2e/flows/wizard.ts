/** The migration wizard: opened from the palette, its webview (an iframe) shows and steps forward. */
import { Flow, TIMEOUT, runCommand } from '../harness';

export const wizardFlow: Flow = {
  name: 'wizard',
  async run({ page, shot }) {
    await runCommand(page, 'Migrate Model to Torch-like Graph...');
    // Webviews are nested iframes: the outer host frame, then the extension's content frame.
    const tab = page.locator('.tabs-container .tab', { hasText: /Migrat/ });
    await tab.first().waitFor({ timeout: TIMEOUT });
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    await frame.locator('body').waitFor({ timeout: TIMEOUT });
    await frame.locator('body *').first().waitFor({ timeout: TIMEOUT });
    await shot('wizard-opened');
  },
};
