/**
 * CppPlan -> the Python that drives the generated C++ model from MindIE-LLM's atb_llm: modeling
 * (weights through MindIE's loaders, named as the checkpoint names them), flash_causal (the
 * registered name, the set_param keys with their JSON types, the inputs in C++ order, the weights in
 * the order WeightWrapper gives the C++), plus router/config/__init__ shared with the torch-like target.
 */
import { pyLiteral } from '../python';
import type { CppPlan, PyParam } from './plan';

const q = (s: string) => JSON.stringify(s);

/** How prepare_inputs_for_ascend fills each C++ input (by its name in inTensorCandidates). */
export const INPUT_SOURCES: Record<string, string> = {
  input_ids: 'input_ids',
  positional_ids: 'position_ids.to(torch.int64)',
  cosine_table: 'self.cos_embed',
  sine_table: 'self.sin_embed',
  attention_mask: 'attention_mask',
  block_tables: 'block_tables.to(torch.int32)',
  slots: 'slots.to(torch.int32)',
  kv_cache_idx: 'self.placeholder',
  token_offset: 'self.placeholder',
  place_holder: 'self.placeholder',
  seq_len: 'input_lengths.to(torch.int32)',
  logits_indices: 'lm_head_indices.to(torch.int64)',
};
const suffix = (name: string) => name.split('.').pop() ?? name;

/** Name of the pure-Python module holding the row map of a KV-grouped qkv (no imports: testable alone). */
export const GROUPED_QKV_MODULE = 'grouped_qkv';

/**
 * internlm2's `wqkv` rows -> [q; k; v] of one rank. Sharding mirrors MindIE's
 * Weights.get_tensor_col_packed_qkv_gqa for a [q; k; v] tensor (q heads split evenly over the ranks,
 * KV heads over min(world, kv) ranks), so the C++ base receives what it receives for phi3's qkv_proj.
 */
export function groupedQkvPy(header: string): string {
  return `${header}
# No imports: the row map is plain integer arithmetic, checked on its own.


def grouped_qkv_rank_rows(num_heads, num_kv_heads, head_dim, world_size, rank):
    """Rows of a KV-grouped qkv weight that this rank holds, ordered [q; k; v].

    The checkpoint stores, for each KV group g: (num_heads // num_kv_heads) query heads, then key head g,
    then value head g, each head_dim rows. Query head h belongs to group h // (num_heads // num_kv_heads),
    as in the model's own rearrange "(h gs d)". The C++ base splits [q; k; v] in order.
    """
    if num_kv_heads <= 0 or num_heads % num_kv_heads:
        raise ValueError(f"{num_heads} attention heads do not split into {num_kv_heads} KV groups")
    if num_heads % world_size:
        raise ValueError(f"{num_heads} attention heads do not split over {world_size} ranks")
    if num_kv_heads % world_size and world_size % num_kv_heads:
        raise ValueError(f"{num_kv_heads} KV heads do not split over (or repeat across) {world_size} ranks")
    if not 0 <= rank < world_size:
        raise ValueError(f"rank {rank} is not in 0..{world_size - 1}")
    group = num_heads // num_kv_heads
    slots = group + 2

    def head_rows(kv_head, slot):
        start = (kv_head * slots + slot) * head_dim
        return list(range(start, start + head_dim))

    q_per_rank = num_heads // world_size
    kv_ranks = min(world_size, num_kv_heads)
    kv_per_rank = num_kv_heads // kv_ranks
    kv_first = (rank * kv_ranks // world_size) * kv_per_rank
    kv_heads = range(kv_first, kv_first + kv_per_rank)
    rows = []
    for h in range(rank * q_per_rank, (rank + 1) * q_per_rank):
        rows += head_rows(h // group, h % group)
    for g in kv_heads:
        rows += head_rows(g, group)
    for g in kv_heads:
        rows += head_rows(g, group + 1)
    return rows
`;
}

