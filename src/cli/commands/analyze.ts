/**
 * `atb-migrate analyze <model dir | modeling_*.py> [--out D] [--format json,csv] [--json] [-l level] [--force]`
 *
 * Writes msit-compatible reports (`<out>/<ModelClass>/<ModelClass>.json` and `_operators.csv`) and
 * prints a summary: counts per verdict and every unsupported use with file:line.
 * Exit codes: 0 done, 1 input unusable (or a report would be overwritten without --force), 2 usage.
 */
import * as fs from 'fs';
import * as path from 'path';
import { analyzeModelFolder, analyzeSource, parseConfigJson, readiness, readinessJson, readinessLines, summarize, toReports, type AnalysisResult, type FolderAnalysis, type ReadinessSummary } from '../../core/analysis';
import type { DiagnosticData, GeneratedFile } from '../../core/common';
import { formatMessage, msg, type Locale, type Message } from '../../core/i18n';
import { nodeFileReader } from '../../node/fileReader';
import { loadNodeCatalog } from '../../node/catalogFile';
import { nodeSyntax } from '../../node/syntax';
import '../../node/families';
import { writeAllOrNothing } from '../writeFiles';
import { EXIT, Logger, type CliCommand, type CliIO, type LogLevel } from '../io';
import { isError, logLevel, missingArgument, nonEmpty, oneOf, parseCliArgs, unexpectedArgument, usageError } from '../usage';

/** The long `--help` text, in the user's language (cli.usage.analyze-help). */
const usage = (locale: Locale = 'en'): string => formatMessage(msg('cli.usage.analyze-help'), locale);

interface Options {
  input?: string;
  out?: string;
  formats: ('json' | 'csv')[];
  json: boolean;
  force: boolean;
  level: LogLevel;
}

function parseAnalyzeArgs(argv: string[]): Options | { error: Message } {
  const parsed = parseCliArgs(argv, {
    source: { type: 'string', short: 's' },
    out: { type: 'string', short: 'o' },
    format: { type: 'string' },
    json: { type: 'boolean' },
    force: { type: 'boolean' },
    'log-level': { type: 'string', short: 'l' },
    help: { type: 'boolean', short: 'h' },
  });
  if (isError(parsed)) return parsed;
  const { values, positionals } = parsed;
  const source = nonEmpty('-s, --source', values.source);
  const out = nonEmpty('-o, --out', values.out);
  const level = logLevel(values['log-level']);
  for (const v of [source, out, level]) if (isError(v)) return v;
  // The model is -s or the one positional argument, not both.
  if (positionals.length > (source === undefined ? 1 : 0)) return unexpectedArgument(positionals[source === undefined ? 1 : 0]);
  let formats: Options['formats'] = ['json', 'csv'];
  if (values.format !== undefined) {
    const list = String(values.format).split(',').map((f) => f.trim()).filter(Boolean);
    const bad = list.filter((f) => f !== 'json' && f !== 'csv');
    if (!list.length || bad.length) return oneOf('--format', bad.join(',') || String(values.format), ['json', 'csv', 'json,csv']);
    formats = list as Options['formats'];
  }
  return { input: (source as string | undefined) ?? positionals[0], out: out as string | undefined, formats, json: !!values.json, force: !!values.force, level: level as LogLevel };
}

export const analyzeCommand: CliCommand = {
  name: 'analyze',
  summary: msg('cli.analyze.summary'),
  usage: msg('cli.usage.analyze-help'),
  async run(argv, io) {
    if (argv.includes('-h') || argv.includes('--help')) {
      io.out(usage(io.locale));
      return EXIT.ok;
    }
    const parsed = parseAnalyzeArgs(argv);
    const options = isError(parsed) || parsed.input ? parsed : missingArgument('<model dir | file>');
    if (isError(options)) {
      io.err(usageError('analyze', options.error, usage(io.locale), (m) => formatMessage(m, io.locale)));
      return EXIT.usage;
    }
    return analyze(options as Options & { input: string }, io);
  },
};

