/**
 * What the W8A8 / W8A8SC rewrite knows about ATB and the ATB-Models helpers, as data
 * (docs/atb-layers.md sections 2-4). The rewrite code reads these tables; it has no
 * helper-specific if-chains.
 */
export type QuantMode = 'w8a8' | 'w8a8sc';

export const QUANT_INT8 = 'atb::infer::QUANT_INT8';
export const LINEAR_INT8 = 'atb::infer::LinearType::LINEAR_INT8INT8_INT32_FP16';
export const ELEWISE_QUANT = 'atb::infer::ElewiseParam::ElewiseType::ELEWISE_QUANT';
/** `LinearSparseParam {transposeA, transposeB, tilingK, tilingN}`: it has no hasBias / linearType. */
export const LINEAR_SPARSE_INIT = '{false, true, 8, 8}';

/**
 * Field order of `atb::infer::LinearParam` brace initialisers (`{transposeA, transposeB, hasBias}`).
 * The int8 weights of a W8A8 model are stored transposed, as the V2 helpers' `transposeB = true`
 * and the hand-written quant layers (default LinearParam) assume, so a QKV param that says
 * transposeB false (aquila's `{false, false, false}`) has to say true once quantized.
 */
export const LINEAR_PARAM_INIT_ORDER = ['transposeA', 'transposeB', 'hasBias'];

/** Suffixes of the new input entries (msit's naming: `<WEIGHT ENTRY>_DEQSCALE` ...). */
export const SUFFIX = { deqScale: '_DEQSCALE', bias: '_BIAS', index: '_INDEX' } as const;
export const BETA_ENTRY = 'IN_BETA';
export const QUANT_BLOCK_COMMENT = '// Quant weights';

/** Creation calls that run an ATB operation from a param struct. */
export const CREATE_OPERATION_CALLS = new Set(['CreateOperation', 'CREATE_OPERATION']);

/** Param types of the nodes the rewrite touches (last segment of the C++ type). */
export const NORM_PARAM = 'RmsNormParam';
export const LAYER_NORM_PARAM = 'LayerNormParam';
export const LINEAR_PARAM = 'LinearParam';
export const ACTIVATION_PARAM = 'ActivationParam';

/** Helpers with a fixed input-slot layout (`[input, weight, bias, deqScale, index, offset, compressInfo]`...). */
export interface HelperLayout {
  name: string;
  slots: number;
  /** Slot of each weight, in the order deq/bias/index slots are filled. */
  weights: number[];
  deqScale: number[];
  bias: number[];
  index: number[];
  /** Field prefix of the quant params of the op-quantized input, and the layer-param scalar stem. */
  quantParam: string;
  scalarStem: string;
  /**
   * Quant params of linears whose input the norm already quantized (no quant op of their own). The
   * hand-written MLPs disagree: internlm 20b, llama anti_quant, llama_pa anti_quant_paged, starcoder
   * and telechat set `quantUpParam` (quantType INT8, isQuantOp false), baichuan2 7b/13b leave it at
   * its default; the rewrite follows the majority.
   */
  normQuantized?: string[];
  /** The switches that turn the helper's linears to int8 (default `isQuant`). */
  quantFlags?: string[];
}

export const HELPERS: Record<string, HelperLayout> = {
  RowParallelLinearV2: {
    name: 'RowParallelLinearV2',
    slots: 7,
    weights: [1],
    bias: [2],
    deqScale: [3],
    index: [4],
    quantParam: 'quantParam',
    scalarStem: 'oProj',
  },
  MlpGateLayerV2: {
    name: 'MlpGateLayerV2',
    slots: 19,
    weights: [1, 2, 3], // up, gate, down
    deqScale: [4, 5, 6],
    bias: [7, 8, 9],
    index: [10, 11, 12],
    quantParam: 'quantDownParam',
    scalarStem: 'downProj',
    normQuantized: ['quantUpParam'],
  },
};

/**
 * Model-local helpers read from their own headers, by fully qualified call. telechat's
 * (models/telechat/operation/parallel_layer_v2.h, mlp_gate_v2.h) share the field names of the common
 * V2 helpers but have fewer slots and per-linear switches; its hand-written quant_layer.cpp fills
 * deqScale at slot 3 of the row helper and deq up/gate/down at 4-6, biases at 7-9 of the MLP.
 */
