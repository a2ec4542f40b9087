/**
 * The C++ target's capability table: for each model quirk of the family catalogue, whether MindIE's
 * base classes (plus the overrides this generator writes) express it, or the reason it is refused.
 * generate/support.ts serves it to the wizard, the CLI and the readiness summary.
 */
import { QUIRK_IDS, type QuirkId } from '../../families';
import type { ModelSpec } from '../../modelDir';

const IMPLEMENTED: Partial<Record<QuirkId, string>> = {
  'mapped-names': 'checkpoint names go into the Python loaders',
  'packed-qkv': 'WeightWrapper packs/splits per layer; one C++ model fits both',
  'packed-gate-up': 'loaded packed [gate; up]',
  'grouped-qkv': 'the generated modeling de-interleaves the per-KV-group rows into [q; k; v] per rank before the C++ sees them (float weights)',
  'sliding-window': 'exact up to the window: the generated Python refuses positions beyond it (full attention equals windowed attention there)',
  'rope-scaling-dynamic': 'exact up to the original context: the generated Python refuses positions beyond it (dynamic NTK equals plain rope there)',
  'logn-attn': 'exact up to the trained length: the generated Python refuses positions beyond it (the query scale is 1 there)',
  layernorm: 'normType 1: the base picks DecoderLayer<LayerNormParam>, final norm 2 weights',
  'norm-plus-one': '(1 + w) folded into the norm weights at load time',
  'qkv-bias': 'linearHasBias row [true, false, false, false]',
  'qk-norm': 'useQKNorm: the base adds 2 weights per layer',
  'rope-2d': 'layer override: HALF_ROTARY, rotaryCoeff = head dim / 2, interleaved cos/sin tables',
  'rope-scaling-linear': 'cos/sin tables are Python data',
  'rope-scaling-llama3': 'cos/sin tables are Python data',
  'tied-head': 'the lm_head loads the embedding tensor',
  'norm-head': 'lm_head rows L2-normalised once at load (they are constant at inference)',
};

/** Every quirk: implemented, or refused with `cpp.refused.<id>` (message takes {detail}). */
type Capability = 'implemented' | { refused: string };

export const CPP_SUPPORT: Record<QuirkId, Capability> = Object.fromEntries(
  QUIRK_IDS.map((id): [QuirkId, Capability] => [id, IMPLEMENTED[id] ? 'implemented' : { refused: `cpp.refused.${id}` }]),
) as Record<QuirkId, Capability>;

export interface CppTrait {
  id: QuirkId;
  status: 'implemented' | 'refused';
  detail?: string;
}

/** The model's quirks with the C++ target's verdict on each. */
export function cppTraits(spec: ModelSpec): CppTrait[] {
  return spec.quirks.map((q) => ({ id: q.id, detail: q.detail, status: CPP_SUPPORT[q.id] === 'implemented' ? 'implemented' : 'refused' }));
}

export const CPP_IMPLEMENTED_HOW = IMPLEMENTED;