async function analyze(options: Options & { input: string }, io: CliIO): Promise<number> {
  const log = new Logger(io, options.level);
  const t = (m: Message) => formatMessage(m, io.locale);
  const input = path.resolve(io.cwd, options.input);
  const stat = fs.statSync(input, { throwIfNoEntry: false });
  if (!stat || (!stat.isDirectory() && !/\.py$/.test(input))) {
    log.error(msg('analysis.problem.notFolder', { path: input }));
    return EXIT.refused;
  }
  const { catalog, problems } = loadNodeCatalog(io.cwd);
  for (const p of problems) log.warning(msg('analysis.cli.problemAt', { file: String((p.data as { file?: string })?.file ?? ''), line: p.range.start.line + 1, text: t(p.message) }));
  const syntax = await nodeSyntax();
  let analysis: AnalysisResult | FolderAnalysis;
  if (stat.isDirectory()) {
    const folder = await analyzeModelFolder(syntax, catalog, nodeFileReader, input);
    for (const p of folder.problems) reportProblem(log, p, t);
    if (!folder.result.root) {
      for (const note of [...folder.notes, ...folder.sources.flatMap((s) => s.notes)]) log.error(note);
      log.error(msg('analysis.cli.nothing', { path: input }));
      return EXIT.refused;
    }
    analysis = folder;
  } else {
    const text = await nodeFileReader.readText(input);
    if (text === undefined || text.includes('\u0000')) {
      log.error(msg('analysis.problem.unreadable', { file: input }));
      return EXIT.refused;
    }
    const configText = await nodeFileReader.readText(path.join(path.dirname(input), 'config.json'));
    const config = configText !== undefined ? parseConfigJson(configText).config : undefined;
    const result = analyzeSource(syntax, text, input, catalog, config ? { config } : {});
    for (const d of result.diagnostics.filter((d) => d.code === 'atb.python-syntax').slice(0, 5)) reportProblem(log, { ...d, data: { file: input } }, t);
    if (!result.root) {
      for (const note of result.notes) log.error(note);
      return EXIT.refused;
    }
    analysis = result;
  }
  const outDir = path.resolve(io.cwd, options.out ?? '.');
  const ready = await readiness(analysis, nodeFileReader);
  const files = toReports(analysis, outDir, options.formats, readinessJson(ready, io.locale));
  const clash = files.find((f) => fs.existsSync(f.path) && fs.readFileSync(f.path, 'utf8') !== f.contents);
  if (clash && !options.force) {
    log.error(msg('analysis.cli.wouldOverwrite', { file: clash.path }));
    return EXIT.refused;
  }
  const { failures } = writeAllOrNothing(files);
  if (failures.length) {
    for (const f of failures) log.error(msg('analysis.cli.writeFailed', { file: f.path, detail: f.detail }));
    return EXIT.refused;
  }
  printSummary(analysis, ready, files, options, io, log, t);
  return EXIT.ok;
}

function reportProblem(log: Logger, p: DiagnosticData, t: (m: Message) => string): void {
  // A missing file has no line to point at.
  const m = p.code === 'atb.config.missing' ? p.message : msg('analysis.cli.problemAt', { file: String((p.data as { file?: string })?.file ?? ''), line: p.range.start.line + 1, text: t(p.message) });
  if (p.severity === 'error') log.error(m);
  else log.warning(m);
}

function printSummary(analysis: AnalysisResult | FolderAnalysis, ready: ReadinessSummary, files: GeneratedFile[], options: Options, io: CliIO, log: Logger, t: (m: Message) => string): void {
  const summary = summarize(analysis);
  const result = 'result' in analysis ? analysis.result : analysis;
  const notes = 'result' in analysis ? [...analysis.notes, ...result.notes] : result.notes;
  const shown = (file: string) => {
    const relative = path.relative(io.cwd, file);
    return relative && !relative.startsWith('..') ? relative : file;
  };
  const where = (u: { path?: string; range: { start: { line: number } } }) => `${shown(u.path ?? result.path)}:${u.range.start.line + 1}`;
  if (options.json) {
    io.out(
      JSON.stringify(
        {
          modelClass: summary.modelClass,
          counts: summary.counts,
          summary: readinessJson(ready, io.locale),
          unsupported: summary.unsupported.map((u) => ({ name: u.name, kind: u.kind, file: u.path ?? result.path, line: u.range.start.line + 1, catalogId: u.catalogId ?? null, reason: t(u.reason) })),
          facts: 'facts' in analysis ? analysis.facts : undefined,
          configOnly: 'configOnly' in analysis ? analysis.configOnly : false,
          notes: notes.map(t),
          files: files.map((f) => f.path),
        },
        null,
        2,
      ),
    );
    return;
  }
  log.info(msg('analysis.cli.model', { modelClass: summary.modelClass }));
  if ('facts' in analysis && analysis.config) {
    const f = analysis.facts;
    const position = f.positionEmbedding === 'rope' ? `rope θ=${f.ropeTheta}${f.ropeScaling ? ' ' + f.ropeScaling : ''}` : (f.positionEmbedding ?? '?');
    log.info(msg('analysis.cli.facts', { architecture: f.architecture ?? f.modelType ?? '?', layers: f.numLayers ?? '?', attention: f.attention ?? '?', heads: f.numHeads ?? '?', kvHeads: f.numKvHeads ?? '?', norm: f.norm ?? '?', activation: f.activation ?? '?', position }));
    if (f.moe) log.info(msg('analysis.cli.moe', { experts: f.moe.experts, topK: f.moe.topK ?? '?', shared: f.moe.sharedExperts ?? 0 }));
  }
  log.info(msg('analysis.cli.counts', { ...summary.counts, total: Object.values(summary.counts).reduce((a, b) => a + b, 0) }));
  // The counts are the line above; the parts and the generators complete the readiness summary.
  for (const line of readinessLines(ready, io.locale).slice(1)) io.out(line);
  if (summary.unsupported.length) {
    log.info(msg('analysis.cli.unsupportedHeader', { count: summary.unsupported.length }));
    for (const u of summary.unsupported) io.out(`  ${where(u)}  ${u.name}  ${t(u.reason)}`);
  }
  for (const note of notes) log.info(note);
  for (const f of files) log.info(msg('analysis.cli.wrote', { file: shown(f.path) }));
}
