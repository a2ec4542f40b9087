/**
 * `atb-migrate generate <model dir> [--out D] [--model-type T] [--json] [--dry-run] [-l level]`:
 * reads a transformers model folder and writes MindIE's torch-like v3 package to <out>/<model_type>/.
 * Exit 0 written (or would be, with --dry-run), 1 refused (nothing written), 2 usage.
 */
import * as fs from 'fs';
import * as path from 'path';
import { generateV3, type GeneratedV3File } from '../../core/generate';
import { DEFAULT_SEQ_LENGTH, generateOnnx } from '../../core/generate/onnx';
import type { Locale, Message } from '../../core/i18n';
import type { ModelSpec } from '../../core/modelDir';
import { formatMessage, msg } from '../../core/i18n';
import { readModelFolder, type Problem } from '../../core/modelDir';
import { nodeFileReader } from '../../node/fileReader';
import { loadNodeFamilies } from '../../node/families';
import { writeAllOrNothing } from '../writeFiles';
import { DEFAULT_MINDIE_VERSION, isMindieVersion, MINDIE_VERSIONS, type MindieVersion } from '../../core/generate/cpp';
import { runCppTransform } from './transformModel';
import { EXIT, Logger, type CliCommand, type CliIO, type LogLevel } from '../io';
import { isError, logLevel, missingArgument, nonEmpty, oneOf, parseCliArgs, positiveInteger, unexpectedArgument, usageError } from '../usage';

/** The long `--help` text, in the user's language (cli.usage.generate-help). */
const usage = (locale: Locale = 'en'): string => formatMessage(msg('cli.usage.generate-help', { seqLength: DEFAULT_SEQ_LENGTH }), locale);

interface Args {
  modelDir?: string;
  target?: string;
  seqLength?: number;
  mindieVersion?: string;
  out?: string;
  modelType?: string;
  threshold?: number;
  /** `--quant-disable-names` as given: a comma list, or a file of names. */
  fallbackSpec?: string;
  lmHead?: string;
  force: boolean;
  dryRun: boolean;
  json: boolean;
  level: LogLevel;
  help: boolean;
}

