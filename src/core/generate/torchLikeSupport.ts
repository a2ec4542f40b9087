/**
 * The torch-like v3 generator's capability table: which quirks templates.ts computes with the
 * atb_llm building blocks, and which it refuses (a named TODO raising NotImplementedError, listed as
 * a problem). test/unit/families.test.ts checks the generated files agree with this table.
 */
import type { QuirkId } from '../families';

type Capability = 'implemented' | { refused: string };

const refused = (id: QuirkId): Capability => ({ refused: `support.v3.${id}` });

export const TORCH_LIKE_SUPPORT: Record<QuirkId, Capability> = {
  'mapped-names': 'implemented',
  'packed-qkv': 'implemented',
  'grouped-qkv': refused('grouped-qkv'),
  'packed-gate-up': 'implemented',
  'plain-mlp': refused('plain-mlp'),
  'gelu-mlp': 'implemented',
  activation: refused('activation'),
  'norm-plus-one': 'implemented',
  layernorm: refused('layernorm'),
  'qkv-bias': 'implemented',
  'o-bias': refused('o-bias'),
  'mlp-bias': refused('mlp-bias'),
  'qk-norm': 'implemented',
  'qk-norm-projection': refused('qk-norm-projection'),
  'partial-rotary': refused('partial-rotary'),
  'rope-interleaved': refused('rope-interleaved'),
  'rope-2d': refused('rope-2d'),
  'rope-scaling-linear': 'implemented',
  'rope-scaling-llama3': 'implemented',
  'rope-scaling-dynamic': refused('rope-scaling-dynamic'),
  'logn-attn': refused('logn-attn'),
  'rope-scaling-yarn': refused('rope-scaling-yarn'),
  'rope-scaling-longrope': refused('rope-scaling-longrope'),
  'rope-scaling-other': refused('rope-scaling-other'),
  'rope-local-base': refused('rope-local-base'),
  mrope: 'implemented',
  alibi: refused('alibi'),
  'learned-positions': refused('learned-positions'),
  'embed-scale': 'implemented',
  'sliding-window': refused('sliding-window'),
  'attn-softcap': refused('attn-softcap'),
  'final-softcap': refused('final-softcap'),
  'attn-scale': refused('attn-scale'),
  'logit-scale': 'implemented',
  'residual-scale': 'implemented',
  'sandwich-norm': 'implemented',
  'post-norm': 'implemented',
  'parallel-residual': refused('parallel-residual'),
  'head-bias': refused('head-bias'),
  'tied-head': 'implemented',
  'norm-head': refused('norm-head'),
  moe: refused('moe'),
  'shared-experts': refused('shared-experts'),
  mla: refused('mla'),
  'cross-attention': refused('cross-attention'),
  'vision-tower': refused('vision-tower'),
};
