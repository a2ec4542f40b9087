/**
 * Readiness summary of one analysed model: counts per verdict, which decoder parts map onto ATB
 * building blocks, and per migration target whether this tool's generators support the family.
 * The per-target answer comes from the generators' own capability tables (`supportFor`), never
 * from a second copy of that knowledge here.
 */
import { VERDICTS, type Verdict } from '../catalog';
import type { FileReader } from '../common';
import { QUIRK_IDS } from '../families';
import { capability, supportFor, TARGETS, type Target } from '../generate/support';
import { msg, type Message } from '../i18n';
import { readModelFolder, type ModelSpec } from '../modelDir';
import type { AnalysisResult, FolderAnalysis, OpUse } from './types';
import './messages';

export const DECODER_PARTS = ['attention', 'mlp', 'norm', 'position', 'embedding', 'head'] as const;
export type DecoderPart = (typeof DECODER_PARTS)[number];

export interface PartReadiness {
  part: DecoderPart;
  /** `moe` when the MLP part is a mixture of experts. */
  variant?: 'moe';
  /** atb: every use maps (ATB op, fused, view or host work); partial: some do not; absent: not found. */
  status: 'atb' | 'partial' | 'absent';
  /** ATB operations this part uses, most used first. */
  atbOps: string[];
  /** `name@line` of the uses with no counterpart. */
  unsupported: string[];
}

export interface TargetReadiness {
  target: Target;
  /** supported: the generator handles every quirk of this model; refused: some quirk is refused; unknown: no model folder to tell. */
  status: 'supported' | 'refused' | 'unknown';
  refused: { quirk: string; detail: string; reason: Message }[];
  reason?: Message;
}

export interface ReadinessSummary {
  counts: Record<Verdict, number>;
  parts: PartReadiness[];
  /** model_type and whether the family catalogue knows it, when a config.json was read. */
  family?: { modelType: string; catalogued: boolean };
  targets: TargetReadiness[];
}

const ATTENTION_OPS = new Set(['SelfAttention', 'PagedAttention', 'MultiLatentAttention', 'MlaPreprocess']);
const POSITION_IDS = new Set(['helper.rope', 'helper.rotate_half', 'class.rotary-embedding', 'helper.rope-scaling', 'host.alibi', 'torch.complex-rope', 'torch.outer', 'host.positions']);
const MOE_IDS = new Set(['idiom.moe-block', 'class.moe-gate']);

/** Which decoder part a use belongs to, from its catalogue entry, ATB op and owner class. */
export function partOf(use: OpUse): DecoderPart | undefined {
  // Config-only analyses have no source owner; their ids end with the module path (`model.layers.mlp.up_proj`).
  const fromConfig = use.owner === 'config.json';
  const owner = fromConfig ? use.id.slice(use.id.lastIndexOf(':') + 1) : use.owner;
  const cls = fromConfig ? owner : owner.split('.')[0];
  if ((use.catalogId && POSITION_IDS.has(use.catalogId)) || use.atbOp === 'Rope' || /rotary|rope|alibi/i.test(owner)) return 'position';
  if (use.catalogId === 'nn.Embedding' || /embed/i.test(cls)) return 'embedding';
  if (/NormHead|LMHead|lm_head/i.test(cls) || /For(CausalLM|ConditionalGeneration)$/.test(cls)) return 'head';
  if (use.atbOp === 'RmsNorm' || use.atbOp === 'LayerNorm' || /norm/i.test(cls)) return 'norm';
  if (use.catalogId && MOE_IDS.has(use.catalogId)) return 'mlp';
  // Before the MLP test: `Qwen2MoeAttention` is attention, whatever its family prefix says.
  if ((use.atbOp && ATTENTION_OPS.has(use.atbOp)) || /attention|attn/i.test(owner)) return 'attention';
  // The decoder layer's own glue (residual adds) is no part, even in a `...MoeDecoderLayer`.
  if (/Layer$/.test(cls)) return undefined;
  if (/mlp|moe|expert|ffn|feed_?forward|router|gate|glu/i.test(cls)) return 'mlp';
  return undefined;
}

function resultOf(input: AnalysisResult | FolderAnalysis): AnalysisResult {
  return 'result' in input ? input.result : input;
}

export function partsOf(uses: OpUse[]): PartReadiness[] {
  const byPart = new Map<DecoderPart, OpUse[]>();
  for (const use of uses) {
    const part = partOf(use);
    if (part) byPart.set(part, [...(byPart.get(part) ?? []), use]);
  }
  return DECODER_PARTS.map((part) => {
    const list = byPart.get(part) ?? [];
    const ops = new Map<string, number>();
    for (const u of list) if (u.atbOp && (u.verdict === 'native' || u.verdict === 'fused')) ops.set(u.atbOp, (ops.get(u.atbOp) ?? 0) + 1);
    const unsupported = list.filter((u) => u.verdict === 'unsupported').map((u) => `${u.name}@${u.range.start.line + 1}`);
    return {
      part,
      ...(part === 'mlp' && list.some((u) => u.catalogId && MOE_IDS.has(u.catalogId)) ? { variant: 'moe' as const } : {}),
      status: list.length === 0 ? 'absent' : unsupported.length ? 'partial' : 'atb',
      atbOps: [...ops].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([op]) => op),
      unsupported,
    };
  });
}

/** A target whose table refuses every quirk with `support.not-yet` has no generator yet. */
function hasGenerator(target: Target): boolean {
  return QUIRK_IDS.some((q) => {
    const c = capability(target, q);
    return c === 'implemented' || c.refused !== 'support.not-yet';
  });
}

export function targetsFor(spec: ModelSpec | undefined, why?: Message): TargetReadiness[] {
  return TARGETS.map((target) => {
    if (!spec) return { target, status: 'unknown' as const, refused: [], reason: why ?? msg('analysis.readiness.noConfig') };
    if (!hasGenerator(target)) return { target, status: 'refused' as const, refused: [], reason: msg('analysis.readiness.noGenerator', { target }) };
    const refused = supportFor(spec, target).flatMap((s) => (s.status === 'refused' ? [{ quirk: s.quirk.id, detail: s.quirk.detail, reason: s.reason }] : []));
    return { target, status: refused.length ? ('refused' as const) : ('supported' as const), refused };
  });
}

export function summarizeReadiness(input: AnalysisResult | FolderAnalysis, spec?: ModelSpec, why?: Message): ReadinessSummary {
  const uses = resultOf(input).uses;
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const u of uses) counts[u.verdict]++;
  return {
    counts,
    parts: partsOf(uses),
    ...(spec ? { family: { modelType: spec.modelType, catalogued: spec.family.catalogued } } : {}),
    targets: targetsFor(spec, why),
  };
}

function dirOf(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut > 0 ? path.slice(0, cut) : '.';
}

/**
 * The summary, reading the model folder (the analysed folder, or the file's folder) for the
 * family and its quirks. Without a usable config.json the targets say why they are unknown.
 */
export async function readiness(input: AnalysisResult | FolderAnalysis, reader: FileReader): Promise<ReadinessSummary> {
  const dir = 'result' in input ? input.dir : dirOf(input.path);
  let spec: ModelSpec | undefined;
  let why: Message | undefined;
  try {
    if ((await reader.size(`${dir}/config.json`)) !== undefined) {
      const read = await readModelFolder(reader, dir);
      spec = read.spec;
      const problem = read.problems.find((p) => p.severity === 'error');
      if (!spec && problem) why = problem.message;
    }
  } catch (error) {
    why = msg('analysis.readiness.unreadable', { detail: (error as Error).message });
  }
  return summarizeReadiness(input, spec, why);
}