export function modelingPy(plan: CppPlan, header: string, className: string): string {
  const n = plan.names;
  const packedQkv = n.qkv.length === 1;
  const packedGateUp = n.gateUp.length === 1;
  const qkvNames = n.qkv.map((x) => `f"{self.prefix}.${x}"`).join(', ');
  const gateUpNames = n.gateUp.map((x) => `f"{self.prefix}.${x}"`).join(', ');
  const normCls = plan.norm === 'rms' ? 'RMSNorm' : 'RMSNormBias';
  const qkNorm = n.qNorm && n.kNorm && plan.weights.perLayer > 50;
  const plusOne = plan.plusOneNorm
    ? `

def _fold_plus_one(norm):
    # The checkpoint stores w for a norm computed as x * (1 + w); the ATB norm computes x * w.
    norm.weight.data.add_(1)
`
    : '';
  const fold = (expr: string) => (plan.plusOneNorm ? `\n        _fold_plus_one(${expr})` : '');
  return `${header}

${plan.groupedQkv ? 'import torch\n' : ''}from torch import nn

from atb_llm.models.base.modeling import FlashAttention, FlashLayer, MLP
from atb_llm.utils.layers import ${normCls}, TensorEmbedding${
    plan.groupedQkv
      ? `, TensorParallelColumnLinear, get_linear
from .${GROUPED_QKV_MODULE} import grouped_qkv_rank_rows`
      : ''
  }

# Checkpoint names (from the weights of the model folder).
ROOT = ${q(n.root)}
LAYERS_KEY = ${q(n.layersKey)}
EMBED = ${q(n.embed)}
FINAL_NORM = ${q(n.finalNorm)}
ATTN = ${q(n.attn)}
MLP_MODULE = ${q(n.mlp)}
INPUT_NORM = ${q(n.inputNorm)}
POST_NORM = ${q(n.postNorm)}
O_PROJ = ${q(n.o)}
DOWN_PROJ = ${q(n.down)}
NORM_EPS = ${pyLiteral(plan.normEps, true)}
${plusOne}

class ${className}Attention(FlashAttention):
    def __init__(self, prefix, config, weights, layer_prefix):
        super().__init__(prefix, config, weights)
        self.head_size = ${plan.headDim}
        # ${plan.groupedQkv ? `\`${n.qkv[0]}\` holds q/k/v rows per KV group: load_qkv_weights below reorders them.` : packedQkv ? `\`${n.qkv[0]}\` holds [q; k; v] in order: loaded packed, split per rank.` : 'Separate q, k, v; WeightWrapper packs them per layer when the checkpoint allows.'}
        self.qkv_names = [${qkvNames}]
        self.qkv_bias = ${pyLiteral(plan.qkvBias)}
        self.dense_name = f"{self.prefix}.{O_PROJ}"
        self.pack_name = f"{self.prefix}.query_key_value"
        self.norm_name = f"{layer_prefix}.{INPUT_NORM}"
        self.load_weights()${
          plan.groupedQkv
            ? `

    def load_qkv_weights(self, **kwargs):
        # \`${n.qkv[0]}\` interleaves q/k/v per KV group; the C++ base splits [q; k; v] in order, so this
        # rank's rows are picked in that order (float weights only: quantized scales are grouped too).
        if self.config.quantize:
            raise ValueError(f"{self.qkv_names[0]}: the KV-grouped qkv is de-interleaved for float weights only")
        group = self.weights.process_group
        rows = grouped_qkv_rank_rows(self.num_heads, self.num_kv_heads, self.head_size, group.size(), group.rank())

        def pick(tensor):
            if tensor.shape[0] != (self.num_heads + 2 * self.num_kv_heads) * self.head_size:
                raise ValueError(f"{self.qkv_names[0]}: {tensor.shape[0]} rows, expected (heads + 2 KV heads) x head dim")
            return tensor.index_select(0, torch.tensor(rows, dtype=torch.long, device=tensor.device))

        weight = pick(self.weights.get_tensor(f"{self.qkv_names[0]}.weight"))
        bias = pick(self.weights.get_tensor(f"{self.qkv_names[0]}.bias")) if self.qkv_bias else None
        linear = get_linear(
            weight, bias, self.config.quantize, inter_type=self.config.torch_dtype, prefixes=[self.qkv_names[0]],
            num_linear_before_pack=3, tensor_parallel_dim=0, align_size=self.head_size,
        )
        setattr(self, "query_key_value", TensorParallelColumnLinear(linear))`
            : ''
        }${
          qkNorm
            ? `
        self.q_norm = RMSNorm(prefix=f"{self.prefix}.${n.qNorm}", weights=weights, eps=NORM_EPS)
        self.k_norm = RMSNorm(prefix=f"{self.prefix}.${n.kNorm}", weights=weights, eps=NORM_EPS)${fold('self.q_norm')}${fold('self.k_norm')}`
            : ''
        }


class ${className}Mlp(MLP):
    def __init__(self, prefix, config, weights, layer_prefix):
        super().__init__(prefix, config, weights)
        # ${packedGateUp ? `\`${n.gateUp[0]}\` holds [gate; up].` : 'Separate gate and up projections.'}
        self.gate_up_names = [${gateUpNames}]
        self.pack_name = f"{self.prefix}.gate_up_proj"
        self.down_name = f"{self.prefix}.{DOWN_PROJ}"
        self.norm_name = f"{layer_prefix}.{POST_NORM}"
        self.load_weights()


