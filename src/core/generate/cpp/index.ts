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
import { flashCausalPy, groupedQkvPy, GROUPED_QKV_MODULE, initPy, modelingPy } from './emitPython';
import { DEFAULT_MINDIE_VERSION, VERSION_FACTS, type MindieVersion } from './mindie';
import { planCpp, type CppPlan } from './plan';
import type { AtbModelFacts } from './atbReader';
import { INPUT_SOURCES } from './emitPython';
import './messages';

export { MINDIE_VERSIONS, DEFAULT_MINDIE_VERSION, isMindieVersion, type MindieVersion } from './mindie';
export { CPP_SUPPORT, cppTraits } from './traits';
export type { CppPlan } from './plan';
export { readAtbModel, resolveAtbPair, type AtbModelFacts } from './atbReader';

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
    naming: spec.family.naming,
    modelType,
    className,
    embeddingParallelThreshold: Number.MAX_SAFE_INTEGER,
    lmHead: plan.names.lmHead,
    lmHeadReusesEmbedding: plan.names.lmHead === plan.names.embed,
    header,
    implemented: new Set(plan.traits.filter((t) => t.status === 'implemented').map((t) => t.id)),
    refusals: [],
  };
  const files: GeneratedCppFile[] = [];
  const add = (rel: string, contents: string, description: Message) => files.push({ rel, path: joinPath(options.outRoot, rel), contents, description });
  for (const f of emitCpp(plan, GENERATOR_VERSION)) {
    add(`${CPP_MODELS_DIR}/${f.rel}`, f.contents, msg(f.rel.includes('/layer/') ? 'cpp.file.layer' : 'cpp.file.model', { name: plan.registeredName }));
  }
  const py = `${PY_MODELS_DIR}/${modelType}`;
  add(`${py}/flash_causal_${modelType}.py`, flashCausalPy(plan, header, className), msg('cpp.file.flash', { className, name: plan.registeredName }));
  add(`${py}/modeling_${modelType}.py`, modelingPy(plan, header, className), msg('cpp.file.modeling', { className }));
  if (plan.groupedQkv) add(`${py}/${GROUPED_QKV_MODULE}.py`, groupedQkvPy(header), msg('cpp.file.grouped-qkv'));
  add(`${py}/config_${modelType}.py`, configFile(ctx), msg('generate.file.config', { className }));
  add(`${py}/router_${modelType}.py`, routerFile(ctx), msg('generate.file.router', { className }));
  add(`${py}/__init__.py`, initPy(plan, header), msg('generate.file.init'));

  const problems: Problem[] = [];
  for (const t of plan.traits) {
    problems.push({ severity: 'info', code: `cpp.implemented.${t.id}`, message: msg('cpp.implemented', { trait: t.id, detail: t.detail ?? '' }) });
  }
  if (plan.seqLimit) {
    problems.push({ severity: 'warning', code: 'cpp.seq-limit', message: msg('cpp.seq-limit', { positions: plan.seqLimit.positions, detail: plan.seqLimit.details.join('; ') }) });
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
  // Written into a checkout's examples/atb_models: name that folder instead of the placeholder.
  const root = /[\\/]examples[\\/]atb_models[\\/]?$/.test(outRoot) ? outRoot.replace(/[\\/]+$/, '') : '<MindIE-LLM>/examples/atb_models';
  const fill = (command: string) => command.replace('<MindIE-LLM>/examples/atb_models', root).replace('<model dir>', spec.dir);
  return [
    msg('cpp.next.where', { cpp: joinPath(outRoot, `${CPP_MODELS_DIR}/${plan.ns}`), py: joinPath(outRoot, `${PY_MODELS_DIR}/${plan.modelType}`) }),
    msg('cpp.next.build', { command: fill(facts.buildCommand) }),
    msg('cpp.next.run', { command: fill(facts.runCommand) }),
  ];
}

