/**
 * A Hugging Face `quantization_config` (AWQ, GPTQ, ...) recognised and explained. MindIE's loaders
 * read msModelSlim's layout (quant_model_description.json + per-linear scale tensors); an AWQ/GPTQ
 * checkpoint packs int4 weights as qweight/qzeros/scales, which they do not load. Say what to do.
 */
import { msg } from '../i18n';
import type { Finding, Problem } from './index';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/** quant_method values with a specific explanation; others get the generic one. */
const EXPLAINED = ['awq', 'gptq'];

export function explainHfQuantization(top: Json, config: Json): { findings: Finding[]; problems: Problem[] } {
  const findings: Finding[] = [];
  const problems: Problem[] = [];
  const qc = isObject(config.quantization_config) ? config.quantization_config : isObject(top.quantization_config) ? top.quantization_config : undefined;
  if (qc) {
    const method = String(qc.quant_method ?? 'unknown').toLowerCase();
    const bits = qc.bits ?? qc.w_bit;
    const group = qc.group_size ?? qc.q_group_size;
    const detail = [method.toUpperCase(), bits !== undefined ? `${String(bits)}-bit` : '', group !== undefined ? `group ${String(group)}` : '', qc.version !== undefined ? String(qc.version) : '', qc.desc_act === true ? 'desc_act' : '']
      .filter(Boolean)
      .join(', ');
    findings.push({ key: 'quant.hf', label: msg('modelDir.f.hfQuant'), value: detail, source: 'config.json: quantization_config' });
    const code = EXPLAINED.includes(method) ? `modelDir.quant.hf.${method}` : 'modelDir.quant.hf.other';
    problems.push({ severity: 'warning', code, message: msg(code, { detail }), hint: msg('modelDir.quant.hf.hint') });
  } else if (config.quantize || top.quantize) {
    problems.push({ severity: 'warning', code: 'modelDir.quant.no-description', message: msg('modelDir.quant.no-description', { detail: JSON.stringify(config.quantize ?? top.quantize) }) });
  }
  return { findings, problems };
}
