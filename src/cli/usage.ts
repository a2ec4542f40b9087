/**
 * Shared argument parsing for the subcommands: node's strict `util.parseArgs`, with its errors and the
 * per-flag checks turned into localized `cli.usage.*` messages (one wording per kind of mistake).
 */
import { parseArgs, type ParseArgsConfig } from 'util';
import { msg, type Message } from '../core/i18n';
import { LOG_LEVELS, type LogLevel } from './io';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Strict parse; a repeated flag keeps its last value, as the hand-rolled loops did. */
export function parseCliArgs(argv: string[], options: Options): Parsed | { error: Message } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
    return { values: values as Parsed['values'], positionals };
  } catch (error) {
    return { error: parseError(error as Error & { code?: string }) };
  }
}

/** node's message names the flag in quotes: "Option '-o, --out <value>' argument missing". */
export function parseError(error: Error & { code?: string }): Message {
  const flag = (/'([^']+)'/.exec(error.message)?.[1] ?? '').replace(/ <value>$/, '');
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return msg('cli.usage.unknown-option', { flag });
  if (error.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return msg('cli.usage.unexpected-argument', { arg: flag });
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return msg(/does not take an argument/.test(error.message) ? 'cli.usage.no-value' : 'cli.usage.needs-value', { flag });
  }
  return msg('quantize.cli.bad-args', { detail: error.message });
}

export function unexpectedArgument(arg: string): { error: Message } {
  return { error: msg('cli.usage.unexpected-argument', { arg }) };
}

export function missingArgument(what: string): { error: Message } {
  return { error: msg('cli.usage.missing-argument', { what }) };
}

export function oneOf(flag: string, value: string, choices: readonly string[]): { error: Message } {
  return { error: msg('cli.usage.one-of', { flag, value, choices: choices.join(', ') }) };
}

/** `-l/--log-level`: absent means info. */
export function logLevel(value: string | boolean | undefined): LogLevel | { error: Message } {
  if (value === undefined) return 'info';
  return (LOG_LEVELS as readonly string[]).includes(String(value)) ? (value as LogLevel) : oneOf('-l, --log-level', String(value), LOG_LEVELS);
}

/** A whole number above zero, or the error naming the flag. */
export function positiveInteger(flag: string, value: string | boolean | undefined): number | undefined | { error: Message } {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : { error: msg('cli.usage.positive-integer', { flag, value: String(value) }) };
}

/** A non-empty value (node already refuses a missing one; this catches `--out ''`). */
export function nonEmpty(flag: string, value: string | boolean | undefined): string | undefined | { error: Message } {
  if (value === undefined) return undefined;
  return value === '' ? { error: msg('cli.usage.needs-value', { flag }) } : String(value);
}

/** `atb-migrate <cmd>: <error>`, then the command's usage. */
export function usageError(command: string, error: Message, usage: string, text: (m: Message) => string): string {
  return `atb-migrate ${command}: ${text(error)}\n\n${usage}`;
}

export function isError<T>(v: T | { error: Message }): v is { error: Message } {
  return typeof v === 'object' && v !== null && 'error' in v;
}