export const MODEL_LOCAL_HELPERS: Record<string, { role: 'row' | 'mlp'; layout: HelperLayout }> = {
  'atb_speed::telechat::RowParallelLinearV2': {
    role: 'row',
    layout: { name: 'atb_speed::telechat::RowParallelLinearV2', slots: 5, weights: [1], bias: [2], deqScale: [3], index: [4], quantParam: 'quantParam', scalarStem: 'oProj' },
  },
  'atb_speed::telechat::MlpGateLayerV2': {
    role: 'mlp',
    layout: {
      name: 'atb_speed::telechat::MlpGateLayerV2',
      slots: 13,
      weights: [1, 2, 3],
      deqScale: [4, 5, 6],
      bias: [7, 8, 9],
      index: [10, 11, 12],
      quantParam: 'quantDownParam',
      scalarStem: 'downProj',
      normQuantized: ['quantUpParam', 'quantGateParam'],
      quantFlags: ['isUpQuant', 'isGateQuant', 'isDownQuant'],
    },
  },
};

export function modelLocalHelper(qualified: string): { role: 'row' | 'mlp'; layout: HelperLayout } | undefined {
  const q = qualified.replace(/\s+/g, '').replace(/^::/, '');
  return MODEL_LOCAL_HELPERS[q] ?? MODEL_LOCAL_HELPERS[`atb_speed::${q}`];
}

/**
 * An unrolled MLP (Linear + Activation + RowParallelLinearV2, gptneox) quantizes its down projection
 * through the row helper's own quant op; its scalars are those of the MLP down projection.
 */
export const ROW_AS_MLP_DOWN: HelperLayout = { ...HELPERS.RowParallelLinearV2, scalarStem: 'downProj' };

/**
 * Namespaces the shared helpers above live in (`layers/*.h`). A call qualified with any other
 * namespace (telechat's `atb_speed::telechat::RowParallelLinearV2`) is a model-local helper that
 * only shares the name: its fields and slots differ, so the tables above must not be applied to it.
 */
export const COMMON_HELPER_NAMESPACES = new Set(['', 'common', 'atb_speed::common', '::atb_speed::common']);

/** The namespace a call is qualified with ('' when unqualified). */
export function helperNamespace(qualified: string): string {
  const cut = qualified.lastIndexOf('::');
  return cut < 0 ? '' : qualified.slice(0, cut);
}

/** V1 helpers: no quant fields; the node has to move to the V2 helper first. */
export const V1_HELPERS: Record<string, string> = {
  RowParallelLinear: 'RowParallelLinearV2',
  ColumnParallelLinear: 'ColumnParallelLinearV2',
  MlpGateLayer: 'MlpGateLayerV2',
  MlpLayer: 'MlpGateLayerV2',
};

/**
 * How a V1 helper node moves to its V2 helper (layers/parallel_layer.h -> parallel_layer_v2.h,
 * layers/mlp_gate.h -> mlp_gate_v2.h): new call, param type, header, the V1 fields that moved into
 * the V2 comm struct, and where each V1 input slot lands in the V2 layout. V1 helpers missing here
 * (ColumnParallelLinear, used for QKV) are refused.
 */
export interface V1Migration {
  v2: string;
  paramV1: string;
  paramV2: string;
  header: [string, string];
  fieldMoves: Record<string, string>;
  /** V1 input count -> V2 slot of each V1 input. */
  slotMaps: Record<number, number[]>;
  /** Fields the V2 param needs to mean what the V1 helper did (MlpLayer: no gate, not packed). */
  setFields?: [string, string][];
}

export const V1_MIGRATIONS: Record<string, V1Migration> = {
  RowParallelLinear: {
    v2: 'RowParallelLinearV2',
    paramV1: 'ParallelParam',
    paramV2: 'ParallelParamV2',
    header: ['layers/parallel_layer.h', 'layers/parallel_layer_v2.h'],
    fieldMoves: { rank: 'commParam.rank', rankSize: 'commParam.rankSize', rankRoot: 'commParam.rankRoot', hcclComm: 'commParam.hcclComm', backend: 'commParam.backend' },
    slotMaps: { 2: [0, 1], 3: [0, 1, 2] }, // [x, w(, bias)]
  },
  MlpGateLayer: {
    v2: 'MlpGateLayerV2',
    paramV1: 'MlpGateParam',
    paramV2: 'MlpGateParamV2',
    header: ['layers/mlp_gate.h', 'layers/mlp_gate_v2.h'],
    fieldMoves: { rank: 'commDownParam.rank', rankSize: 'commDownParam.rankSize', rankRoot: 'commDownParam.rankRoot', hcclComm: 'commDownParam.hcclComm', backend: 'commDownParam.backend' },
    // [x, up, gate, down(, biasUp, biasGate, biasDown)]; with isPack the V1 helper takes the packed
    // gate-up weight in the up slot and has no gate slot: [x, gateUp, down(, biasUp, biasDown)].
    slotMaps: { 3: [0, 1, 3], 4: [0, 1, 2, 3], 5: [0, 1, 3, 7, 9], 7: [0, 1, 2, 3, 7, 8, 9] },
  },
  /**
   * `atb_speed::common::MlpLayer` (layers/mlp.h, falcon 7b) builds up Linear {false, transpose, isBias},
   * activation, and a V1 RowParallelLinear down projection: what layers/mlp_gate_v2.cpp builds with
   * noGate and not isPack (starcoder's float and quant layers use that un-gated V2 MLP). [x, up, down(,
   * biasUp, biasDown)] land in the up/down weight and bias slots.
   */
  MlpLayer: {
    v2: 'MlpGateLayerV2',
    paramV1: 'MlpParam',
    paramV2: 'MlpGateParamV2',
    header: ['layers/mlp.h', 'layers/mlp_gate_v2.h'],
    fieldMoves: { rank: 'commDownParam.rank', rankSize: 'commDownParam.rankSize', rankRoot: 'commDownParam.rankRoot', hcclComm: 'commDownParam.hcclComm', transpose: 'transposeB' },
    slotMaps: { 3: [0, 1, 3], 5: [0, 1, 3, 7, 9] },
    setFields: [['noGate', 'true'], ['isPack', 'false']],
  },
};
export const HOLDER_ENTRY = 'IN_HOLDER';

