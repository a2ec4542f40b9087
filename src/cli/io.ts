import { formatMessage, toLocale, type Locale, type Message } from '../core/i18n';

/** Log levels as in msit (`-l debug|info|warning|error`). */
export const LOG_LEVELS = ['debug', 'info', 'warning', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Where a command writes. Tests pass an in-memory one; main() passes the process streams. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  cwd: string;
  locale: Locale;
}

export function processIO(): CliIO {
  return {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : text + '\n'),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : text + '\n'),
    cwd: process.cwd(),
    locale: toLocale(process.env.ATB_MIGRATE_LANG ?? process.env.LC_ALL ?? process.env.LC_MESSAGES ?? process.env.LANG),
  };
}

/** A logger honouring `-l`: messages below the level are dropped; warnings and errors go to stderr. */
export class Logger {
  constructor(private readonly io: CliIO, private readonly level: LogLevel = 'info') {}
  private enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(this.level);
  }
  text(message: Message): string {
    return formatMessage(message, this.io.locale);
  }
  debug(message: Message): void {
    if (this.enabled('debug')) this.io.err(`[debug] ${this.text(message)}`);
  }
  info(message: Message): void {
    if (this.enabled('info')) this.io.out(this.text(message));
  }
  warning(message: Message): void {
    if (this.enabled('warning')) this.io.err(`[warning] ${this.text(message)}`);
  }
  error(message: Message): void {
    if (this.enabled('error')) this.io.err(`[error] ${this.text(message)}`);
  }
}

/** Exit codes shared by every subcommand. */
export const EXIT = { ok: 0, refused: 1, usage: 2 } as const;

export interface CliCommand {
  name: string;
  /** One line for `atb-migrate --help` (English and Chinese via the core messages). */
  summary: Message;
  /** The long `--help` text: a message (English and Chinese) or, for transform, the plain synopsis. */
  usage: string | Message;
  run(argv: string[], io: CliIO): Promise<number>;
}
