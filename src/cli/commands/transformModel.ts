/**
 * `atb-migrate transform -s <model dir> [-atb <cpp|dir>] [--out D] [-py [-quant [--quant-disable-names X]]] [-a]`:
 * msit's torch-to-ATB scenarios on our targets. A model folder (it has config.json) selects this
 * module; a layer file or folder keeps transform.ts's quantize rewrite. msit's flag rules are checked
 * first and a rejected combination is refused with the rule, writing nothing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { formatMessage, msg, type Message } from '../../core/i18n';
import { readModelFolder, type Problem } from '../../core/modelDir';
import { generateCallerForAtb, generateCpp, isMindieVersion, readAtbModel, resolveAtbPair, DEFAULT_MINDIE_VERSION, MINDIE_VERSIONS, type MindieVersion } from '../../core/generate/cpp';
import { nodeFileReader } from '../../node/fileReader';
import { nodeSyntax } from '../../node/syntax';
import { writeAllOrNothing } from '../writeFiles';
import { EXIT, LOG_LEVELS, Logger, type CliIO, type LogLevel } from '../io';
import { oneOf } from '../usage';
import { generateCommand } from './generate';
import { analyzeCommand } from './analyze';

interface ModelArgs {
  source: string;
  atb?: string;
  out?: string;
  toPython: boolean;
  toQuant: boolean;
  quantDisableNames?: string;
  analyze: boolean;
  enableSparse: boolean;
  version: MindieVersion;
  dryRun: boolean;
  force: boolean;
  json: boolean;
  level: LogLevel;
}

// isModelSource lives in ./transformSource (cheap to load: the layer mode needs it at start-up).
export { isModelSource } from './transformSource';

function parse(argv: string[]): ModelArgs | { error: Message } {
  const a: Partial<ModelArgs> & { version: MindieVersion } = { toPython: false, toQuant: false, analyze: false, enableSparse: false, version: DEFAULT_MINDIE_VERSION, dryRun: false, force: false, json: false, level: 'info' };
  const needsValue = (flag: string) => ({ error: msg('cli.usage.needs-value', { flag }) });
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '-s': case '--source': a.source = value(); break;
      case '-atb': case '--atb_model_path': case '--atb-model-path': a.atb = value(); if (!a.atb) return needsValue(flag); break;
      case '-o': case '--out': case '--out-dir': a.out = value(); if (!a.out) return needsValue(flag); break;
      case '-py': case '--to-python': a.toPython = true; break;
      case '-quant': case '--to-quant': a.toQuant = true; break;
      case '--quant-disable-names': a.quantDisableNames = value(); if (a.quantDisableNames === undefined) return needsValue(flag); break;
      case '-a': case '--analyze': a.analyze = true; break;
      case '--enable-sparse': a.enableSparse = true; break;
      case '--mindie-version': { const v = value(); if (!v) return needsValue(flag); if (!isMindieVersion(v)) return oneOf(flag, v, MINDIE_VERSIONS); a.version = v; break; }
      case '--dry-run': a.dryRun = true; break;
      case '--force': a.force = true; break;
      case '--json': a.json = true; break;
      case '-l': case '--log-level': {
        // msit also accepts fatal and critical: both mean "errors only" here.
        const raw = value();
        const v = (raw === 'fatal' || raw === 'critical' ? 'error' : raw) as LogLevel;
        if (raw === undefined) return needsValue(flag);
        if (!LOG_LEVELS.includes(v)) return oneOf(flag, raw, [...LOG_LEVELS, 'fatal', 'critical']);
        a.level = v;
        break;
      }
      default: return { error: msg(arg.startsWith('-') ? 'cli.usage.unknown-option' : 'cli.usage.unexpected-argument', { flag: arg, arg }) };
    }
  }
  if (!a.source) return { error: msg('quantize.cli.need-source') };
  return a as ModelArgs;
}

/** msit's rules for combining transform flags (its --help and docs), checked before any work. */
export function msitRuleViolation(a: Pick<ModelArgs, 'toPython' | 'toQuant' | 'quantDisableNames' | 'atb' | 'analyze' | 'enableSparse'>): Message | undefined {
  if (a.toQuant && !a.toPython) return msg('transform.rule.quant-needs-py');
  if (a.quantDisableNames !== undefined && !(a.toPython && a.toQuant)) return msg('transform.rule.disable-needs-quant');
  if (a.atb && a.toPython) return msg('transform.rule.atb-not-py');
  if (a.analyze && (a.toPython || a.atb)) return msg('transform.rule.analyze-alone');
  if (a.enableSparse) return msg('transform.rule.sparse-layers');
  return undefined;
}

