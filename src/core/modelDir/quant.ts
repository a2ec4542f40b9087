/**
 * msModelSlim's quant_model_description.json against the weights: every linear the generated code
 * loads must have a quant type, fallback (quant-disabled) layers must be FLOAT, sparse types only on
 * attention/MLP linears, and each quantized weight needs its scale tensors.
 */
import { msg } from '../i18n';
import type { Finding, Problem } from './index';
import { linearModules, type WeightLayout } from './layout';

/** Quant types MindIE knows, with the extra tensors each quantized linear carries. */
export const QUANT_TYPES: Record<string, { sparse?: boolean; tensors: string[] }> = {
  FLOAT: { tensors: [] },
  W8A8: { tensors: ['deq_scale', 'input_scale', 'input_offset', 'quant_bias'] },
  W8A8_MIX: { tensors: ['deq_scale', 'input_scale', 'input_offset', 'quant_bias'] },
  W8A8_DYNAMIC: { tensors: ['weight_scale', 'weight_offset'] },
  W8A8S: { sparse: true, tensors: ['deq_scale', 'input_scale', 'input_offset', 'quant_bias'] },
  W8A8SC: { sparse: true, tensors: ['deq_scale', 'input_scale', 'input_offset', 'quant_bias', 'index'] },
  W8A16: { tensors: ['weight_scale', 'weight_offset'] },
  W4A16: { tensors: ['weight_scale', 'weight_offset'] },
  W4A8: { tensors: ['weight_scale', 'weight_offset'] },
  W4A8_DYNAMIC: { tensors: ['weight_scale', 'weight_offset'] },
  W16A16S: { sparse: true, tensors: [] },
};

/** Keys of the description that are settings, not tensors. */
const SETTING_KEYS = /^(model_quant_type|version|group_size|kv_quant_type|kv_cache_type|fa_quant_type|reduce_quant_type|metadata)$/;

export interface QuantInfo {
  file: string;
  modelQuantType?: string;
  /** Quant type of each linear module the generator loads (full module name). */
  linears: Record<string, string>;
  /** Layers grouped by identical summaries, e.g. `{ layers: '0-27', summary: 'W8A8' }`. */
  layers: { layers: string; summary: string }[];
}

export const DEFAULT_FALLBACK_LAYERS = ['lm_head'];

