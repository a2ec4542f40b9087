/**
 * ModelSpec -> a MindIE-LLM C++ model (atb_framework/models/<ns>/) plus the Python that drives it
 * (atb_llm/models/<model_type>/), laid out as in a MindIE-LLM checkout's examples/atb_models/.
 * Pure and deterministic. When any model trait cannot be expressed, nothing is generated and every
 * reason is returned.
 */
import type { GeneratedFile } from '../../common';
import { msg, type Message } from '../../i18n';
import type { ModelSpec, Problem } from '../../modelDir';
import { pyCapitalize } from '../python';
import { configFile, routerFile, type TemplateContext } from '../templates';
import { validateModelType, GENERATOR_VERSION } from '../index';
import { emitCpp } from './emitCpp';
import { flashCausalPy, initPy, modelingPy } from './emitPython';
import { DEFAULT_MINDIE_VERSION, VERSION_FACTS, type MindieVersion } from './mindie';
import { planCpp, type CppPlan } from './plan';
import './messages';

export { MINDIE_VERSIONS, DEFAULT_MINDIE_VERSION, isMindieVersion, type MindieVersion } from './mindie';
export { CPP_CAPABILITIES, cppTraits } from './traits';
export type { CppPlan } from './plan';

export interface CppGenerateOptions {
  /** The examples/atb_models folder of a MindIE-LLM checkout, or any output folder (same layout below it). */
  outRoot: string;
  version?: MindieVersion;
  /** Defaults to config.json's model_type. */
  modelType?: string;
}

export interface GeneratedCppFile extends GeneratedFile {
  /** Path below outRoot, with '/'. */
  rel: string;
  description: Message;
}

export interface CppResult {
  files: GeneratedCppFile[];
  problems: Problem[];
  plan?: CppPlan;
  /** What to do after writing: where the files went, the build and run commands. */
  nextSteps: Message[];
}

export const CPP_MODELS_DIR = 'atb_framework/models';
export const PY_MODELS_DIR = 'atb_llm/models';

const joinPath = (dir: string, rel: string) => {
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  return [dir.replace(/[\\/]+$/, ''), ...rel.split('/')].join(sep);
};

export function generateCpp(spec: ModelSpec, options: CppGenerateOptions): CppResult {
  const version = options.version ?? DEFAULT_MINDIE_VERSION;
  const modelType = options.modelType ?? spec.modelType;
  if (!modelType) {
    return { files: [], nextSteps: [], problems: [{ severity: 'error', code: 'generate.no-model-type', message: msg('generate.no-model-type'), hint: msg('generate.no-model-type.hint') }] };
  }
  const invalid = validateModelType(modelType);
  if (invalid) return { files: [], nextSteps: [], problems: [invalid] };

  const { plan, refusals } = planCpp(spec, modelType, version);
  if (!plan) {
    const problems: Problem[] = refusals.map((r) => ({ severity: 'error', code: r.code, message: r.message, hint: msg('cpp.refused.hint') }));
    problems.push({ severity: 'error', code: 'cpp.nothing-generated', message: msg('cpp.nothing-generated', { count: refusals.length }) });
    return { files: [], problems, nextSteps: [] };
  }
  const className = pyCapitalize(modelType);
  const header = pyHeader(spec, plan);
  const ctx: TemplateContext = {
    spec,
    layout: spec.weights.layout,
    modelType,
    className,
    embeddingParallelThreshold: Number.MAX_SAFE_INTEGER,
    lmHead: plan.names.lmHead,
    lmHeadReusesEmbedding: plan.names.lmHead === plan.names.embed,
    header,
    todos: [],
  };
  const files: GeneratedCppFile[] = [];
  const add = (rel: string, contents: string, description: Message) => files.push({ rel, path: joinPath(options.outRoot, rel), contents, description });
  for (const f of emitCpp(plan, GENERATOR_VERSION)) {
    add(`${CPP_MODELS_DIR}/${f.rel}`, f.contents, msg(f.rel.includes('/layer/') ? 'cpp.file.layer' : 'cpp.file.model', { name: plan.registeredName }));
  }
  const py = `${PY_MODELS_DIR}/${modelType}`;
  add(`${py}/flash_causal_${modelType}.py`, flashCausalPy(plan, header, className), msg('cpp.file.flash', { className, name: plan.registeredName }));
  add(`${py}/modeling_${modelType}.py`, modelingPy(plan, header, className), msg('cpp.file.modeling', { className }));
  add(`${py}/config_${modelType}.py`, configFile(ctx), msg('generate.file.config', { className }));
  add(`${py}/router_${modelType}.py`, routerFile(ctx), msg('generate.file.router', { className }));
  add(`${py}/__init__.py`, initPy(plan, header), msg('generate.file.init'));

  const problems: Problem[] = [];
  for (const t of plan.traits) {
    problems.push({ severity: 'info', code: `cpp.implemented.${t.id}`, message: msg('cpp.implemented', { trait: t.id, detail: t.detail ?? '' }) });
  }
  if (spec.modelType && modelType !== spec.modelType) {
    problems.push({ severity: 'warning', code: 'generate.model-type-differs', message: msg('generate.model-type-differs', { modelType, configType: spec.modelType }) });
  }
  return { files, problems, plan, nextSteps: nextSteps(plan, spec, options.outRoot) };
}

function pyHeader(spec: ModelSpec, plan: CppPlan): string {
  const base = spec.dir.replace(/[\\/]+$/, '').split(/[\\/]/).pop() || spec.dir;
  return [
    `# Generated by atb-migrate ${GENERATOR_VERSION} (C++ graph target) for MindIE-LLM ${plan.version}, model type "${plan.modelType}".`,
    `# Source: ${base}/config.json (${spec.architecture ?? 'no architectures'}); drives the C++ model "${plan.registeredName}".`,
  ].join('\n');
}

function nextSteps(plan: CppPlan, spec: ModelSpec, outRoot: string): Message[] {
  const facts = VERSION_FACTS[plan.version];
  return [
    msg('cpp.next.where', { cpp: joinPath(outRoot, `${CPP_MODELS_DIR}/${plan.ns}`), py: joinPath(outRoot, `${PY_MODELS_DIR}/${plan.modelType}`) }),
    msg('cpp.next.build', { command: facts.buildCommand }),
    msg('cpp.next.run', { command: facts.runCommand.replace('<model dir>', spec.dir) }),
  ];
}
