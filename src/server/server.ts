/**
 * Wires the server features to LSP. Every handler is wrapped so that one bad file or one engine
 * bug is logged to the client's console and answered with an empty result; the server itself
 * keeps serving.
 */
import * as path from 'path';
import {
  CodeActionKind,
  DidChangeWatchedFilesNotification,
  TextDocumentSyncKind,
  type CodeAction,
  type Connection,
  type Diagnostic,
  type InitializeResult,
} from 'vscode-languageserver/node';
import '../core/messages';
import './messages';
import { msg, toLocale } from '../core/i18n';
import { nodeSyntax } from '../node/syntax';
import { Analyze, CatalogEntry, ExportReport, OVERRIDE_FILE, Quantize, QUANTIZE_KIND, STATIC_SHAPE_KIND, Stats, type CodeActionData, type InitializationOptions, type RefusalData } from '../shared/protocol';
import { DocumentStore, type OpenDocument } from './documents';
import { loadWorkspaceCatalog } from './engine';
import { cppDiagnostics, invalidateLayerChecks, isLayerCandidate, quantizeActions, resolveQuantizeAction } from './layers';
import { declareSupportedActions, forgetAnalysis, pythonDiagnostics } from './modelAnalysis';
import { isOverrideUri, reloadCatalog } from './overrides';
import { forgetStaticShape, staticShapeActions } from './staticShape';
import { handleAnalyze, handleCatalogEntry, handleExportReport, handleQuantize, handleStats } from './requests';
import { defaultSettings, logError, mergeSettings, t, uriToPath, type ServerContext } from './context';

const VALIDATE_DELAY_MS = 150;