export function checkQuant(
  description: Record<string, unknown>,
  file: string,
  layout: WeightLayout,
  numLayers: number,
  weightNames: Set<string> | undefined,
  fallbackLayers: string[] = DEFAULT_FALLBACK_LAYERS,
): { info: QuantInfo; findings: Finding[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const findings: Finding[] = [];
  const typeOf = (tensor: string) => (typeof description[tensor] === 'string' ? (description[tensor] as string) : undefined);
  const modelQuantType = typeOf('model_quant_type');
  if (modelQuantType) {
    findings.push({ key: 'quant.model', label: msg('modelDir.f.quantType'), value: modelQuantType, source: `${file}: model_quant_type` });
    problems.push({ severity: 'info', code: 'modelDir.quant.model-type', message: msg('modelDir.quant.model-type', { type: modelQuantType, file }) });
  }

  // Unknown types first (one problem per distinct type).
  const seenUnknown = new Set<string>();
  for (const [key, value] of Object.entries(description)) {
    if (SETTING_KEYS.test(key) || typeof value !== 'string') continue;
    if (!(value in QUANT_TYPES) && !seenUnknown.has(value)) {
      seenUnknown.add(value);
      problems.push({ severity: 'warning', code: 'modelDir.quant.unknown-type', message: msg('modelDir.quant.unknown-type', { name: key, type: value }) });
    }
  }

  const linears: Record<string, string> = {};
  const uncovered: string[] = [];
  const missingScales: { name: string; type: string; tensors: string }[] = [];
  const perLayer: string[] = [];
  for (let i = 0; i < numLayers; i++) {
    const parts: string[] = [];
    for (const module of linearModules(layout, i)) {
      const type = typeOf(`${module}.weight`);
      if (!type) {
        uncovered.push(`${module}.weight`);
        parts.push(`${short(module)} ?`);
        continue;
      }
      linears[module] = type;
      parts.push(`${short(module)} ${type}`);
      const needed = QUANT_TYPES[type]?.tensors ?? [];
      if (weightNames && weightNames.has(`${module}.weight`)) {
        const absent = needed.filter((t) => !weightNames.has(`${module}.${t}`));
        if (absent.length) missingScales.push({ name: module, type, tensors: absent.join(', ') });
      }
      if (QUANT_TYPES[type]?.sparse && isFallback(module, fallbackLayers)) {
        problems.push({ severity: 'error', code: 'modelDir.quant.sparse-unsupported', message: msg('modelDir.quant.sparse-unsupported', { name: module, type }) });
      }
    }
    perLayer.push(summarize(parts));
  }
  if (uncovered.length) {
    problems.push({ severity: 'error', code: 'modelDir.quant.uncovered', message: msg('modelDir.quant.uncovered', { count: uncovered.length, file, first: uncovered[0] }) });
  }
  if (missingScales.length) {
    const first = missingScales[0];
    problems.push({ severity: 'error', code: 'modelDir.quant.missing-scales', message: msg('modelDir.quant.missing-scales', first) });
  }

  // Head, embedding and any named fallback layer must stay FLOAT; sparse types are never allowed there.
  const outside = [layout.lmHead ?? 'lm_head', layout.embed];
  for (const module of outside) {
    const type = typeOf(`${module}.weight`);
    if (!type) continue;
    linears[module] = type;
    if (QUANT_TYPES[type]?.sparse) {
      problems.push({ severity: 'error', code: 'modelDir.quant.sparse-unsupported', message: msg('modelDir.quant.sparse-unsupported', { name: module, type }) });
    }
  }
  for (const [key, value] of Object.entries(description)) {
    if (!key.endsWith('.weight') || typeof value !== 'string') continue;
    const module = key.slice(0, -'.weight'.length);
    if (isFallback(module, fallbackLayers) && value !== 'FLOAT') {
      problems.push({ severity: 'error', code: 'modelDir.quant.fallback-not-float', message: msg('modelDir.quant.fallback-not-float', { name: module, type: value, file }) });
    }
  }

  if (weightNames && weightNames.size) {
    const stray = Object.keys(description).filter((k) => !SETTING_KEYS.test(k) && typeof description[k] === 'string' && !weightNames.has(k));
    if (stray.length) {
      problems.push({ severity: 'warning', code: 'modelDir.quant.missing-weight', message: msg('modelDir.quant.missing-weight', { count: stray.length, file, first: stray[0] }) });
    }
  }

  const layers = groupLayers(perLayer);
  for (const group of layers) {
    findings.push({ key: `quant.layers.${group.layers}`, label: msg('modelDir.f.quantLayer', { layer: group.layers }), value: group.summary, source: file });
  }
  return { info: { file, modelQuantType, linears, layers }, findings, problems };
}

/** `lm_head` matches `lm_head` and `model.lm_head`; `layers.0.mlp.down_proj` matches its full name. */
export function isFallback(module: string, fallbackLayers: string[]): boolean {
  return fallbackLayers.some((f) => module === f || module.endsWith('.' + f));
}

function short(module: string): string {
  return module.slice(module.lastIndexOf('.') + 1);
}

/** `q_proj W8A8, k_proj W8A8, ...` → `W8A8` when uniform. */
function summarize(parts: string[]): string {
  const types = new Set(parts.map((p) => p.slice(p.indexOf(' ') + 1)));
  return types.size === 1 ? [...types][0] : parts.join(', ');
}

function groupLayers(perLayer: string[]): { layers: string; summary: string }[] {
  const groups: { from: number; to: number; summary: string }[] = [];
  perLayer.forEach((summary, i) => {
    const last = groups[groups.length - 1];
    if (last && last.summary === summary && last.to === i - 1) last.to = i;
    else groups.push({ from: i, to: i, summary });
  });
  return groups.map((g) => ({ layers: g.from === g.to ? String(g.from) : `${g.from}-${g.to}`, summary: g.summary }));
}
