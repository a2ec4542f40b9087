/**
 * `atb-migrate <command> ...`: a table of subcommands, each in src/cli/commands/.
 * Flags follow msit's (`-s/--source`, `--enable-sparse`, `-l`) so muscle memory carries over.
 */
import { EXIT, processIO, type CliCommand, type CliIO } from './io';
import { formatMessage, msg, type Message } from '../core/i18n';
import '../core/messages';

/**
 * Each command's module (and what it pulls in: the YAML parser, the analysis and generator code)
 * is required only when that command runs, so `transform` and `--version` do not pay for the
 * others at start-up.
 */
const COMMANDS: { name: string; summary: Message; load: () => CliCommand }[] = [
  { name: 'transform', summary: msg('cli.transform.summary'), load: () => require('./commands/transform').transformCommand },
  { name: 'analyze', summary: msg('cli.analyze.summary'), load: () => require('./commands/analyze').analyzeCommand },
  { name: 'generate', summary: msg('cli.generate.summary'), load: () => require('./commands/generate').generateCommand },
  { name: 'rewrite', summary: msg('cli.rewrite.summary'), load: () => require('./commands/rewrite').rewriteCommand },
];

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    io.out(help(io));
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '-v' || name === '--version') {
    io.out(VERSION);
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name)?.load();
  if (!command) {
    io.err(`atb-migrate: ${formatMessage(msg('cli.main.unknown-command', { name }), io.locale)}\n\n${help(io)}`);
    return EXIT.usage;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    // A bug, not a user error: say so plainly, with the stack for a report.
    io.err(`atb-migrate ${name}: internal error: ${(error as Error)?.stack ?? String(error)}`);
    return EXIT.refused;
  }
}

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.1.0';

function help(io: CliIO): string {
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${formatMessage(c.summary, io.locale)}`);
  const t = (code: string) => formatMessage(msg(code), io.locale);
  return [t('cli.main.usage'), '', t('cli.main.commands'), ...lines, '', t('cli.main.more')].join('\n');
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
