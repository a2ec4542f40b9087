/**
 * What each generator target does with each quirk: computes it ('implemented') or refuses it with a
 * reason (a message code taking `{detail}` and `{target}`). Each generator registers its own table; the
 * wizard, the CLI and the operator analysis's readiness summary ask `supportFor` — no second copy.
 */
import { msg, type Message } from '../i18n';
import { QUIRK_IDS, type QuirkId, type QuirkUse } from '../families';
import type { ModelSpec } from '../modelDir';
import { TORCH_LIKE_SUPPORT } from './torchLikeSupport';
import { CPP_SUPPORT } from './cpp/traits';
import './cpp/messages';
import { ONNX_CAPABILITIES } from './onnx/capabilities';
import './onnx/messages';
import './supportMessages';

export type Target = 'torch-like' | 'cpp' | 'onnx';
export const TARGETS: readonly Target[] = ['torch-like', 'cpp', 'onnx'];

export type Capability = 'implemented' | { refused: string };
export type CapabilityTable = Record<QuirkId, Capability>;

export type QuirkSupport = { quirk: QuirkUse; status: 'implemented' } | { quirk: QuirkUse; status: 'refused'; code: string; reason: Message };

/** A table refusing everything with one code: what a target has until its generator registers. */
export function refuseAll(code: string): CapabilityTable {
  return Object.fromEntries(QUIRK_IDS.map((id) => [id, { refused: code }])) as CapabilityTable;
}

const tables: Record<Target, CapabilityTable> = {
  'torch-like': TORCH_LIKE_SUPPORT,
  cpp: CPP_SUPPORT,
  onnx: ONNX_CAPABILITIES,
};

/** Called by a generator module (cpp/, onnx/) when it loads. Missing quirks stay as they were. */
export function registerTargetSupport(target: Target, table: Partial<CapabilityTable>): void {
  tables[target] = { ...tables[target], ...table };
}

export function capability(target: Target, quirk: QuirkId): Capability {
  return tables[target][quirk] ?? { refused: 'support.not-yet' };
}

/** Per quirk of this model: implemented, or refused with the reason. */
export function supportFor(spec: Pick<ModelSpec, 'quirks'>, target: Target): QuirkSupport[] {
  return spec.quirks.map((quirk) => {
    const c = capability(target, quirk.id);
    if (c === 'implemented') return { quirk, status: 'implemented' as const };
    return { quirk, status: 'refused' as const, code: c.refused, reason: msg(c.refused, { detail: quirk.detail, target, quirk: quirk.id }) };
  });
}

/** The refused ones only, as a short list (for summaries). */
export function refusedQuirks(spec: Pick<ModelSpec, 'quirks'>, target: Target): QuirkSupport[] {
  return supportFor(spec, target).filter((s) => s.status === 'refused');
}