class ${className}Layer(FlashLayer):
    def __init__(self, layer_id, config, weights):
        super().__init__(layer_id, config, weights, model_prefix=ROOT)
        self.prefix = f"{ROOT}.{LAYERS_KEY}.{layer_id}"
        self.attn_name = "self_attn"
        self.mlp_name = "mlp"
        self.norm_bias = ${pyLiteral(plan.norm === 'layer')}
        self.self_attn = ${className}Attention(f"{self.prefix}.{ATTN}", config, weights, self.prefix)
        self.mlp = ${className}Mlp(f"{self.prefix}.{MLP_MODULE}", config, weights, self.prefix)
        self.load_weights()${fold(`getattr(self, "${suffix(n.inputNorm)}")`)}${fold(`getattr(self, "${suffix(n.postNorm)}")`)}


class Flash${className}Model(nn.Module):
    def __init__(self, config, weights):
        super().__init__()
        self.embed_tokens = TensorEmbedding(prefix=EMBED, weights=weights)
        self.layers = nn.ModuleList(
            [${className}Layer(layer_id, config, weights) for layer_id in range(config.num_hidden_layers)]
        )
        self.norm = ${normCls}(prefix=FINAL_NORM, weights=weights, eps=NORM_EPS)${fold('self.norm')}
`;
}

function paramLines(params: PyParam[], indent: string): string {
  return params.map((p) => `${indent}${q(p.key)}: ${p.expr},${p.note ? `  # ${p.note}` : ''}`).join('\n');
}

export function flashCausalPy(plan: CppPlan, header: string, className: string): string {
  const n = plan.names;
  const qkNorm = plan.weights.perLayer > 50;
  const perLayerKeys = plan.params.filter((p) => p.type === 'array').map((p) => p.key);
  const bias = [plan.qkvBias, false, false, false];
  const halfRotary = !!plan.layer?.halfRotary;
  const rope = plan.rope;
  const scaling =
    rope.kind === 'linear'
      ? `\n        inv_freq = inv_freq / ${pyLiteral(rope.factor, true)}  # rope_scaling linear`
      : rope.kind === 'llama3'
        ? `
        # rope_scaling llama3: keep high frequencies, divide low ones by the factor, blend between.
        low_wavelen = ${pyLiteral(rope.original, true)} / ${pyLiteral(rope.low, true)}
        high_wavelen = ${pyLiteral(rope.original, true)} / ${pyLiteral(rope.high, true)}
        wavelen = 2 * math.pi / inv_freq
        scaled = torch.where(wavelen > low_wavelen, inv_freq / ${pyLiteral(rope.factor, true)}, inv_freq)
        smooth = (${pyLiteral(rope.original, true)} / wavelen - ${pyLiteral(rope.low, true)}) / (${pyLiteral(rope.high, true)} - ${pyLiteral(rope.low, true)})
        blended = (1 - smooth) * scaled / ${pyLiteral(rope.factor, true)} + smooth * scaled
        medium = (wavelen >= high_wavelen) & (wavelen <= low_wavelen)
        inv_freq = torch.where(medium, blended, scaled)`
        : '';
  const limit = plan.seqLimit;
  const limitConst = limit
    ? `
# The C++ base graph attends to every cached token with plain rope. This model equals it only while
# every position is below MAX_EXACT_POSITIONS:
${limit.why.map((w) => `# - ${w}.`).join('\n')}
# Longer sequences are refused rather than computed differently.
MAX_EXACT_POSITIONS = ${limit.positions}`
    : '';
  const limitCheck = limit
    ? `        positions = int(position_ids.max()) + 1
        if positions > MAX_EXACT_POSITIONS or max_seq_len > MAX_EXACT_POSITIONS:
            raise ValueError(
                f"{CPP_MODEL_NAME} is exact up to {MAX_EXACT_POSITIONS} positions (see MAX_EXACT_POSITIONS); "
                f"this batch reaches {max(positions, max_seq_len)}: lower max_seq_len / the input length"
            )
`
    : '';
  return `${header}

import json
${rope.kind === 'llama3' ? 'import math\n' : ''}from typing import List, Optional, Tuple

import torch

from atb_llm.utils.data.weight_wrapper import AttnWrapper, MlpWrapper, WeightWrapper
from atb_llm.utils.env import ENV
from atb_llm.utils.layers import load_column_multi
from ..base.flash_causal_lm import FlashForCausalLM
from .modeling_${plan.modelType} import Flash${className}Model, INPUT_NORM, O_PROJ, POST_NORM, DOWN_PROJ, NORM_EPS