/**
 * Model-local helpers whose meaning a hand-written quant twin shows, moved to the shared V2 helper
 * the twin uses. `atb_speed::llama::MlpGateLayer` (models/llama/operation/anti_mlp.h, the MLP of
 * the anti-outlier float layers) takes [x, up, gate, down, biasUp, biasGate]; llama/layer/
 * anti_quant_layer.cpp replaces it with the common MlpGateLayerV2 and those biases in its bias slots.
 */
export interface ModelLocalMigration extends V1Migration {
  /** Fully qualified V2 call and param type that replace the model-local ones. */
  call: string;
  param: string;
}
export const MODEL_LOCAL_MIGRATIONS: Record<string, ModelLocalMigration> = {
  'atb_speed::llama::MlpGateLayer': {
    v2: 'MlpGateLayerV2',
    paramV1: 'MlpGateParam',
    paramV2: 'MlpGateParamV2',
    call: 'atb_speed::common::MlpGateLayerV2',
    param: 'atb_speed::common::MlpGateParamV2',
    header: ['models/llama/operation/anti_mlp.h', 'layers/mlp_gate_v2.h'],
    fieldMoves: V1_MIGRATIONS.MlpGateLayer.fieldMoves,
    slotMaps: { 6: [0, 1, 2, 3, 7, 8] },
  },
  /**
   * falcon 40b's own MlpLayer (models/falcon/40b/operation/mlp.h, mlp.cpp at the layer's commit) is the
   * common MlpLayer plus a `backend` field for the down projection's RowParallelLinear.
   */
  'atb_speed::falcon_40b::MlpLayer': {
    ...V1_MIGRATIONS.MlpLayer,
    call: 'atb_speed::common::MlpGateLayerV2',
    param: 'atb_speed::common::MlpGateParamV2',
    header: ['models/falcon/40b/operation/mlp.h', 'layers/mlp_gate_v2.h'],
    fieldMoves: { ...V1_MIGRATIONS.MlpLayer.fieldMoves, backend: 'commDownParam.backend' },
  },
  /**
   * minigpt4's FusionMlp (models/minigpt4/operation/fusion_mlp.h/.cpp at the layer's commit): packed
   * gate-up Linear {false, transpose, false}, split in two on the last dim, SWISH on the first half
   * times the second, down Linear, no communication: MlpGateLayerV2 with isPack and SWISH builds that.
   */
  'atb_speed::llama_7b::FusionMlp': {
    v2: 'MlpGateLayerV2',
    paramV1: 'FusionMlpParam',
    paramV2: 'MlpGateParamV2',
    call: 'atb_speed::common::MlpGateLayerV2',
    param: 'atb_speed::common::MlpGateParamV2',
    header: ['models/minigpt4/operation/fusion_mlp.h', 'layers/mlp_gate_v2.h'],
    fieldMoves: { transpose: 'transposeB' },
    slotMaps: { 3: [0, 1, 3] },
    setFields: [['isPack', 'true'], ['activationType', 'atb::infer::ActivationType::ACTIVATION_SWISH']],
  },
};

/**
 * A plain Linear that no norm quantizes (gptneox 20b's o_proj and MLP down projection) becomes the
 * shared row helper: layers/parallel_layer_v2.cpp builds, for isQuant with quantParam.isQuantOp and
 * the default commParam.rankSize 1, exactly that linear preceded by its own quant op (ELEWISE_QUANT,
 * int8 matmul with deqScale and bias, no communication). [x, w(, bias)] land in slots 0-2.
 */
