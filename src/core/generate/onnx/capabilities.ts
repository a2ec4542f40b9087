/**
 * What the ONNX export script can do with each model-family quirk. The script calls the model's own
 * transformers modules (decoder layers, norms, rotary), so everything computed inside a layer is
 * exported as the model computes it; what is refused is what a traced, static-shape graph would
 * freeze wrongly (data-dependent routing, length-dependent positions) or what the four-piece
 * contract cannot hold (latent K/V, cross-attention, positions added outside the layers).
 */
import type { QuirkId } from '../../families';

export type Capability = 'implemented' | { refused: string };

const R = (code: string): Capability => ({ refused: code });

export const ONNX_CAPABILITIES: Record<QuirkId, Capability> = {
  'mapped-names': 'implemented', // the decoder's layer/norm attribute names come from the catalogue
  'packed-qkv': 'implemented',
  'grouped-qkv': 'implemented',
  'packed-gate-up': 'implemented',
  'plain-mlp': 'implemented',
  'gelu-mlp': 'implemented',
  activation: 'implemented',
  'norm-plus-one': 'implemented',
  layernorm: 'implemented',
  'qkv-bias': 'implemented',
  'o-bias': 'implemented',
  'mlp-bias': 'implemented',
  'qk-norm': 'implemented',
  'qk-norm-projection': 'implemented',
  'partial-rotary': 'implemented',
  'rope-interleaved': 'implemented',
  'rope-2d': R('onnx.refused.rope-2d'),
  'rope-scaling-linear': 'implemented',
  'rope-scaling-llama3': 'implemented',
  'rope-scaling-dynamic': 'implemented', // the script refuses -s beyond the original context
  'logn-attn': 'implemented', // the script refuses -s beyond the trained length
  'rope-scaling-yarn': 'implemented',
  'rope-scaling-longrope': 'implemented', // same limit as dynamic
  'rope-scaling-other': R('onnx.refused.rope-scaling-other'),
  'rope-local-base': R('onnx.refused.rope-local-base'),
  mrope: R('onnx.refused.mrope'),
  alibi: R('onnx.refused.alibi'),
  'learned-positions': R('onnx.refused.learned-positions'),
  'embed-scale': 'implemented', // EMBED_SCALE in embedding.onnx
  'sliding-window': 'implemented', // the script refuses -s beyond the window
  'attn-softcap': 'implemented',
  'final-softcap': 'implemented', // monotonic: the top-1 token is unchanged
  'attn-scale': 'implemented',
  'logit-scale': 'implemented', // a positive factor: the top-1 token is unchanged
  'residual-scale': 'implemented',
  'sandwich-norm': 'implemented',
  'post-norm': 'implemented',
  'parallel-residual': 'implemented',
  'head-bias': 'implemented',
  'tied-head': 'implemented',
  moe: R('onnx.refused.moe'),
  'shared-experts': R('onnx.refused.moe'),
  mla: R('onnx.refused.mla'),
  'norm-head': 'implemented',
  'cross-attention': R('onnx.refused.cross-attention'),
  'vision-tower': 'implemented', // the language model is exported; the vision parts are not part of this script
};