# The C++ model registers this name with REGISTER_MODEL(${plan.ns}, ${plan.className}).
CPP_MODEL_NAME = ${q(plan.registeredName)}
LM_HEAD = ${q(n.lmHead)}
# models/base/param/param.h: NormType RMS_NORM 0 / LAYER_NORM 1; PositionEmbeddingType ROPE 0.
NORM_TYPE_RMS = 0
NORM_TYPE_LAYER = 1
POSITION_EMBEDDING_ROPE = 0
HEAD_DIM = ${plan.headDim}
ROTARY_DIM = ${plan.rotaryDim}
ROPE_THETA = ${pyLiteral(plan.ropeTheta, true)}
# linearHasBias per layer: qkv, dense, gate-up, down.
LINEAR_HAS_BIAS_ROW = [${bias.map((b) => pyLiteral(b)).join(', ')}]
# atb_speed::base::DecoderModel inTensorCandidates["default"], in index order.
ACL_INPUT_NAMES = (
${plan.inputs.map((x) => `    ${q(x)},`).join('\n')}
)
# What the C++ counts: embedding + layers x per layer + final norm + lm_head.
WEIGHT_COUNT_WORD_EMBEDDING = ${plan.weights.embedding}
WEIGHT_COUNT_PER_LAYER = ${plan.weights.perLayer}
WEIGHT_COUNT_FINAL_NORM = ${plan.weights.finalNorm}
WEIGHT_COUNT_LM_HEAD = ${plan.weights.lmHead}
# set_param keys that hold one row per layer.
PER_LAYER_KEYS = (${perLayerKeys.map(q).join(', ')},)${limitConst}