export async function runModelTransform(argv: string[], io: CliIO): Promise<number> {
  const text = (m: Message) => formatMessage(m, io.locale);
  const a = parse(argv);
  if ('error' in a) {
    io.err(a.error.code.startsWith('cli.usage.') ? text(msg('transform.model.bad-args', { detail: text(a.error) })) : text(a.error));
    return EXIT.usage;
  }
  // -py/-quant/-atb/-a name a model scenario: the source must be a model folder (msit picks the scenario by it).
  if (!fs.existsSync(path.join(path.resolve(io.cwd, a.source), 'config.json'))) {
    io.err(text(msg('transform.rule.rejected', { rule: text(msg('transform.rule.model-flags', { source: a.source })) })));
    return EXIT.usage;
  }
  const rule = msitRuleViolation(a);
  if (rule) {
    io.err(text(msg('transform.rule.rejected', { rule: text(rule) })));
    return EXIT.usage;
  }
  const pass = (extra: string[]) => [...(a.out ? ['--out', a.out] : []), ...(a.dryRun ? ['--dry-run'] : []), ...(a.json ? ['--json'] : []), '-l', a.level, ...extra];
  // -a: the operator report; -py: the torch-like target (-quant adds the quantized description check).
  if (a.analyze) return analyzeCommand.run([a.source, ...(a.out ? ['--out', a.out] : []), ...(a.json ? ['--json'] : [])], io);
  if (a.toPython) {
    const names = a.toQuant ? ['--fallback-layers', readDisableNames(a.quantDisableNames, io.cwd)] : [];
    return generateCommand.run([a.source, '--target', 'torch-like', ...(a.force ? ['--force'] : []), ...pass(names)], io);
  }
  return runCppTransform(a, io);
}

function readDisableNames(value: string | undefined, cwd: string): string {
  if (value === undefined) return 'lm_head';
  const file = path.resolve(cwd, value);
  if (fs.existsSync(file) && fs.statSync(file).isFile()) return fs.readFileSync(file, 'utf8').split(/\r?\n/).map((s) => s.trim()).filter(Boolean).join(',');
  return value;
}

/** The C++ target (or, with -atb, only the Python for an existing C++ model). */
export async function runCppTransform(a: Pick<ModelArgs, 'source' | 'atb' | 'out' | 'version' | 'dryRun' | 'force' | 'json' | 'level'> & { modelType?: string }, io: CliIO): Promise<number> {
  const text = (m: Message) => formatMessage(m, io.locale);
  const log = new Logger(io, a.json ? 'error' : a.level);
  const modelDir = path.resolve(io.cwd, a.source);
  const outRoot = a.out ? path.resolve(io.cwd, a.out) : defaultOutRoot(io.cwd);
  const read = await readModelFolder(nodeFileReader, modelDir, (m) => log.debug(m));
  const problems: Problem[] = [...read.problems];
  let files: { path: string; contents: string }[] = [];
  let nextSteps: Message[] = [];
  if (read.spec && !read.problems.some((p) => p.severity === 'error')) {
    let result;
    if (a.atb) {
      const pair = await resolveAtbPair(nodeFileReader, path.resolve(io.cwd, a.atb));
      if ('error' in pair) {
        io.err(text(pair.error));
        return EXIT.usage;
      }
      const facts = await readAtbModel(await nodeSyntax(), nodeFileReader, pair, a.version);
      result = generateCallerForAtb(read.spec, facts, { outRoot, version: a.version, modelType: a.modelType });
    } else {
      result = generateCpp(read.spec, { outRoot, version: a.version, modelType: a.modelType });
    }
    problems.push(...result.problems);
    files = result.files;
    nextSteps = result.nextSteps;
  }
  const existing = files.filter((f) => fs.existsSync(f.path));
  if (!problems.some((p) => p.severity === 'error') && existing.length && !a.force && !a.dryRun) {
    problems.push({ severity: 'error', code: 'cli.generate.exists', message: msg('cli.generate.exists', { count: existing.length, first: existing[0].path }) });
  }
  let failed = problems.some((p) => p.severity === 'error') || !files.length;
  if (!failed && !a.dryRun) {
    for (const f of writeAllOrNothing(files).failures) problems.push({ severity: 'error', code: 'cli.generate.write-failed', message: msg('cli.generate.write-failed', { detail: `${f.path}: ${f.detail}` }) });
    failed = problems.some((p) => p.severity === 'error');
  }
  if (a.json) {
    io.out(JSON.stringify({ ok: !failed, dryRun: a.dryRun, target: 'cpp', version: a.version, outRoot, problems: problems.map((p) => ({ severity: p.severity, code: p.code, message: text(p.message) })), files: failed ? [] : files.map((f) => ({ path: f.path, ...(a.dryRun ? { contents: f.contents } : {}) })), nextSteps: failed ? [] : nextSteps.map(text) }, null, 2));
    return failed ? EXIT.refused : EXIT.ok;
  }
  for (const p of problems) {
    const line = msg('cli.generate.line', { code: p.code, text: p.hint ? `${text(p.message)} (${text(p.hint)})` : text(p.message) });
    if (p.severity === 'error') log.error(line);
    else if (p.severity === 'warning') log.warning(line);
    else log.debug(line);
  }
  if (failed) {
    log.error(msg('cli.generate.nothing-written'));
    return EXIT.refused;
  }
  for (const f of files) log.info(msg(a.dryRun ? 'cli.generate.would-write' : 'cli.generate.wrote', { path: f.path }));
  for (const s of nextSteps) log.info(s);
  return EXIT.ok;
}

/** examples/atb_models of a MindIE-LLM checkout when run inside one, else the current folder. */
function defaultOutRoot(cwd: string): string {
  for (const candidate of [cwd, path.join(cwd, 'examples', 'atb_models')]) {
    if (fs.existsSync(path.join(candidate, 'atb_framework', 'models', 'base'))) return candidate;
  }
  return cwd;
}