/** Keys the Python merges per operation rather than in coder_param. */
const MERGED_KEYS = ['isPrefill'];
/** Execute-JSON keys the generated prepare_inputs_for_ascend sends. */
const SENT_EXECUTE_KEYS = ['seqLen'];

/**
 * `-atb`: only the Python for an existing C++ model, shaped by what the reader found in it. Any fact
 * the reader could not tell, or a required key/input with no known Python source, refuses it all.
 */
export function generateCallerForAtb(spec: ModelSpec, facts: AtbModelFacts, options: CppGenerateOptions): CppResult {
  const base = generateCpp(spec, options);
  if (!base.plan) return base;
  const problems: Problem[] = facts.missing.map((m) => ({ severity: 'error', code: 'atb.reader.missing', message: m }));
  for (const note of facts.notes) problems.push({ severity: 'info', code: 'atb.reader.note', message: note });
  // Whether a given C++ model splits `wqkv` per KV group itself (splitWithStride in its layer) or reads
  // [q; k; v] is not in the model files the reader sees: de-interleaving for the wrong one is silently wrong.
  if (base.plan.groupedQkv) problems.push({ severity: 'error', code: 'atb.reader.missing', message: msg('atb.reader.grouped-qkv', { file: facts.cppFile, name: base.plan.names.qkv[0] }) });
  const reads = new Map(facts.keys.map((k) => [k.key, k]));
  const params = base.plan.params.filter((p) => {
    const k = reads.get(p.key);
    return k !== undefined && k.type === p.type;
  });
  for (const k of facts.keys) {
    if (!k.required || MERGED_KEYS.includes(k.key) || params.some((p) => p.key === k.key)) continue;
    problems.push({ severity: 'error', code: 'atb.reader.unknown-key', message: msg('atb.reader.unknown-key', { key: k.key, type: k.type }) });
  }
  for (const k of facts.executeKeys) {
    if (k.required && !SENT_EXECUTE_KEYS.includes(k.key)) {
      problems.push({ severity: 'error', code: 'atb.reader.unknown-key', message: msg('atb.reader.unknown-key', { key: k.key, type: k.type }) });
    }
  }
  for (const name of facts.inputs ?? []) {
    if (!(name in INPUT_SOURCES)) problems.push({ severity: 'error', code: 'atb.reader.unknown-input', message: msg('atb.reader.unknown-input', { name }) });
  }
  if (problems.some((p) => p.severity === 'error') || !facts.registered || !facts.inputs || !facts.weights) {
    problems.push({ severity: 'error', code: 'cpp.nothing-generated', message: msg('cpp.atb-nothing', { file: facts.cppFile }) });
    return { files: [], problems, nextSteps: [] };
  }
  const qkNorm = params.some((p) => p.key === 'useQKNorm');
  const plan: CppPlan = {
    ...base.plan,
    ns: facts.registered.ns,
    className: facts.registered.cls,
    registeredName: facts.registeredName!,
    layer: undefined,
    params,
    inputs: facts.inputs,
    weights: { ...facts.weights, perLayer: facts.weights.perLayer + (qkNorm ? 2 : 0), finalNorm: base.plan.norm === 'layer' ? 2 : facts.weights.finalNorm },
  };
  const className = pyCapitalize(plan.modelType);
  const header = pyHeader(spec, plan);
  const files = base.files
    .filter((f) => f.rel.startsWith(PY_MODELS_DIR + '/'))
    .map((f) => {
      if (f.rel.endsWith(`/flash_causal_${plan.modelType}.py`)) return { ...f, contents: flashCausalPy(plan, header, className), description: msg('cpp.file.flash', { className, name: plan.registeredName }) };
      if (f.rel.endsWith(`/modeling_${plan.modelType}.py`)) return { ...f, contents: modelingPy(plan, header, className) };
      return f;
    });
  return { files, problems: [...problems, ...base.problems], plan, nextSteps: [msg('cpp.next.where-py', { py: joinPath(options.outRoot, `${PY_MODELS_DIR}/${plan.modelType}`) }), nextSteps(plan, spec, options.outRoot)[2]] };
}