class Flash${className}ForCausalLM(FlashForCausalLM):
    def __init__(self, config, weights, **kwargs):
        self.acl_encoder_operation = None
        self.acl_decoder_operation = None
        super().__init__(config, weights, **kwargs)
        self.head_size = HEAD_DIM
        self.model = Flash${className}Model(config, weights)
        self.lm_head = load_column_multi(config, prefixes=[LM_HEAD], weights=weights, head_size=1, lm_head=True)${
          plan.normHead
            ? `
        # NormHead: each vocab row is L2-normalised; rows are split across ranks, so per-rank is exact.
        self.lm_head.linear.weight.data = torch.nn.functional.normalize(self.lm_head.linear.weight.data, dim=-1)`
            : ''
        }
        self.config = config
        self.placeholder = torch.zeros(1, dtype=self.dtype, device="npu")
        self.lm_head_indices_fake = torch.tensor([0], dtype=torch.int64, device="npu")
        self.transdata_operation = torch.classes.OperationTorch.OperationTorch("TransdataOperation")
        self.transdata_operation.set_param(json.dumps({}))
        self.cos_embed = None
        self.sin_embed = None
        self.acl_param = None
        self.ascend_weight = []

    def init_ascend_operations(self, config):
        self.acl_encoder_operation = torch.classes.ModelTorch.ModelTorch(CPP_MODEL_NAME)
        self.acl_decoder_operation = torch.classes.ModelTorch.ModelTorch(CPP_MODEL_NAME)

    def get_weights(self):
        attn_wrapper = AttnWrapper(
            norm_name=INPUT_NORM.split(".")[-1],
            wrapper_name="self_attn",
            pack_name="query_key_value",
            sep_names=[${n.qkv.length === 3 ? n.qkv.map((x) => q(suffix(x))).join(', ') : ''}],
            o_name=O_PROJ.split(".")[-1],
        )
        mlp_wrapper = MlpWrapper(
            norm_name=POST_NORM.split(".")[-1],
            wrapper_name="mlp",
            pack_name="gate_up_proj",
            sep_names=[${n.gateUp.length === 2 ? n.gateUp.map((x) => q(suffix(x))).join(', ') : ''}],
            down_name=DOWN_PROJ.split(".")[-1],
        )
        weight_wrapper = WeightWrapper(self.soc_info, self.tp_rank, attn_wrapper, mlp_wrapper)
        weight_wrapper.register_embedding(self.model.embed_tokens)
        for i in range(self.num_layers):
            layer = self.model.layers[i]
            weight_wrapper.register_layer(layer, self.quantize)${
              qkNorm
                ? `
            # useQKNorm: two more weights per layer, right after the layer's 50.
            weight_wrapper.register_model_norm(layer.self_attn.q_norm)
            weight_wrapper.register_model_norm(layer.self_attn.k_norm)`
                : ''
            }
        weight_wrapper.register_model_norm(self.model.norm)
        weight_wrapper.register_model_lmhead(self.lm_head)
        return weight_wrapper

    def init_ascend_weight(self):
        weight_wrapper = self.get_weights()
        self.ascend_weight = weight_wrapper.weights
        expected = (WEIGHT_COUNT_WORD_EMBEDDING + self.num_layers * WEIGHT_COUNT_PER_LAYER
                    + WEIGHT_COUNT_FINAL_NORM + WEIGHT_COUNT_LM_HEAD)
        if len(self.ascend_weight) != expected:
            raise ValueError(f"{CPP_MODEL_NAME} expects {expected} weights, got {len(self.ascend_weight)}")
        coder_param = {
${paramLines(plan.params, '            ')}
        }
        for key in PER_LAYER_KEYS:
            if len(coder_param[key]) != self.num_layers:
                raise ValueError(f"{key} needs one row per layer ({self.num_layers}), got {len(coder_param[key])}")
        encoder_param = {**coder_param, "isPrefill": bool(True)}
        decoder_param = {**coder_param, "isPrefill": bool(False)}
        self.acl_encoder_operation.set_param(json.dumps(encoder_param))
        self.acl_decoder_operation.set_param(json.dumps(decoder_param))
        self.acl_encoder_operation.set_weight(self.ascend_weight)
        self.acl_decoder_operation.set_weight(self.ascend_weight)

    def init_kvcache(self, kv_cache: List[Tuple[torch.Tensor, torch.Tensor]]):
        # set_kv_cache takes one K and one V cache per layer.
        if len(kv_cache) != self.num_layers:
            raise ValueError(f"{CPP_MODEL_NAME} needs {self.num_layers} (K, V) caches, got {len(kv_cache)}")
        super().init_kvcache(kv_cache)

    def init_cos_sin_table(self, max_positions, dtype, device):
        exponent = torch.arange(0, ROTARY_DIM, 2, dtype=torch.float32, device=device) / ROTARY_DIM
        inv_freq = 1.0 / (ROPE_THETA ** exponent)${scaling}
        positions = torch.arange(max_positions, dtype=torch.float32, device=device)
        freqs = torch.outer(positions, inv_freq)
        ${
          halfRotary
            ? `# HALF_ROTARY rotates the first ROTARY_DIM dims of each head in interleaved pairs.
        emb = torch.stack((freqs, freqs), dim=-1).flatten(-2)`
            : `# ALL_ROTARY with rotaryCoeff 2 rotates the two halves of each head.
        emb = torch.cat((freqs, freqs), dim=-1)`
        }
        self.cos_embed = emb.cos().to(dtype)
        self.sin_embed = emb.sin().to(dtype)

    def prepare_inputs_for_ascend(
        self,
        input_ids: torch.Tensor,
        position_ids: torch.Tensor,
        is_prefill: bool,
        kv_cache: List[Tuple[torch.Tensor, torch.Tensor]],
        block_tables: torch.Tensor,
        slots: torch.Tensor,
        input_lengths: torch.Tensor,
        max_seq_len: int,
        lm_head_indices: Optional[torch.Tensor] = None,
        **kwargs
    ):
${limitCheck}        if self.cos_embed is None:
            self.init_cos_sin_table(self.max_position_embeddings, self.dtype, self.device)
        if is_prefill:
            attention_mask = self.attn_mask.get_attn_mask(self.max_base_len, self.dtype, self.device)
            if self.soc_info.need_nz:
                attention_mask = self.transdata_operation.execute([attention_mask])[0]
            if lm_head_indices is None:
                lm_head_indices = torch.tensor(range(input_ids.shape[0]), dtype=torch.int64, device=input_ids.device)
        else:
            attention_mask = self.attn_mask_fake
            lm_head_indices = self.lm_head_indices_fake
        self.acl_param = json.dumps({"seqLen": input_lengths.tolist()})
        acl_inputs = [
${plan.inputs.map((name) => `            ${INPUT_SOURCES[name]},  # ${name}`).join('\n')}
        ]
        if len(acl_inputs) != len(ACL_INPUT_NAMES):
            raise ValueError(f"{CPP_MODEL_NAME} takes {len(ACL_INPUT_NAMES)} inputs, got {len(acl_inputs)}")
        return acl_inputs, self.acl_param
`;
}

export function initPy(plan: CppPlan, header: string): string {
  return `${header}\n# Package marker: MindIE imports atb_llm.models.${plan.modelType}.router_${plan.modelType}.\n`;
}