export const PLAIN_LINEAR_TO_ROW: V1Migration & { call: string; paramType: string } = {
  v2: 'RowParallelLinearV2',
  paramV1: 'LinearParam',
  paramV2: 'ParallelParamV2',
  call: 'atb_speed::common::RowParallelLinearV2',
  paramType: 'atb_speed::common::ParallelParamV2',
  header: ['', 'layers/parallel_layer_v2.h'],
  fieldMoves: {},
  slotMaps: { 2: [0, 1], 3: [0, 1, 2] },
};

/**
 * The migration for a helper call, by its qualified name (model-local first, then shared V1). A
 * model-local entry applies only when the layer includes the header it was read from: another model
 * may have a helper of the same name that means something else.
 */
export function migrationFor(qualified: string, creator: string, includes?: Set<string>): V1Migration | ModelLocalMigration | undefined {
  const q = qualified.replace(/^::/, '');
  const local = MODEL_LOCAL_MIGRATIONS[q] ?? MODEL_LOCAL_MIGRATIONS[`atb_speed::${q}`];
  if (local) return !includes || includes.has(local.header[0]) ? local : undefined;
  return COMMON_HELPER_NAMESPACES.has(helperNamespace(qualified)) ? V1_MIGRATIONS[creator] : undefined;
}

/** The Elewise type that an anti-outlier float layer uses to add its norm bias after the norm. */
export const ANTI_OUTLIER_ADD = 'ELEWISE_ADD';
export const ELEWISE_PARAM = 'ElewiseParam';

/** Fields set on a V2 helper's param to make it quantized (values use `{scale}`/`{offset}`/`{param}`). */
export function helperQuantFields(h: HelperLayout, mode: QuantMode, layerParam: string): [string, string][] {
  const fields: [string, string][] = [['isBias', 'true'], ...(h.quantFlags ?? ['isQuant']).map((f): [string, string] => [f, 'true']), ['transposeB', 'true']];
  if (mode === 'w8a8sc') fields.push(['isSparse', 'true']);
  for (const p of h.normQuantized ?? []) fields.push([`${p}.quantType`, QUANT_INT8], [`${p}.isQuantOp`, 'false']);
  fields.push(
    [`${h.quantParam}.quantType`, QUANT_INT8],
    [`${h.quantParam}.isQuantOp`, 'true'],
    [`${h.quantParam}.elewiseType`, ELEWISE_QUANT],
    [`${h.quantParam}.inputScale`, `${layerParam}.${h.scalarStem}InputScale`],
    [`${h.quantParam}.inputOffset`, `${layerParam}.${h.scalarStem}InputOffset`],
  );
  return fields;
}

/** Layer-param scalars a helper reads, with their C++ declarations (defaults as in the helper's QuantParam). */
export function helperScalars(h: HelperLayout): { name: string; decl: string }[] {
  return [
    { name: `${h.scalarStem}InputScale`, decl: `float ${h.scalarStem}InputScale = 1.0f;` },
    { name: `${h.scalarStem}InputOffset`, decl: `int ${h.scalarStem}InputOffset = 0;` },
  ];
}

/** Types and fields that current ATB no longer has (layer diagnostics). */
export const REMOVED_PARAM_TYPES: Record<string, string> = {
  MatmulParam: 'LinearParam',
  LinearActivationParam: 'LinearParam + ActivationParam',
};
export const REMOVED_FIELDS: { type: string; field: string }[] = [{ type: 'LinearParam', field: 'linearType' }];

/** Output prefixes and the symbol prefix that keeps float and quant layers apart in one library. */
export const NAMING: Record<QuantMode, { file: string; symbol: string; guard: string }> = {
  w8a8: { file: 'quant_', symbol: 'Quant', guard: 'QUANT_' },
  w8a8sc: { file: 'sparse_quant_', symbol: 'SparseQuant', guard: 'SPARSE_QUANT_' },
};

/** Identifiers that only appear in new-style (runtime-quantized) layers. */
export const NEW_STYLE_MARKERS = ['packQuantType', 'linearQuantType'];
export const NEW_STYLE_BASE = /DecoderLayer/;
/** Evidence that a layer is already quantized. */
export const QUANT_MARKERS = ['QUANT_INT8', 'LINEAR_INT8INT8_INT32_FP16', 'LinearSparseParam', 'ELEWISE_QUANT'];
export const QUANT_ENTRY = /_DEQSCALE$|_DEQ_SCALE$/;
/** An IN_BETA read by a norm is a quant norm's offset; read by an Add it is anti-outlier smoothing. */
export const BETA_NAME = /^IN_BETA$/;
export const QUANT_FLAG = /quant|sparse/i;
/** Operations that run on already-quantized weights (contrib's and glm 130b's W8A16, llama2 70b's W8A8). */
export const QUANTIZED_OP = /W\d+A\d+|Quant/;
