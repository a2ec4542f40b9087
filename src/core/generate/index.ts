/**
 * ModelSpec → MindIE-LLM torch-like v3 package: `<outDir>/<modelType>/` with flash_causal_<mt>_v3.py,
 * modeling_<mt>_python.py, config_<mt>.py, router_<mt>.py and __init__.py. Pure and deterministic:
 * the same spec and options give byte-identical files.
 */
import type { GeneratedFile } from '../common';
import { formatMessage, msg, type Message } from '../i18n';
import type { ModelSpec, Problem } from '../modelDir';
import { checkQuant } from '../modelDir/quant';
import { PYTHON_KEYWORDS, pyCapitalize, SAFE_NAME } from './python';
import { configFile, flashCausalFile, headerComment, initFile, modelingFile, REFUSAL_PLACE, routerFile, type Refusal, type TemplateContext } from './templates';
import { supportFor } from './support';
import './messages';

export { routerAllowListEdit, useSyntax, type RouterEditResult } from './router';

export interface GenerateOptions {
  /** Defaults to config.json's model_type. */
  modelType?: string;
  /** The atb_llm/models folder (or any output folder); files go to <outDir>/<modelType>/. */
  outDir: string;
  /** vocab_size at or above which the embedding is split across ranks (qwen2 uses 152064). */
  embeddingParallelThreshold?: number;
  /** Quant-disabled layers that must stay FLOAT (msit's --quant-disable-names); default ['lm_head']. */
  fallbackLayers?: string[];
  /** The module the lm_head loads; default: the weights' head, or the embedding when tied without one. */
  lmHead?: string;
}

/** A generated file plus what the preview shows about it. */
export interface GeneratedV3File extends GeneratedFile {
  /** File name inside the package. */
  name: string;
  description: Message;
}

export const GENERATOR_VERSION = '0.1.0';
export const DEFAULT_EMBEDDING_PARALLEL_THRESHOLD = 152064;
/** Model types whose python graph MindIE-LLM's base router already accepts. */
export const PYTHON_GRAPH_MODEL_TYPES = ['llama', 'qwen2', 'qwen3'];
/** Model types MindIE-LLM ships packages for (generating one replaces its files). */
const BUILTIN_MODEL_TYPES = ['llama', 'qwen2', 'qwen3', 'base', 'deepseekv2', 'baichuan', 'chatglm', 'internlm2', 'mixtral', 'qwen2_moe', 'qwen3_moe', 'gemma', 'phi3', 'telechat', 'bloom', 'starcoder', 'glm4', 'llava', 'qwen2_vl', 'qwen'];

export const MODEL_TYPE_PATTERN = /^[a-z_][a-z0-9_]{0,63}$/;

export function validateModelType(name: string): Problem | undefined {
  if (MODEL_TYPE_PATTERN.test(name) && !PYTHON_KEYWORDS.has(name)) return undefined;
  const suggestion = name.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^([0-9])/, '_$1').slice(0, 64) || 'my_model';
  return {
    severity: 'error',
    code: 'generate.invalid-model-type',
    message: msg('generate.invalid-model-type', { name: name.length > 80 ? name.slice(0, 80) + '...' : name }),
    hint: msg('generate.invalid-model-type.hint', { suggestion: PYTHON_KEYWORDS.has(suggestion) ? `${suggestion}_model` : suggestion }),
  };
}

const joinPath = (dir: string, ...parts: string[]) => [dir.replace(/[\\/]+$/, ''), ...parts].join(dir.includes('\\') && !dir.includes('/') ? '\\' : '/');