export function startServer(connection: Connection): void {
  let ctx: ServerContext | undefined;
  let configurationCapability = false;
  let dynamicWatch = false;
  const ready = (): ServerContext => {
    if (!ctx) throw new Error('server not initialized');
    return ctx;
  };

  /** Runs `fn`, logging and returning `fallback` on any error, so a request always gets an answer. */
  async function guarded<T>(what: string, fallback: T, fn: () => T | Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (ctx) logError(ctx, what, error);
      else connection.console.error(`[atb-migrate] ${what}: ${String(error)}`);
      return fallback;
    }
  }

  connection.onInitialize(async (params): Promise<InitializeResult> => {
    const options = (params.initializationOptions ?? {}) as InitializationOptions & { settings?: unknown };
    const syntax = await nodeSyntax();
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
    ctx = {
      connection,
      syntax,
      docs: new DocumentStore(syntax),
      locale: toLocale(options.locale ?? params.locale),
      settings: options.settings ? mergeSettings(options.settings) : defaultSettings(),
      workspaceRoot: folder ? uriToPath(folder) : undefined,
      catalog: loadWorkspaceCatalog(undefined),
      resolveEdits: params.capabilities.textDocument?.codeAction?.resolveSupport?.properties.includes('edit') ?? false,
    };
    configurationCapability = params.capabilities.workspace?.configuration === true;
    dynamicWatch = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        codeActionProvider: {
          codeActionKinds: [CodeActionKind.QuickFix, QUANTIZE_KIND.w8a8, QUANTIZE_KIND.w8a8sc, ...Object.values(STATIC_SHAPE_KIND)],
          resolveProvider: true,
        },
      },
      serverInfo: { name: 'atb-migrate', version: '0.1.0' },
    };
  });

  connection.onInitialized(() =>
    guarded('initialized', undefined, async () => {
      const c = ready();
      if (dynamicWatch) {
        await connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: `**/${OVERRIDE_FILE}` }] });
      }
      await pullSettings();
      await reloadCatalog(c);
      revalidateAll();
    }),
  );

  async function pullSettings(): Promise<void> {
    const c = ready();
    if (!configurationCapability) return;
    const raw = await connection.workspace.getConfiguration('atbMigrate');
    c.settings = mergeSettings(raw);
  }

  // ---- validation, debounced per document ----
  const timers = new Map<string, NodeJS.Timeout>();
  function scheduleValidation(uri: string, delay = VALIDATE_DELAY_MS): void {
    clearTimeout(timers.get(uri));
    timers.set(
      uri,
      setTimeout(() => {
        timers.delete(uri);
        void validate(uri);
      }, delay),
    );
  }

  async function validate(uri: string): Promise<void> {
    const c = ready();
    const doc = c.docs.get(uri);
    if (!doc || isOverrideUri(c, uri)) return;
    const version = doc.document.version;
    const diagnostics = await guarded<Diagnostic[]>(`checking ${path.basename(uri)}`, [], () => diagnosticsFor(c, doc));
    // A newer version is on its way; its own validation publishes.
    if (c.docs.get(uri) !== doc || doc.document.version !== version) return;
    await connection.sendDiagnostics({ uri, version, diagnostics });
  }

  async function diagnosticsFor(c: ServerContext, doc: OpenDocument): Promise<Diagnostic[]> {
    if (doc.language === 'python') return pythonDiagnostics(c, doc);
    if (doc.language === 'cpp' && isLayerCandidate(doc.uri)) return cppDiagnostics(c, doc);
    return [];
  }

  function revalidateAll(): void {
    for (const doc of ready().docs.all()) scheduleValidation(doc.uri, 0);
  }

  connection.onDidOpenTextDocument((p) =>
    guarded('didOpen', undefined, async () => {
      const c = ready();
      const doc = c.docs.open(p.textDocument.uri, p.textDocument.languageId, p.textDocument.version, p.textDocument.text);
      if (isOverrideUri(c, doc.uri)) return reloadCatalog(c).then(revalidateAll);
      if (doc.language === 'cpp') onCppChanged();
      scheduleValidation(doc.uri, 0);
    }),
  );

  connection.onDidChangeTextDocument((p) =>
    guarded('didChange', undefined, async () => {
      const c = ready();
      const doc = c.docs.change(p.textDocument.uri, p.textDocument.version, p.contentChanges);
      if (!doc) return;
      if (isOverrideUri(c, doc.uri)) return reloadCatalog(c).then(revalidateAll);
      forgetAnalysis(doc.uri);
      forgetStaticShape(doc.uri);
      if (doc.language === 'cpp') onCppChanged();
      scheduleValidation(doc.uri);
    }),
  );

  connection.onDidCloseTextDocument((p) =>
    guarded('didClose', undefined, async () => {
      const c = ready();
      const wasOverride = isOverrideUri(c, p.textDocument.uri);
      c.docs.close(p.textDocument.uri);
      forgetAnalysis(p.textDocument.uri);
      forgetStaticShape(p.textDocument.uri);
      clearTimeout(timers.get(p.textDocument.uri));
      if (wasOverride) return reloadCatalog(c).then(revalidateAll);
      await connection.sendDiagnostics({ uri: p.textDocument.uri, diagnostics: [] });
    }),
  );

  /** A header edit changes its .cpp's diagnostics and quantize result (and the other way round). */
  function onCppChanged(): void {
    invalidateLayerChecks();
    for (const doc of ready().docs.all()) if (doc.language === 'cpp') scheduleValidation(doc.uri);
  }

  connection.onDidChangeWatchedFiles((p) =>
    guarded('didChangeWatchedFiles', undefined, async () => {
      const c = ready();
      if (p.changes.some((ch) => isOverrideUri(c, ch.uri) || ch.uri.endsWith(OVERRIDE_FILE))) {
        await reloadCatalog(c);
        revalidateAll();
      }
    }),
  );

  connection.onDidChangeConfiguration((p) =>
    guarded('didChangeConfiguration', undefined, async () => {
      const c = ready();
      if (configurationCapability) await pullSettings();
      else if (p.settings && typeof p.settings === 'object' && 'atbMigrate' in p.settings) c.settings = mergeSettings((p.settings as { atbMigrate: unknown }).atbMigrate);
      revalidateAll();
    }),
  );

  // ---- code actions ----
  connection.onCodeAction((p) =>
    guarded<CodeAction[]>('codeAction', [], async () => {
      const c = ready();
      const doc = c.docs.get(p.textDocument.uri);
      if (!doc) return [];
      const only = p.context.only;
      const actions: CodeAction[] = [];
      if (doc.language === 'python' && (!only || only.some((k) => CodeActionKind.QuickFix.startsWith(k)))) {
        actions.push(...(await declareSupportedActions(c, doc, p.context.diagnostics)));
      }
      if (doc.language === 'python') actions.push(...staticShapeActions(c, doc, p.range, only));
      if (doc.language === 'cpp') actions.push(...(await quantizeActions(c, doc, only)));
      return actions;
    }),
  );

  connection.onCodeActionResolve((action) =>
    guarded('codeAction/resolve', action, async () => {
      const data = action.data as CodeActionData | undefined;
      if (data?.kind === 'quantize') return resolveQuantizeAction(ready(), action, data);
      return action;
    }),
  );

  // ---- custom requests (src/shared/protocol.ts) ----
  connection.onRequest(Analyze.method, (p) =>
    guarded('atb/analyze', { uri: String((p as { uri?: unknown })?.uri), isModelCode: false, modelClasses: [], totals: { native: 0, fused: 0, view: 0, host: 0, unsupported: 0 }, notes: [] }, () =>
      handleAnalyze(ready(), p as never),
    ),
  );
  connection.onRequest(ExportReport.method, (p) => guarded('atb/exportReport', { files: [] }, () => handleExportReport(ready(), p as never)));
  connection.onRequest(Quantize.method, async (p) => {
    const failed = { files: [], reports: [], refusals: [] as RefusalData[], skipped: [] };
    const result = await guarded('atb/quantize', undefined, () => handleQuantize(ready(), p as never));
    if (result) return result;
    failed.refusals.push({ code: 'server.internalError', message: t(ready(), msg('server.internalError', { file: 'atb/quantize', error: 'see the ATB Migrate log' })) });
    return failed;
  });
  connection.onRequest(Stats.method, () => handleStats(ready()));
  connection.onRequest(CatalogEntry.method, (p) => guarded('atb/catalogEntry', null, () => handleCatalogEntry(ready(), p as never)));

  connection.listen();
}
