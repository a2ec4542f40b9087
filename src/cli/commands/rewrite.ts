/**
 * `atb-migrate rewrite <modeling.py> --static-shape [--only rotary,repeat-kv,pretraining-tp,attention-layout]
 * [--out FILE] [--dry-run] [--json]`: applies seed 003's static-shape attention edits in place (or to --out).
 * Exit 0 applied (or would be), 1 nothing applicable / refused (nothing written), 2 usage.
 */
import * as fs from 'fs';
import * as path from 'path';
import { formatMessage, msg } from '../../core/i18n';
import { planStaticShapeText, STATIC_SHAPE_EDITS, type StaticShapeEdit } from '../../core/rewrite';
import { nodeSyntax } from '../../node/syntax';
import { writeAllOrNothing } from '../writeFiles';
import { EXIT, LOG_LEVELS, Logger, type CliCommand, type CliIO, type LogLevel } from '../io';

const USAGE = `Usage: atb-migrate rewrite <modeling_*.py> --static-shape [options]

Applies the static-shape attention edits for TPU-MLIR (seed 003) to a transformers
modeling file, keeping everything else byte for byte:
  rotary            apply_rotary_pos_emb lays cos/sin out for q/k in [batch, seq, heads, head_dim]
  repeat-kv         repeat_kv takes [batch, seq, kv_heads, head_dim]
  attention-layout  q/k/v stay in [batch, seq, heads, head_dim]; past K/V concatenated on dim 1
  pretraining-tp    removes the pretraining_tp > 1 branches
rotary, repeat-kv and attention-layout change the layout together and are only applied together.
An edit whose pattern is not in the file is not applied, and the reason is printed.

Options:
      --static-shape             the edits above (required: the only rewrite so far)
      --only A,B                 just these edits (default: every one that applies)
  -o, --out FILE                 write the result there instead of over the input
      --dry-run                  show what would change, write nothing
      --json                     machine-readable result on stdout
  -l, --log-level LEVEL          debug | info | warning | error (default info)
  -h, --help                     this help

Exit codes: 0 ok, 1 nothing applied (nothing written), 2 usage error.`;

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

function parseArgs(argv: string[]): Args | string {
  const args: Args = { staticShape: false, dryRun: false, json: false, level: 'info', help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '-h':
      case '--help':
        args.help = true;
        break;
      case '--static-shape':
        args.staticShape = true;
        break;
      case '--only': {
        const list = (value() ?? '').split(',').map((s) => s.trim()).filter(Boolean);
        const bad = list.filter((e) => !(STATIC_SHAPE_EDITS as readonly string[]).includes(e));
        if (!list.length || bad.length) return `--only takes a comma-separated list of ${STATIC_SHAPE_EDITS.join(', ')}${bad.length ? ` (not: ${bad.join(', ')})` : ''}`;
        args.only = list as StaticShapeEdit[];
        break;
      }
      case '-o':
      case '--out':
        args.out = value();
        if (!args.out) return `${flag} needs a file`;
        break;
      case '--dry-run':
        args.dryRun = true;
        break;
      case '--json':
        args.json = true;
        break;
      case '-l':
      case '--log-level': {
        const v = value() as LogLevel;
        if (!LOG_LEVELS.includes(v)) return `${flag} must be one of ${LOG_LEVELS.join(', ')}`;
        args.level = v;
        break;
      }
      default:
        if (arg.startsWith('-')) return `unknown option ${arg}`;
        if (args.file) return `unexpected argument ${arg}`;
        args.file = arg;
    }
  }
  return args;
}

export const rewriteCommand: CliCommand = {
  name: 'rewrite',
  summary: msg('cli.rewrite.summary'),
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const args = parseArgs(argv);
    if (typeof args === 'string') {
      io.err(`atb-migrate rewrite: ${args}\n\n${USAGE}`);
      return EXIT.usage;
    }
    if (args.help) {
      io.out(USAGE);
      return EXIT.ok;
    }
    if (!args.file || !args.staticShape) {
      io.err(`atb-migrate rewrite: ${!args.file ? 'missing <modeling_*.py>' : 'say which rewrite: --static-shape'}\n\n${USAGE}`);
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
