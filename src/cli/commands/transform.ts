/**
 * `atb-migrate transform -s <file.cpp|dir> [--enable-sparse] [--dry-run] [--out-dir D] [--json]`:
 * msit's `llm transform` flags, on the core quantize engine. Writes only when an input converted,
 * each file through a temp file + rename so nothing is left half-written.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { formatMessage, msg, type Message } from '../../core/i18n';
import { quantizePaths, type QuantMode, type QuantizeOutcome } from '../../core/quantize';
import { nodeFileReader } from '../../node/fileReader';
import { nodeCppSyntax } from '../../node/syntax';
import { writeAllOrNothing } from '../writeFiles';
import { EXIT, Logger, type CliCommand, type CliIO, type LogLevel } from '../io';
import { isError, logLevel, parseError } from '../usage';
import { isModelSource, MODEL_FLAGS } from './transformSource';

export interface TransformOptions {
  source: string;
  mode: QuantMode;
  dryRun: boolean;
  outDir?: string;
  json: boolean;
  level: LogLevel;
}

/** msit's `transform` flags; exported so another `-s` mode (a model folder) can share them. */
export function parseTransformArgs(argv: string[]): TransformOptions | { help: true } | { error: Message } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        source: { type: 'string', short: 's' },
        'enable-sparse': { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        'out-dir': { type: 'string' },
        json: { type: 'boolean', default: false },
        'log-level': { type: 'string', short: 'l', default: 'info' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    return { error: parseError(error as Error & { code?: string }) };
  }
  if (values.help) return { help: true };
  const level = logLevel(values['log-level']);
  if (isError(level)) return level;
  if (!values.source) return { error: msg('quantize.cli.need-source') };
  return {
    source: values.source,
    mode: values['enable-sparse'] ? 'w8a8sc' : 'w8a8',
    dryRun: !!values['dry-run'],
    outDir: values['out-dir'],
    json: !!values.json,
    level,
  };
}

export const transformCommand: CliCommand = {
  name: 'transform',
  summary: msg('cli.transform.summary'),
  usage: 'atb-migrate transform -s <file.cpp|dir> [--enable-sparse] [--dry-run] [--out-dir D] [--json] [-l debug|info|warning|error] [-h]\n       atb-migrate transform -s <model dir> [-atb <cpp|dir>] [--out D] [--mindie-version v3.0.0.beta.1|v3.0.0] [-py [-quant [--quant-disable-names X]]] [-a] [--dry-run] [--force] [--json]',
  async run(argv: string[], io: CliIO): Promise<number> {
    // A model folder (config.json) or msit's model-scenario flags: the C++/torch-like targets.
    // Required only here: the model mode pulls in the model reader and the generators.
    if (isModelSource(argv, io.cwd) || argv.some((a) => MODEL_FLAGS.includes(a))) return (require('./transformModel') as typeof import('./transformModel')).runModelTransform(argv, io);
    const options = parseTransformArgs(argv);
    const text = (m: Message) => formatMessage(m, io.locale);
    if ('help' in options) {
      io.out(text(msg('quantize.cli.usage')));
      io.out(text(msg('transform.model.usage')));
      return EXIT.ok;
    }
    if ('error' in options) {
      io.err(options.error.code.startsWith('cli.usage.') ? text(msg('quantize.cli.bad-args', { detail: text(options.error) })) : text(options.error));
      io.err(text(msg('quantize.cli.usage')));
      return EXIT.usage;
    }
    return transformLayers(options, io);
  },
};

/**
 * Layer mode of `transform -s`: quantize a layer .cpp/.h or a folder of them (msit's convention),
 * report, and write all outputs or none. Exit code: 0 all converted, 1 anything refused or unwritten.
 */
