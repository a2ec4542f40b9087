/**
 * The extension's context object: owns the language client for the extension's lifetime and
 * is the one place features send requests through (rust-analyzer's `Ctx`, in small).
 */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { OVERRIDE_FILE, type InitializationOptions, type Request } from '../shared/protocol';

export class Ctx implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<LanguageClient> | undefined;

  constructor(
    readonly extension: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {}

  /** The running client, started on first use. */
  ready(): Promise<LanguageClient> {
    this.starting ??= this.start();
    return this.starting;
  }

  async request<P, R>(request: Request<P, R>, params: P): Promise<R> {
    const client = await this.ready();
    return client.sendRequest<R>(request.method, params);
  }

  private async start(): Promise<LanguageClient> {
    const module = this.extension.asAbsolutePath('dist/server.js');
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
    };
    const initializationOptions: InitializationOptions = { locale: vscode.env.language };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: 'file', language: 'python' },
        { scheme: 'file', language: 'cpp' },
        { scheme: 'file', language: 'c' },
        { scheme: 'file', pattern: `**/${OVERRIDE_FILE}` },
      ],
      synchronize: {
        configurationSection: 'atbMigrate',
        fileEvents: vscode.workspace.createFileSystemWatcher(`**/${OVERRIDE_FILE}`),
      },
      initializationOptions,
      outputChannel: this.log,
    };
    // Client id `atbMigrate` makes the client honour the `atbMigrate.trace.server` setting.
    const client = new LanguageClient('atbMigrate', 'ATB Migrate', serverOptions, clientOptions);
    this.client = client;
    await client.start();
    this.log.info('ATB Migrate language server started');
    return client;
  }

  /** Called by deactivate and by the subscriptions; stops the server once. */
  async dispose(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    try {
      await client?.stop();
    } catch (error) {
      this.log.warn(`stopping the language server: ${String(error)}`);
    }
  }
}
