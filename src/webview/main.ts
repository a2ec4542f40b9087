// Wizard webview entry point; filled in by the wizard work.
export {};