function parseGenerateArgs(argv: string[]): Args | { error: Message } {
  const parsed = parseCliArgs(argv, {
    help: { type: 'boolean', short: 'h' },
    out: { type: 'string', short: 'o' },
    'model-type': { type: 'string', short: 't' },
    'embedding-parallel-threshold': { type: 'string' },
    'quant-disable-names': { type: 'string' },
    'fallback-layers': { type: 'string' },
    'lm-head': { type: 'string' },
    force: { type: 'boolean' },
    target: { type: 'string' },
    'seq-length': { type: 'string' },
    'mindie-version': { type: 'string' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
    'log-level': { type: 'string', short: 'l' },
  });
  if (isError(parsed)) return parsed;
  const { values, positionals } = parsed;
  const out = nonEmpty('-o, --out', values.out);
  const lmHead = nonEmpty('--lm-head', values['lm-head']);
  const threshold = positiveInteger('--embedding-parallel-threshold', values['embedding-parallel-threshold']);
  const seqLength = positiveInteger('--seq-length', values['seq-length']);
  const level = logLevel(values['log-level']);
  for (const v of [out, lmHead, threshold, seqLength, level]) if (isError(v)) return v;
  const target = values.target as string | undefined;
  if (target !== undefined && target !== 'cpp' && !(target in GENERATORS)) return oneOf('--target', target, ['cpp', ...Object.keys(GENERATORS)]);
  const mindieVersion = values['mindie-version'] as string | undefined;
  if (mindieVersion !== undefined && !isMindieVersion(mindieVersion)) return oneOf('--mindie-version', mindieVersion, MINDIE_VERSIONS);
  if (positionals.length > 1) return unexpectedArgument(positionals[1]);
  return {
    modelDir: positionals[0],
    target,
    seqLength: seqLength as number | undefined,
    mindieVersion,
    out: out as string | undefined,
    modelType: values['model-type'] as string | undefined,
    threshold: threshold as number | undefined,
    fallbackSpec: (values['quant-disable-names'] ?? values['fallback-layers']) as string | undefined,
    lmHead: lmHead as string | undefined,
    force: !!values.force,
    dryRun: !!values['dry-run'],
    json: !!values.json,
    level: level as LogLevel,
    help: !!values.help,
  };
}

type Generated = { files: GeneratedV3File[]; problems: Problem[] };
/** One entry per --target: how it generates and where it writes by default. */
const GENERATORS: Record<string, { generate(spec: ModelSpec, args: Args, outDir: string, locale: Locale, fallbackLayers?: string[]): Generated; defaultOut(cwd: string, modelDir: string): string; readerWarnings?: false }> = {
  'torch-like': {
    generate: (spec, a, outDir, _locale, fallbackLayers) => generateV3(spec, { outDir, modelType: a.modelType, embeddingParallelThreshold: a.threshold, fallbackLayers, lmHead: a.lmHead }),
    defaultOut: (cwd) => defaultOut(cwd),
  },
  onnx: {
    generate: (spec, a, outDir, locale) => generateOnnx(spec, { outDir, seqLength: a.seqLength, locale }),
    defaultOut: (cwd, modelDir) => path.join(cwd, `${path.basename(modelDir)}-onnx`),
    // The reader's warnings are about MindIE's building blocks; the ONNX script runs the model's own modules.
    readerWarnings: false,
  },
};

/**
 * msit's `--quant-disable-names`: a comma-separated list, or the path of a file with one name per
 * line (blank lines and `#` comments skipped). A value naming an existing file is read as a file.
 */
export function readNameList(value: string, cwd: string): string[] | Message {
  const file = path.resolve(cwd, value);
  let text: string | undefined;
  try {
    if (fs.statSync(file).isFile()) text = fs.readFileSync(file, 'utf8');
  } catch {
    /* not a file: a list */
  }
  const names = (text !== undefined ? text.split(/\r?\n/).map((l) => l.replace(/#.*/, '')) : value.split(',')).map((s) => s.trim()).filter(Boolean);
  if (!names.length) return text !== undefined ? msg('cli.usage.names-file-empty', { file }) : msg('cli.usage.names-none');
  const bad = names.find((n) => !/^[A-Za-z0-9_.]+$/.test(n));
  if (bad !== undefined) return msg('cli.usage.not-a-name', { name: bad });
  return names;
}

function defaultOut(cwd: string): string {
  const models = path.join(cwd, 'atb_llm', 'models');
  return fs.existsSync(path.join(models, 'base')) ? models : cwd;
}

export const generateCommand: CliCommand = {
  name: 'generate',
  summary: msg('cli.generate.summary'),
  usage: msg('cli.usage.generate-help', { seqLength: DEFAULT_SEQ_LENGTH }),
  async run(argv: string[], io: CliIO): Promise<number> {
    const args = parseGenerateArgs(argv);
    if (isError(args)) {
      io.err(usageError('generate', args.error, usage(io.locale), (m) => formatMessage(m, io.locale)));
      return EXIT.usage;
    }
    if (args.help) {
      io.out(usage(io.locale));
      return EXIT.ok;
    }
    if (!args.modelDir) {
      io.err(usageError('generate', missingArgument('<model dir>').error, usage(io.locale), (m) => formatMessage(m, io.locale)));
      return EXIT.usage;
    }
    if (args.target === 'cpp') {
      return runCppTransform({ source: args.modelDir, out: args.out, modelType: args.modelType, version: (args.mindieVersion as MindieVersion | undefined) ?? DEFAULT_MINDIE_VERSION, dryRun: args.dryRun, force: args.force, json: args.json, level: args.level }, io);
    }
    const log = new Logger(io, args.json ? 'error' : args.level);
    const modelDir = path.resolve(io.cwd, args.modelDir);
    const generator = GENERATORS[args.target ?? 'torch-like'];
    const outDir = args.out ? path.resolve(io.cwd, args.out) : generator.defaultOut(io.cwd, modelDir);
    const text = (m: Problem['message']) => formatMessage(m, io.locale);
    const report = (problems: Problem[]) => {
      for (const p of problems) {
        const line = p.hint ? `${text(p.message)} (${text(p.hint)})` : text(p.message);
        if (p.severity === 'error') log.error(msg('cli.generate.line', { code: p.code, text: line }));
        else if (p.severity === 'warning') log.warning(msg('cli.generate.line', { code: p.code, text: line }));
        else log.debug(msg('cli.generate.line', { code: p.code, text: line }));
      }
    };

    let fallbackLayers: string[] | undefined;
    if (args.fallbackSpec !== undefined) {
      const names = readNameList(args.fallbackSpec, io.cwd);
      if (!Array.isArray(names)) {
        io.err(`atb-migrate generate: --quant-disable-names: ${formatMessage(names, io.locale)}`);
        return EXIT.usage;
      }
      fallbackLayers = names;
    }

    // Families described under `families:` in ./.atb-migrate.yaml patch or extend the built-in catalogue.
    const read = await readModelFolder(nodeFileReader, modelDir, (m) => log.debug(m), { families: loadNodeFamilies(io.cwd) });
    const problems: Problem[] = read.problems.map((p) => (generator.readerWarnings === false && p.severity === 'warning' ? { ...p, severity: 'info' as const } : p));
    let files: GeneratedV3File[] = [];
    const readErrors = read.problems.filter((p) => p.severity === 'error');
    if (read.spec && !readErrors.length) {
      const generated = generator.generate(read.spec, args, outDir, io.locale, fallbackLayers);
      problems.push(...generated.problems);
      files = generated.files;
    }
    const errors = problems.filter((p) => p.severity === 'error');
    const existing = files.filter((f) => fs.existsSync(f.path));
    if (!errors.length && existing.length && !args.force && !args.dryRun) {
      problems.push({ severity: 'error', code: 'cli.generate.exists', message: msg('cli.generate.exists', { count: existing.length, first: existing[0].path }) });
    }
    const refused = problems.some((p) => p.severity === 'error') || !files.length;
    if (!refused && !args.dryRun) {
      for (const failure of writeAllOrNothing(files).failures) {
        problems.push({ severity: 'error', code: 'cli.generate.write-failed', message: msg('cli.generate.write-failed', { detail: `${failure.path}: ${failure.detail}` }) });
      }
    }
    const failed = problems.some((p) => p.severity === 'error') || !files.length;

    if (args.json) {
      io.out(
        JSON.stringify(
          {
            ok: !failed,
            dryRun: args.dryRun,
            modelDir,
            outDir,
            spec: read.spec ? { ...read.spec, config: undefined } : undefined,
            findings: read.findings.map((f) => ({ ...f, label: text(f.label) })),
            problems: problems.map((p) => ({ severity: p.severity, code: p.code, message: text(p.message), hint: p.hint && text(p.hint) })),
            files: failed ? [] : files.map((f) => ({ path: f.path, replaces: existing.includes(f), bytes: Buffer.byteLength(f.contents), ...(args.dryRun ? { contents: f.contents } : {}) })),
          },
          null,
          2,
        ),
      );
      return failed ? EXIT.refused : EXIT.ok;
    }
    for (const f of read.findings) log.debug(msg('cli.generate.finding', { label: text(f.label), value: String(f.value), source: f.source }));
    report(problems);
    if (failed) {
      log.error(msg('cli.generate.nothing-written'));
      return EXIT.refused;
    }
    for (const f of files) log.info(msg(args.dryRun ? 'cli.generate.would-write' : 'cli.generate.wrote', { path: f.path }));
    return EXIT.ok;
  },
};
