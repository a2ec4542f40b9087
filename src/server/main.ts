/**
 * Language server entry (bundled to dist/server.js). The transport comes from the command line:
 * `--node-ipc` when VS Code starts it, `--stdio` for other editors and the tests.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';

const connection = createConnection(ProposedFeatures.all);

// Last line of defence: an engine bug must not take the server (and every diagnostic) down.
process.on('uncaughtException', (error) => connection.console.error(`[atb-migrate] uncaught: ${error.stack ?? error.message}`));
process.on('unhandledRejection', (reason) => connection.console.error(`[atb-migrate] unhandled rejection: ${String(reason)}`));

startServer(connection);