export function generateV3(spec: ModelSpec, options: GenerateOptions): { files: GeneratedV3File[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const modelType = options.modelType ?? spec.modelType;
  if (!modelType) {
    problems.push({ severity: 'error', code: 'generate.no-model-type', message: msg('generate.no-model-type'), hint: msg('generate.no-model-type.hint') });
    return { files: [], problems };
  }
  const invalid = validateModelType(modelType);
  if (invalid) return { files: [], problems: [invalid] };

  const naming = spec.family.naming;
  const layout = spec.weights.layout;
  const lmHead = options.lmHead ?? (spec.lmHeadFromEmbedding ? naming.embed : naming.lmHead);
  const names = [naming.root, naming.embed, naming.finalNorm, lmHead, naming.attn, naming.mlp, naming.inputNorm, naming.postNorm, naming.attnOutNorm, naming.mlpOutNorm, naming.o, naming.down, ...naming.qkv, ...naming.gateUp, naming.qNorm, naming.kNorm, naming.up, spec.moe?.module, naming.layers];
  const unsafe = names.find((n) => n !== undefined && n !== '' && !SAFE_NAME.test(n));
  if (unsafe !== undefined || !naming.root) {
    return { files: [], problems: [{ severity: 'error', code: 'generate.unsafe-name', message: msg('generate.unsafe-name', { name: unsafe ?? '(empty root)' }) }] };
  }

  // Every quirk: computed by the templates, or refused where it acts (TODO + NotImplementedError + problem).
  const support = supportFor(spec, 'torch-like');
  const implemented = new Set(support.filter((s) => s.status === 'implemented').map((s) => s.quirk.id));
  const refusals: Refusal[] = support.flatMap((s) => (s.status === 'refused' ? [{ quirk: s.quirk, reason: formatMessage(s.reason, 'en'), place: REFUSAL_PLACE[s.quirk.id] }] : []));

  if (options.fallbackLayers && spec.quant) {
    // Re-check the description against the chosen fallback layers (reading used the default).
    problems.push(...checkQuant(rawDescription(spec), spec.quant.file, layout, spec.numLayers, undefined, options.fallbackLayers).problems.filter((p) => p.code === 'modelDir.quant.fallback-not-float'));
  }

  const className = pyCapitalize(modelType);
  const ctx: TemplateContext = {
    spec,
    naming,
    modelType,
    className,
    embeddingParallelThreshold: Math.max(1, Math.floor(options.embeddingParallelThreshold ?? DEFAULT_EMBEDDING_PARALLEL_THRESHOLD)),
    lmHead,
    lmHeadReusesEmbedding: lmHead === naming.embed,
    header: headerComment(spec, modelType, GENERATOR_VERSION),
    implemented,
    refusals,
  };
  const dir = joinPath(options.outDir, modelType);
  const file = (name: string, contents: string, description: Message): GeneratedV3File => ({ path: joinPath(dir, name), name, contents, description });
  const files = [
    file(`flash_causal_${modelType}_v3.py`, flashCausalFile(ctx), msg('generate.file.flash', { className })),
    file(`modeling_${modelType}_python.py`, modelingFile(ctx), msg('generate.file.modeling', { className })),
    file(`config_${modelType}.py`, configFile(ctx), msg('generate.file.config', { className })),
    file(`router_${modelType}.py`, routerFile(ctx), msg('generate.file.router', { className })),
    file('__init__.py', initFile(ctx), msg('generate.file.init')),
  ];

  for (const s of support) {
    if (s.status !== 'refused') continue;
    const where = REFUSAL_PLACE[s.quirk.id] === 'head' ? files[0].name : files[1].name;
    problems.push({
      severity: 'warning',
      code: s.code,
      message: s.reason,
      hint: msg(REFUSAL_PLACE[s.quirk.id] === 'outside' ? 'generate.refused.outside' : 'generate.refused.todo', { file: where, quirk: s.quirk.id, source: s.quirk.source }),
    });
  }
  if (spec.modelType && modelType !== spec.modelType) {
    problems.push({ severity: 'warning', code: 'generate.model-type-differs', message: msg('generate.model-type-differs', { modelType, configType: spec.modelType }) });
  }
  if (!PYTHON_GRAPH_MODEL_TYPES.includes(modelType)) {
    problems.push({ severity: 'info', code: 'generate.allow-list', message: msg('generate.allow-list', { modelType }) });
  }
  if (BUILTIN_MODEL_TYPES.includes(modelType)) {
    problems.push({ severity: 'info', code: 'generate.builtin', message: msg('generate.builtin', { modelType }) });
  }
  problems.push({ severity: 'info', code: 'generate.version-note', message: msg('generate.version-note') });
  return { files, problems };
}

/** The description as the linears map (enough for the fallback re-check). */
function rawDescription(spec: ModelSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [module, type] of Object.entries(spec.quant?.linears ?? {})) out[`${module}.weight`] = type;
  return out;
}
