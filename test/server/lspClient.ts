/**
 * A minimal LSP client for the server tests: spawns the BUILT server (dist/server.js --stdio) and
 * talks real JSON-RPC to it, answering the few server→client requests it makes
 * (workspace/configuration, client/registerCapability) the way VS Code would.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import type { CodeAction, Diagnostic, PublishDiagnosticsParams, TextDocumentContentChangeEvent } from 'vscode-languageserver-protocol';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const SERVER = path.join(REPO, 'dist', 'server.js');
export const FIXTURES = path.join(REPO, 'test', 'fixtures');

export function uriOf(file: string): string {
  return pathToFileURL(file).href;
}

/** Our server always sends plain-text messages. */
export type Diag = Omit<Diagnostic, 'message'> & { message: string };

export interface StartOptions {
  root: string;
  locale?: string;
  /** Answer to workspace/configuration for section `atbMigrate`. */
  settings?: unknown;
}

export class TestServer {
  readonly logs: string[] = [];
  private readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  private waiters: (() => void)[] = [];
  private versions = new Map<string, number>();
  settings: unknown;

  private constructor(
    readonly process: ChildProcessWithoutNullStreams,
    readonly connection: ProtocolConnection,
  ) {}

  static async start(options: StartOptions): Promise<TestServer> {
    if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`node esbuild.mjs\` first`);
    const child = spawn(process.execPath, [SERVER, '--stdio'], { cwd: options.root, stdio: 'pipe' });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const server = new TestServer(child, connection);
    server.settings = options.settings ?? {};
    child.stderr.on('data', (d: Buffer) => server.logs.push(d.toString()));
    connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      server.diagnostics.set(p.uri, p);
      const waiting = server.waiters;
      server.waiters = [];
      for (const w of waiting) w();
    });
    connection.onNotification('window/logMessage', (p: { message: string }) => void server.logs.push(p.message));
    connection.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) => p.items.map(() => server.settings));
    connection.onRequest('client/registerCapability', () => null);
    connection.listen();
    await connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: uriOf(options.root),
      workspaceFolders: [{ uri: uriOf(options.root), name: path.basename(options.root) }],
      initializationOptions: { locale: options.locale ?? 'en' },
      capabilities: {
        workspace: {
          configuration: true,
          didChangeWatchedFiles: { dynamicRegistration: true },
          workspaceEdit: { documentChanges: true, resourceOperations: ['create', 'rename', 'delete'], changeAnnotationSupport: { groupsOnLabel: true } },
        },
        textDocument: {
          publishDiagnostics: { versionSupport: true, codeDescriptionSupport: true, dataSupport: true },
          codeAction: {
            dataSupport: true,
            resolveSupport: { properties: ['edit'] },
            codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'refactor', 'refactor.rewrite'] } },
          },
        },
      },
    });
    connection.sendNotification('initialized', {});
    return server;
  }

  open(file: string, text = fs.readFileSync(file, 'utf8'), languageId = languageOf(file)): string {
    const uri = uriOf(file);
    this.versions.set(uri, 1);
    this.diagnostics.delete(uri);
    void this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
    return uri;
  }

  change(uri: string, changes: TextDocumentContentChangeEvent[]): number {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    void this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
    return version;
  }

  close(uri: string): void {
    void this.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  /** Waits for a publishDiagnostics for `uri` (optionally for a version) that satisfies `accept`. */
  async diagnosticsFor(uri: string, accept: (d: Diag[]) => boolean = () => true, version?: number, timeoutMs = 15000): Promise<Diag[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = this.diagnostics.get(uri);
      if (got && (version === undefined || got.version === version) && accept(got.diagnostics as Diag[])) return got.diagnostics as Diag[];
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching diagnostics for ${uri} (last: ${JSON.stringify(got?.diagnostics.map((d) => [d.code, d.range.start.line]))})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  codeActions(uri: string, range: Diagnostic['range'], diagnostics: Diag[] = [], only?: string[]): Promise<CodeAction[]> {
    return this.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics, only } });
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.connection.sendRequest(method, params);
  }

  notify(method: string, params: unknown): void {
    void this.connection.sendNotification(method, params);
  }

  alive(): boolean {
    return this.process.exitCode === null && !this.process.killed;
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
      void this.connection.sendNotification('exit');
    } catch {
      /* already gone */
    }
    this.connection.dispose();
    if (this.process.exitCode === null) this.process.kill();
  }
}

function languageOf(file: string): string {
  if (file.endsWith('.py')) return 'python';
  if (/\.(cpp|h|hpp|cc)$/.test(file)) return 'cpp';
  if (/\.ya?ml$/.test(file)) return 'yaml';
  return 'plaintext';
}

/** A throw-away workspace with copies of the given fixture files/folders (the tests may write there). */
export function tempWorkspace(sources: string[]): string {
  const root = fs.mkdtempSync(path.join(require('os').tmpdir(), 'atb-server-'));
  for (const src of sources) fs.cpSync(src, path.join(root, path.basename(src)), { recursive: true });
  return root;
}

export function lineOf(text: string, needle: string): number {
  const index = text.indexOf(needle);
  if (index < 0) throw new Error(`fixture does not contain ${needle}`);
  return text.slice(0, index).split('\n').length - 1;
}