export async function transformLayers(options: TransformOptions, io: CliIO): Promise<number> {
  const text = (m: Message) => formatMessage(m, io.locale);
  const log = new Logger(io, options.json ? 'error' : options.level);
  const source = path.resolve(io.cwd, options.source);
  const outDir = options.outDir ? path.resolve(io.cwd, options.outDir) : undefined;
  if (!fs.existsSync(source)) {
    io.err(text(msg('quantize.cli.bad-args', { detail: `-s ${options.source}: ${text(msg('quantize.skip.missing'))}` })));
    return EXIT.usage;
  }
  const syntax = await nodeCppSyntax();
  const { results, skipped } = await quantizePaths(syntax, nodeFileReader, [source], options.mode);

  const target = (file: string) => (outDir ? path.join(outDir, path.basename(file)) : file);
  const converted = results.filter((r): r is { input: string; outcome: Extract<QuantizeOutcome, { ok: true }> } => r.outcome.ok);
  const refused = results.filter((r) => !r.outcome.ok);
  const outputs = converted.flatMap((r) => r.outcome.files.map((f) => ({ path: target(f.path), contents: f.contents })));
  const { written, failures } = options.dryRun ? { written: [], failures: [] } : writeAllOrNothing(outputs);

  if (options.json) {
    const summary = {
      mode: options.mode,
      dryRun: options.dryRun,
      converted: converted.map((r) => ({
        input: r.input,
        outputs: r.outcome.report.outputs.map(target),
        addedTensors: r.outcome.report.addedTensors,
        notes: r.outcome.report.notes.map(text),
        counts: r.outcome.report.counts,
        renamed: r.outcome.report.renamed,
      })),
      refused: refused.map((r) => {
        const refusal = (r.outcome as Extract<QuantizeOutcome, { ok: false }>).refusal;
        return { input: r.input, path: refusal.path, code: refusal.code, message: text(refusal.message), range: refusal.range };
      }),
      skipped: skipped.map((s) => ({ path: s.path, code: s.reason.code, message: text(s.reason) })),
      written,
      writeErrors: failures,
    };
    io.out(JSON.stringify(summary, null, 2));
  } else {
    for (const r of converted) {
      const inCount = r.outcome.report.counts.find((c) => c.name.startsWith('IN_'));
      log.info(msg('quantize.cli.added', { input: r.input, count: r.outcome.report.addedTensors.length, before: inCount?.before ?? '?', after: inCount?.after ?? '?' }));
      log.debug(msg('quantize.cli.tensors', { input: r.input, names: r.outcome.report.addedTensors.join(', ') }));
      for (const n of r.outcome.report.notes) log.warning(msg('quantize.cli.note', { input: r.input, note: text(n) }));
      for (const x of r.outcome.report.renamed) log.debug(msg('quantize.cli.renamed', { input: r.input, from: x.from, to: x.to }));
      for (const out of r.outcome.report.outputs) {
        log.info(msg(options.dryRun ? 'quantize.cli.would-write' : 'quantize.cli.wrote', { path: target(out) }));
      }
    }
    for (const r of refused) {
      const refusal = (r.outcome as Extract<QuantizeOutcome, { ok: false }>).refusal;
      // file:line so a terminal or editor can jump to the obstacle.
      const where = (refusal.path ?? r.input) + (refusal.range ? `:${refusal.range.start.line + 1}` : '');
      log.error(msg('quantize.cli.refused', { input: where, code: refusal.code, reason: text(refusal.message) }));
    }
    for (const s of skipped) log.warning(msg('quantize.cli.skipped', { path: s.path, reason: text(s.reason) }));
    for (const f of failures) log.error(msg('quantize.cli.write-failed', f));
    log.info(msg('quantize.cli.summary', { converted: converted.length, refused: refused.length, skipped: skipped.length }));
    if (!written.length) log.info(msg('quantize.cli.nothing-written'));
  }
  if (refused.length || failures.length) return EXIT.refused;
  if (!converted.length) return EXIT.refused;
  return EXIT.ok;
}
