/**
 * `atb-migrate rewrite <modeling.py> --static-shape [--only rotary,repeat-kv,pretraining-tp,attention-layout]
 * [--out FILE] [--dry-run] [--json]`: applies seed 003's static-shape attention edits in place (or to --out).
 * Exit 0 applied (or would be), 1 nothing applicable / refused (nothing written), 2 usage.
 */
import * as fs from 'fs';
import * as path from 'path';
import { formatMessage, msg, type Locale, type Message } from '../../core/i18n';
import { planStaticShapeText, STATIC_SHAPE_EDITS, type StaticShapeEdit } from '../../core/rewrite';
import { nodeSyntax } from '../../node/syntax';
import { writeAllOrNothing } from '../writeFiles';
import { EXIT, Logger, type CliCommand, type CliIO, type LogLevel } from '../io';
import { isError, logLevel, missingArgument, nonEmpty, oneOf, parseCliArgs, unexpectedArgument, usageError } from '../usage';

/** The long `--help` text, in the user's language (cli.usage.rewrite-help). */
const helpText = (locale: Locale = 'en'): string => formatMessage(msg('cli.usage.rewrite-help'), locale);

/** Files bigger than this are not modeling files (the largest transformers ones are ~300 KB). */
const MAX_BYTES = 4 * 1024 * 1024;

interface Args {
  file?: string;
  staticShape: boolean;
  only?: StaticShapeEdit[];
  out?: string;
  dryRun: boolean;
  json: boolean;
  level: LogLevel;
  help: boolean;
}

function parseRewriteArgs(argv: string[]): Args | { error: Message } {
  const parsed = parseCliArgs(argv, {
    help: { type: 'boolean', short: 'h' },
    'static-shape': { type: 'boolean' },
    only: { type: 'string' },
    out: { type: 'string', short: 'o' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
    'log-level': { type: 'string', short: 'l' },
  });
  if (isError(parsed)) return parsed;
  const { values, positionals } = parsed;
  const out = nonEmpty('-o, --out', values.out);
  const level = logLevel(values['log-level']);
  for (const v of [out, level]) if (isError(v)) return v;
  let only: StaticShapeEdit[] | undefined;
  if (values.only !== undefined) {
    const list = String(values.only).split(',').map((s) => s.trim()).filter(Boolean);
    const bad = list.filter((e) => !(STATIC_SHAPE_EDITS as readonly string[]).includes(e));
    if (!list.length || bad.length) return oneOf('--only', bad.join(',') || String(values.only), STATIC_SHAPE_EDITS);
    only = list as StaticShapeEdit[];
  }
  if (positionals.length > 1) return unexpectedArgument(positionals[1]);
  return { file: positionals[0], staticShape: !!values['static-shape'], only, out: out as string | undefined, dryRun: !!values['dry-run'], json: !!values.json, level: level as LogLevel, help: !!values.help };
}

export const rewriteCommand: CliCommand = {
  name: 'rewrite',
  summary: msg('cli.rewrite.summary'),
  usage: msg('cli.usage.rewrite-help'),
  async run(argv: string[], io: CliIO): Promise<number> {
    const args = parseRewriteArgs(argv);
    const usage = (error: Message) => io.err(usageError('rewrite', error, helpText(io.locale), (m) => formatMessage(m, io.locale)));
    if (isError(args)) {
      usage(args.error);
      return EXIT.usage;
    }
    if (args.help) {
      io.out(helpText(io.locale));
      return EXIT.ok;
    }
    if (!args.file || !args.staticShape) {
      usage(!args.file ? missingArgument('<modeling_*.py>').error : msg('cli.usage.rewrite-which'));
      return EXIT.usage;
    }
    const log = new Logger(io, args.json ? 'error' : args.level);
    const file = path.resolve(io.cwd, args.file);
    const target = args.out ? path.resolve(io.cwd, args.out) : file;
    let text: string;
    try {
      if (fs.statSync(file).size > MAX_BYTES) throw new Error(`larger than ${MAX_BYTES} bytes`);
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      log.error(msg('cli.rewrite.read-failed', { path: file, detail: (error as Error).message }));
      return EXIT.refused;
    }
    const plan = planStaticShapeText(await nodeSyntax(), text);
    const result = plan.apply(args.only);
    let written = false;
    const failures: string[] = [];
    if (result.applied.length && !args.dryRun) {
      for (const f of writeAllOrNothing([{ path: target, contents: result.text }]).failures) failures.push(`${f.path}: ${f.detail}`);
      written = !failures.length;
    }
    const t = (m: Parameters<typeof formatMessage>[0]) => formatMessage(m, io.locale);
    if (args.json) {
      io.out(
        JSON.stringify(
          {
            ok: result.applied.length > 0 && !failures.length,
            dryRun: args.dryRun,
            file,
            out: target,
            written,
            applied: result.applied.map((edit) => ({ edit, sites: plan.plans[edit].status === 'available' ? plan.plans[edit].sites : [] })),
            refused: result.refused.map((r) => ({ edit: r.edit, code: r.reason.code, reason: t(r.reason) })),
            failures,
            ...(args.dryRun ? { contents: result.text } : {}),
          },
          null,
          2,
        ),
      );
      return result.applied.length && !failures.length ? EXIT.ok : EXIT.refused;
    }
    for (const edit of result.applied) log.info(msg('cli.rewrite.applied', { edit, what: t(msg(`rewrite.edit.${edit}`)) }));
    for (const r of result.refused) log.warning(msg('cli.rewrite.refused', { edit: r.edit, reason: t(r.reason) }));
    if (failures.length) {
      log.error(msg('cli.rewrite.write-failed', { detail: failures.join('; ') }));
      return EXIT.refused;
    }
    if (!result.applied.length) {
      log.error(msg('cli.rewrite.nothing', { path: file }));
      return EXIT.refused;
    }
    log.info(msg(args.dryRun ? 'cli.rewrite.would-write' : 'cli.rewrite.wrote', { path: target, count: result.applied.length }));
    return EXIT.ok;
  },
};
