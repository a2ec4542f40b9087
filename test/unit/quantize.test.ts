import * as assert from 'assert';
import * as path from 'path';
import { formatMessage } from '../../src/core/i18n';
import '../../src/core/messages';
import { quantizeLayer, quantizeOutputPaths, quantizePaths, type QuantMode, type QuantizeOutcome } from '../../src/core/quantize';
import type { FileReader } from '../../src/core/common';
import type { Syntax } from '../../src/core/syntax';
import { nodeSyntax } from '../../src/node/syntax';
import {
  constant,
  enumEntries,
  fieldAssignments,
  fixtureInput,
  identifierCount,
  inputLists,
  missingPreservedLines,
  structFields,
  syntaxErrors,
  FIXTURE_CASES,
} from '../compile/layer-fixtures';

/** What a reader of each hand-written fixture knows about it (written by hand, not computed). */
interface Converts {
  case: string;
  /** Float symbols that must be renamed (Quant / SparseQuant prefix) in both files. */
  symbols: string[];
  guard?: [string, string];
  header: string;
  inBefore: number;
  qkv: { node: string; input: string; weight: string; bias?: string }[];
  qkvParam: string;
  oProj: { node: string; input: string; weight: string; bias?: string; holder: string; param: string };
  mlp: { node: string; input: string; up: string; gate: string; down: string; holder: string; param: string };
  norms: { node: string; inputs: string[]; param: string }[];
  struct: string;
  /** Header holds the struct; `structIn` says which file. */
  structIn: 'h' | 'cpp';
  enumIn: 'h' | 'cpp';
  firstOut: string;
  /** Lines the case legitimately changes beyond the common ones (V1 -> V2 moves). */
  alsoChanged?: RegExp[];
  /** The enum has no holder entry: the rewrite adds IN_HOLDER after IN_BETA to fill unused helper slots. */
  addsHolder?: boolean;
  /** No from_json: the Create function fills a local param with `param.k = paramJson["k"].get<T>()`. */
  readsIn?: 'create';
}

const CONVERTS: Converts[] = [
  {
    case: 'packed-rope',
    symbols: ['FlashAttentionRopeLayer', 'CreateFlashAttentionRopeLayer', 'FlashAttentionRopeLayerParam', 'FlashAttentionRopeLayerTensorId', 'FlashAttentionRopeLayerBinder'],
    guard: ['DEMO_BAICHUAN2_7B_FLASH_ATTENTION_ROPE_LAYER_H', 'DEMO_BAICHUAN2_7B_{P}FLASH_ATTENTION_ROPE_LAYER_H'],
    header: 'flash_attention_rope_layer.h',
    inBefore: 17,
    qkv: [{ node: 'qkvLinearNode', input: 'INTERMIDATE_INPUTNORMOUT', weight: 'IN_QKVMIXEDLINEARWEIGHT' }],
    qkvParam: 'linearParam',
    oProj: { node: 'selfOutLinearNode', input: 'INTERMIDATE_SELFOUT', weight: 'IN_SELFOUTLINEARWEIGHT', holder: 'IN_HOLDER', param: 'selfOutLinearParam' },
    mlp: { node: 'mlpNode', input: 'INTERMIDATE_SELFNORMOUT', up: 'IN_MLPUPWEIGHT', gate: 'IN_MLPGATEWEIGHT', down: 'IN_MLPDOWNWEIGHT', holder: 'IN_HOLDER', param: 'mlpParam' },
    norms: [
      { node: 'inputNormNode', inputs: ['IN_HIDDENSTATES', 'IN_NORMWEIGHT'], param: 'rmsNormParam' },
      { node: 'selfNormNode', inputs: ['INTERMIDATE_SELFRESIDUALADDOUT', 'IN_SELFOUTNORMWEIGHT'], param: 'rmsNormParam' },
    ],
    struct: 'FlashAttentionRopeLayerParam',
    structIn: 'h',
    enumIn: 'cpp',
    firstOut: 'OUT_LAYEROUT',
  },
  {
    case: 'separate-qkv',
    symbols: ['FlashAttentionLayer', 'CreateFlashAttentionLayer', 'FlashAttentionLayerParam', 'FlashAttentionLayerTensorId', 'FlashAttentionLayerBinder'],
    guard: ['ATB_SPEED_MODELS_LLAMA2_FLASH_ATTENTION_LAYER_H', 'ATB_SPEED_MODELS_LLAMA2_{P}FLASH_ATTENTION_LAYER_H'],
    header: 'flash_attention_layer.h',
    inBefore: 20,
    qkv: [
      { node: 'qLinearNode', input: 'INTERMEDIATE_INPUT_NORM_OUT', weight: 'IN_Q_LINEAR_WEIGHT' },
      { node: 'kLinearNode', input: 'INTERMEDIATE_INPUT_NORM_OUT', weight: 'IN_K_LINEAR_WEIGHT' },
      { node: 'vLinearNode', input: 'INTERMEDIATE_INPUT_NORM_OUT', weight: 'IN_V_LINEAR_WEIGHT' },
    ],
    qkvParam: 'qkvLinearParam',
    oProj: { node: 'selfOutLinearNode', input: 'INTERMEDIATE_SELF_OUT', weight: 'IN_SELF_OUT_LINEAR_WEIGHT', holder: 'IN_HOLDER', param: 'selfOutLinearParam' },
    mlp: { node: 'mlpNode', input: 'INTERMEDIATE_SELF_NORM_OUT', up: 'IN_MLP_UP_WEIGHT', gate: 'IN_MLP_GATE_WEIGHT', down: 'IN_MLP_DOWN_WEIGHT', holder: 'IN_HOLDER', param: 'mlpParam' },
    norms: [
      { node: 'inputNormNode', inputs: ['IN_HIDDEN_STATES', 'IN_NORM_WEIGHT'], param: 'inputNormParam' },
      { node: 'selfNormNode', inputs: ['INTERMEDIATE_SELF_RESIDUAL_ADD_OUT', 'IN_SELF_OUT_NORM_WEIGHT'], param: 'selfNormParam' },
    ],
    struct: 'FlashAttentionLayerParam',
    structIn: 'h',
    enumIn: 'cpp',
    firstOut: 'OUT_LAYER_OUT',
  },
  {
    case: 'existing-bias',
    symbols: ['DecoderFlashLayer', 'CreateDecoderFlashLayer', 'DecoderFlashLayerParam', 'DecoderFlashLayerTensorId'],
    guard: ['QWEN_DECODER_FLASH_LAYER_H', 'QWEN_{P}DECODER_FLASH_LAYER_H'],
    header: 'decoder_flash_layer.h',
    inBefore: 19,
    qkv: [{ node: 'qkvLinearNode', input: 'INTERNAL_INPUT_NORM_OUT', weight: 'IN_QKV_MIXED_WEIGHT', bias: 'IN_QKV_MIXED_BIAS' }],
    qkvParam: 'qkvLinearParam',
    oProj: {
      node: 'selfOutLinearNode',
      input: 'INTERNAL_SELF_OUT',
      weight: 'IN_SELF_OUT_LINEAR_WEIGHT',
      bias: 'IN_SELF_OUT_LINEAR_BIAS',
      holder: 'IN_PLACE_HOLDER',
      param: 'selfOutLinearParam',
    },
    mlp: { node: 'mlpNode', input: 'INTERNAL_SELF_NORM_OUT', up: 'IN_MLP_W2_WEIGHT', gate: 'IN_MLP_W1_WEIGHT', down: 'IN_MLP_CPROJ_WEIGHT', holder: 'IN_PLACE_HOLDER', param: 'mlpParam' },
    norms: [
      { node: 'inputNormNode', inputs: ['IN_HIDDEN_STATES', 'IN_NORM_WEIGHT'], param: 'inputNormParam' },
      { node: 'selfNormNode', inputs: ['INTERNAL_SELF_RESIDUAL_ADD_OUT', 'IN_SELF_OUT_NORM_WEIGHT'], param: 'selfNormParam' },
    ],
    struct: 'DecoderFlashLayerParam',
    structIn: 'h',
    enumIn: 'cpp',
    firstOut: 'OUT_LAYER_OUT',
  },
  {
    case: 'enum-in-header',
    symbols: ['AquilaLayer', 'CreateAquilaLayer', 'AquilaLayerParam', 'AquilaLayerTensorId'],
    guard: ['ATB_SPEED_MODELS_AQUILA_7B_AQUILA_LAYER_H', 'ATB_SPEED_MODELS_AQUILA_7B_{P}AQUILA_LAYER_H'],
    header: 'aquila_layer.h',
    inBefore: 19,
    qkv: [
      { node: 'qLinearNode', input: 'INTERMIDATE_INPUTNORMOUT', weight: 'IN_QMIXEDWEIGHT' },
      { node: 'kLinearNode', input: 'INTERMIDATE_INPUTNORMOUT', weight: 'IN_KMIXEDWEIGHT' },
      { node: 'vLinearNode', input: 'INTERMIDATE_INPUTNORMOUT', weight: 'IN_VMIXEDWEIGHT' },
    ],
    qkvParam: 'linearParam',
    oProj: { node: 'selfOutLinearNode', input: 'INTERMIDATE_SELFOUT', weight: 'IN_SELFOUTLINEARWEIGHT', holder: 'IN_HOLDER', param: 'selfOutLinearParam' },
    mlp: { node: 'mlpNode', input: 'INTERMIDATE_SELFNORMOUT', up: 'IN_MLPUPWEIGHT', gate: 'IN_MLPGATEWEIGHT', down: 'IN_MLPDOWNWEIGHT', holder: 'IN_HOLDER', param: 'mlpParam' },
    norms: [
      { node: 'inputNormNode', inputs: ['IN_HIDDENSTATES', 'IN_NORMWEIGHT'], param: 'rmsNormParam' },
      { node: 'selfNormNode', inputs: ['INTERMIDATE_SELFRESIDUALADDOUT', 'IN_SELFOUTNORMWEIGHT'], param: 'rmsNormParam' },
    ],
    struct: 'AquilaLayerParam',
    structIn: 'h',
    enumIn: 'h',
    firstOut: 'OUT_AQUILALAYEROUT',
  },
  {
    case: 'crlf-chinese',
    symbols: ['FlashAttentionLayer', 'CreateFlashAttentionLayer', 'FlashAttentionLayerParam', 'FlashAttentionLayerTensorId', 'FlashAttentionLayerBinder'],
    header: 'flash_attention_layer.h',
    inBefore: 17,
    qkv: [{ node: 'mixdQKVLinearNode', input: 'INTERMIDATE_INPUTNORMOUT', weight: 'IN_QKVMIXEDLINEARWEIGHT' }],
    qkvParam: 'mixdQkvLinearParam',
    oProj: { node: 'selfOutLinearNode', input: 'INTERMIDATE_SELFOUT', weight: 'IN_SELFOUTLINEARWEIGHT', holder: 'IN_HOLDER', param: 'selfOutLinearParam' },
    mlp: { node: 'mlpNode', input: 'INTERMIDATE_SELFNORMOUT', up: 'IN_MLPUPWEIGHT', gate: 'IN_MLPGATEWEIGHT', down: 'IN_MLPDOWNWEIGHT', holder: 'IN_HOLDER', param: 'mlpParam' },
    norms: [
      { node: 'inputNormNode', inputs: ['IN_HIDDENSTATES', 'IN_NORMWEIGHT'], param: 'inputNormParam' },
      { node: 'selfNormNode', inputs: ['INTERMIDATE_SELFRESIDUALADDOUT', 'IN_SELFOUTNORMWEIGHT'], param: 'selfNormParam' },
    ],
    struct: 'FlashAttentionLayerParam',
    structIn: 'h',
    enumIn: 'cpp',
    firstOut: 'OUT_INTERNLMLAYEROUT',
  },
  {
    case: 'paged-attention',
    symbols: ['PagedAttentionLayer', 'CreatePagedAttentionLayer', 'PagedAttentionLayerParam', 'PagedAttentionLayerTensorId', 'PagedAttentionLayerBinder'],
    guard: ['ATB_SPEED_MODELS_QWEN_PAGED_ATTENTION_LAYER_H', 'ATB_SPEED_MODELS_QWEN_{P}PAGED_ATTENTION_LAYER_H'],
    header: 'paged_attention_layer.h',
    inBefore: 18,
    qkv: [{ node: 'qkvLinearNode', input: 'INTERMIDATE_INPUTNORMOUT', weight: 'IN_QKVMIXEDLINEARWEIGHT' }],
    qkvParam: 'linearParam',
    oProj: { node: 'selfOutLinearNode', input: 'INTERMIDATE_SELFOUT', weight: 'IN_SELFOUTLINEARWEIGHT', holder: 'IN_HOLDER', param: 'selfOutLinearParam' },
    mlp: { node: 'mlpNode', input: 'INTERMIDATE_SELFNORMOUT', up: 'IN_MLPUPWEIGHT', gate: 'IN_MLPGATEWEIGHT', down: 'IN_MLPDOWNWEIGHT', holder: 'IN_HOLDER', param: 'mlpParam' },
    norms: [
      { node: 'inputNormNode', inputs: ['IN_HIDDENSTATES', 'IN_NORMWEIGHT'], param: 'rmsNormParam' },
      { node: 'selfNormNode', inputs: ['INTERMIDATE_SELFRESIDUALADDOUT', 'IN_SELFOUTNORMWEIGHT'], param: 'rmsNormParam' },
    ],
    struct: 'PagedAttentionLayerParam',
    structIn: 'h',
    enumIn: 'cpp',
    firstOut: 'OUT_LAYEROUT',
  },
  {
    case: 'v1-helper',
    symbols: ['PagedAttentionLayer', 'CreatePagedAttentionLayer', 'PagedAttentionLayerParam', 'PagedAttentionLayerTensorId'],
    guard: ['INTERNLM_20B_PAGED_ATTENTION_LAYER_H', 'INTERNLM_20B_{P}PAGED_ATTENTION_LAYER_H'],
    header: 'paged_attention_layer.h',
    inBefore: 19,
    qkv: [
      { node: 'qLinearNode', input: 'INTERMIDATE_INPUTNORMOUT', weight: 'IN_Q_LINEARWEIGHT' },
      { node: 'kLinearNode', input: 'INTERMIDATE_INPUTNORMOUT', weight: 'IN_K_LINEARWEIGHT' },
      { node: 'vLinearNode', input: 'INTERMIDATE_INPUTNORMOUT', weight: 'IN_V_LINEARWEIGHT' },
    ],
    qkvParam: 'linearParam',
    oProj: { node: 'selfOutLinearNode', input: 'INTERMIDATE_SELFOUT', weight: 'IN_SELFOUTLINEARWEIGHT', holder: 'IN_HOLDER', param: 'selfOutLinearParam' },
    mlp: { node: 'mlpNode', input: 'INTERMIDATE_SELFNORMOUT', up: 'IN_MLPUPWEIGHT', gate: 'IN_MLPGATEWEIGHT', down: 'IN_MLPDOWNWEIGHT', holder: 'IN_HOLDER', param: 'mlpParam' },
    norms: [
      { node: 'inputNormNode', inputs: ['IN_HIDDENSTATES', 'IN_NORMWEIGHT'], param: 'rmsNormParam' },
      { node: 'selfNormNode', inputs: ['INTERMIDATE_SELFRESIDUALADDOUT', 'IN_SELFOUTNORMWEIGHT'], param: 'rmsNormParam' },
    ],
    struct: 'PagedAttentionLayerParam',
    structIn: 'h',
    enumIn: 'cpp',
    firstOut: 'OUT_LAYEROUT',
    alsoChanged: [/#include "layers\//, /(ParallelParam|MlpGateParam) \w+;/, /\.(rank|rankSize) = /, /(RowParallelLinear|MlpGateLayer)\(/],
  },
  {
    case: 'create-reads-json',
    symbols: ['FusionPALayer', 'CreateFusionPALayer', 'FusionPALayerParam', 'FusionPALayerTensorId', 'FusionPALayerBinder'],
    guard: ['DEMO_LLAMA70_FUSION_PA_LAYER_H', 'DEMO_LLAMA70_{P}FUSION_PA_LAYER_H'],
    header: 'fusion_pa_layer.h',
    inBefore: 18,
    qkv: [
      { node: 'mixdQLinearNode', input: 'INTERMIDATE_INPUTNORMOUT', weight: 'IN_QMIXDWEIGHT' },
      { node: 'mixdKLinearNode', input: 'INTERMIDATE_INPUTNORMOUT', weight: 'IN_KMIXDWEIGHT' },
      { node: 'mixdVLinearNode', input: 'INTERMIDATE_INPUTNORMOUT', weight: 'IN_VMIXDWEIGHT' },
    ],
    qkvParam: 'linearParam',
    oProj: { node: 'selfOutLinearNode', input: 'INTERMIDATE_ATTENTIONOUT', weight: 'IN_SELFOUTLINEARWEIGHT', holder: 'IN_HOLDER', param: 'selfOutLinearParam' },
    mlp: { node: 'mlpParallelNode', input: 'INTERMIDATE_SELFNORMOUT', up: 'IN_MLPUPWEIGHT', gate: 'IN_MLPGATEWEIGHT', down: 'IN_MLPDOWNWEIGHT', holder: 'IN_HOLDER', param: 'mlpParallelParam' },
    norms: [
      { node: 'inputNormNode', inputs: ['IN_HIDDENSTATES', 'IN_NORMWEIGHT'], param: 'rmsNormParam' },
      { node: 'selfNormNode', inputs: ['INTERMIDATE_SELFRESIDUALADDOUT', 'IN_SELFOUTNORMWEIGHT'], param: 'rmsNormParam' },
    ],
    struct: 'FusionPALayerParam',
    structIn: 'h',
    enumIn: 'h',
    firstOut: 'OUT_LAYEROUT',
    alsoChanged: [/#include "layers\//, /(ParallelParam|MlpGateParam) \w+;/, /\.(rank|rankSize|rankRoot|hcclComm|backend|transposeB) = /, /(RowParallelLinear|MlpGateLayer)\(/],
    addsHolder: true,
    readsIn: 'create',
  },
];

const REFUSES: { case: string; code: string; w8a8sc?: boolean }[] = [
  { case: 'mixed-branches', code: 'quantize.mixed-branches' },
  { case: 'new-style', code: 'quantize.new-style' },
  { case: 'already-quantized', code: 'quantize.already-quantized' },
  { case: 'model-local-helper', code: 'quantize.model-local-helper' },
];

/** Fixtures whose expectations (no IN_BETA, folded nodes, model-local slots) live in quantize-more-shapes.test.ts. */
const MORE_SHAPES = ['layernorm', 'anti-outlier', 'telechat-helper', 'unrolled-mlp', 'plain-linear-row', 'mlp-layer-one-norm', 'fusion-mlp', 'multi-mlp', 'trailing-slots'];
/** Model-local ops, LinearParallel nodes and a borrowed enum (quantize-local-ops.test.ts). */
const LOCAL_OPS = ['local-ops', 'borrowed-enum'];

const PREFIX: Record<QuantMode, string> = { w8a8: 'Quant', w8a8sc: 'SparseQuant' };
const GUARD_PREFIX: Record<QuantMode, string> = { w8a8: 'QUANT_', w8a8sc: 'SPARSE_QUANT_' };

function ok(outcome: QuantizeOutcome): Extract<QuantizeOutcome, { ok: true }> {
  if (!outcome.ok) assert.fail(`refused: ${outcome.refusal.code} ${formatMessage(outcome.refusal.message)}`);
  return outcome;
}

/** The linears in the order the spec fills slots: QKV..., o_proj, MLP up, gate, down. */
function linears(c: Converts): { weight: string; bias?: string }[] {
  return [...c.qkv, c.oProj, { weight: c.mlp.up }, { weight: c.mlp.gate }, { weight: c.mlp.down }];
}

function expectedAdded(c: Converts, mode: QuantMode): string[] {
  const out: string[] = [];
  for (const l of linears(c)) {
    out.push(l.weight + '_DEQSCALE');
    if (!l.bias) out.push(l.weight + '_BIAS');
    if (mode === 'w8a8sc') out.push(l.weight + '_INDEX');
  }
  return [...out, 'IN_BETA', ...(c.addsHolder ? ['IN_HOLDER'] : [])];
}

describe('quantize: W8A8 / W8A8SC rewrite of hand-written old-style layers', function () {
  let syntax: Syntax;
  before(async () => {
    syntax = await nodeSyntax();
  });

  it('has a fixture table entry for every fixture folder', () => {
    const known = [...CONVERTS.map((c) => c.case), ...REFUSES.map((r) => r.case), ...MORE_SHAPES, ...LOCAL_OPS].sort();
    assert.deepStrictEqual(known, FIXTURE_CASES);
  });

  for (const c of CONVERTS) {
    for (const mode of ['w8a8', 'w8a8sc'] as QuantMode[]) {
      describe(`${c.case} (${mode})`, () => {
        let result: Extract<QuantizeOutcome, { ok: true }>;
        let cpp: string;
        let h: string;
        let input: ReturnType<typeof fixtureInput>;
        const sparse = mode === 'w8a8sc';
        const P = PREFIX[mode];
        before(() => {
          input = fixtureInput(c.case);
          result = ok(quantizeLayer(syntax, input, mode));
          cpp = result.files[0].contents;
          h = result.files[1].contents;
        });

        it('writes quant_<name> / sparse_quant_<name> .cpp and .h next to the input', () => {
          const expected = quantizeOutputPaths(input.cppPath, mode);
          const prefix = sparse ? 'sparse_quant_' : 'quant_';
          assert.strictEqual(path.dirname(expected.cpp), path.dirname(input.cppPath));
          assert.strictEqual(path.basename(expected.cpp), prefix + path.basename(input.cppPath));
          assert.strictEqual(path.basename(expected.h), prefix + c.header);
          assert.deepStrictEqual(result.files.map((f) => f.path), [expected.cpp, expected.h]);
          assert.deepStrictEqual(result.report.outputs, [expected.cpp, expected.h]);
        });

        it('adds DEQSCALE/BIAS (sparse: INDEX) entries and IN_BETA among the inputs, under // Quant weights', () => {
          const before = enumEntries(syntax, c.enumIn === 'cpp' ? input.cppText : input.headerText!);
          const after = enumEntries(syntax, c.enumIn === 'cpp' ? cpp : h);
          const added = expectedAdded(c, mode);
          assert.deepStrictEqual(result.report.addedTensors, added);
          const outAt = before.indexOf(c.firstOut);
          assert.deepStrictEqual(after, [...before.slice(0, outAt), ...added, ...before.slice(outAt)]);
          const enumText = c.enumIn === 'cpp' ? cpp : h;
          assert.ok(enumText.includes('// Quant weights'), 'comment before the new block');
          assert.ok(enumText.indexOf('// Quant weights') < enumText.indexOf(added[0]));
        });

        it('keeps IN_TENSOR_COUNT equal to the number of input entries; other counts unchanged', () => {
          const countsText = c.enumIn === 'cpp' ? cpp : h;
          // The counts usually sit next to the enum, but may stay in the .cpp when the enum is in the header.
          const countsOut = constant(syntax, countsText, 'IN_TENSOR_COUNT') !== undefined ? countsText : cpp;
          const added = expectedAdded(c, mode).length;
          assert.strictEqual(constant(syntax, countsOut, 'IN_TENSOR_COUNT'), c.inBefore + added);
          const inputs = enumEntries(syntax, countsText).filter((e) => e.startsWith('IN_')).length;
          assert.strictEqual(inputs, c.inBefore + added);
          const inCount = result.report.counts.find((x) => x.name === 'IN_TENSOR_COUNT')!;
          assert.deepStrictEqual(inCount, { name: 'IN_TENSOR_COUNT', before: c.inBefore, after: c.inBefore + added });
          const original = countsOut === cpp ? input.cppText : input.headerText!;
          for (const name of ['OUT_TENSOR_COUNT', 'NODE_COUNT']) {
            assert.strictEqual(constant(syntax, countsOut, name), constant(syntax, original, name), name);
          }
        });

        it('quantizes both RmsNorms (quantType QUANT_INT8, IN_BETA input) and keeps layerType/epsilon', () => {
          const lists = inputLists(syntax, cpp);
          for (const n of c.norms) {
            assert.deepStrictEqual(lists.get(n.node), [[...n.inputs, 'IN_BETA']], n.node);
            const fields = fieldAssignments(syntax, cpp, n.param);
            assert.strictEqual(fields.get('normParam.quantType'), 'atb::infer::QUANT_INT8');
            assert.strictEqual(fields.get('layerType'), 'atb::infer::RmsNormParam::RmsNormType::RMS_NORM_NORM');
            assert.ok(/rmsNormEps|layerNormEps/.test(fields.get('normParam.epsilon') ?? ''), 'epsilon kept');
            assert.ok(!fields.has('normParam.quantInputScale') && !fields.has('normParam.quantInputOffset'), 'no removed norm fields');
          }
        });

        it('rewrites the QKV linear(s): {x, weight, BIAS, DEQSCALE (, INDEX)} and the int8 / sparse param', () => {
          const lists = inputLists(syntax, cpp);
          for (const q of c.qkv) {
            const expected = [q.input, q.weight, q.bias ?? q.weight + '_BIAS', q.weight + '_DEQSCALE', ...(sparse ? [q.weight + '_INDEX'] : [])];
            assert.deepStrictEqual(lists.get(q.node), [expected], q.node);
          }
          const fields = fieldAssignments(syntax, cpp, c.qkvParam);
          if (sparse) {
            assert.strictEqual(fields.size, 0, `no fields set on LinearSparseParam: ${[...fields.keys()]}`);
            assert.strictEqual(cpp.split('LinearSparseParam').length - 1, 1, 'LinearSparseParam used once');
            assert.ok(cpp.includes(`LinearSparseParam ${c.qkvParam} = {false, true, 8, 8};`));
            assert.ok(!/LINEAR_INT8INT8/.test(cpp));
          } else {
            assert.strictEqual(fields.get('linearType'), 'atb::infer::LinearType::LINEAR_INT8INT8_INT32_FP16');
            assert.strictEqual(fields.get('hasBias'), 'true');
            assert.ok(!cpp.includes('LinearSparseParam'));
          }
        });

        it('switches o_proj (RowParallelLinearV2) to quant with slots [x, w, bias, deq, index, offset, compress]', () => {
          const o = c.oProj;
          const slots = [o.input, o.weight, o.bias ?? o.weight + '_BIAS', o.weight + '_DEQSCALE', sparse ? o.weight + '_INDEX' : o.holder, o.holder, o.holder];
          assert.deepStrictEqual(inputLists(syntax, cpp).get(o.node), [slots]);
          const f = fieldAssignments(syntax, cpp, o.param);
          assert.strictEqual(f.get('isBias'), 'true');
          assert.strictEqual(f.get('isQuant'), 'true');
          assert.strictEqual(f.get('transposeB'), 'true');
          assert.strictEqual(f.get('isSparse'), sparse ? 'true' : undefined);
          assert.strictEqual(f.get('quantParam.quantType'), 'atb::infer::QUANT_INT8');
          assert.strictEqual(f.get('quantParam.isQuantOp'), 'true');
          assert.strictEqual(f.get('quantParam.elewiseType'), 'atb::infer::ElewiseParam::ElewiseType::ELEWISE_QUANT');
          assert.strictEqual(f.get('quantParam.inputScale'), 'param.oProjInputScale');
          assert.strictEqual(f.get('quantParam.inputOffset'), 'param.oProjInputOffset');
        });

        it('switches the MLP (MlpGateLayerV2) to quant: deq slots up/gate/down, then bias slots, then index', () => {
          const m = c.mlp;
          const ws = [m.up, m.gate, m.down];
          const slots = [
            m.input,
            ...ws,
            ...ws.map((w) => w + '_DEQSCALE'),
            ...ws.map((w) => w + '_BIAS'),
            ...(sparse ? ws.map((w) => w + '_INDEX') : [m.holder, m.holder, m.holder]),
            ...Array(6).fill(m.holder),
          ];
          assert.deepStrictEqual(inputLists(syntax, cpp).get(m.node), [slots]);
          const f = fieldAssignments(syntax, cpp, m.param);
          assert.strictEqual(f.get('isBias'), 'true');
          assert.strictEqual(f.get('isQuant'), 'true');
          assert.strictEqual(f.get('transposeB'), 'true');
          assert.strictEqual(f.get('isSparse'), sparse ? 'true' : undefined);
          assert.strictEqual(f.get('quantDownParam.quantType'), 'atb::infer::QUANT_INT8');
          assert.strictEqual(f.get('quantDownParam.isQuantOp'), 'true');
          assert.strictEqual(f.get('quantDownParam.inputScale'), 'param.downProjInputScale');
          assert.strictEqual(f.get('quantDownParam.inputOffset'), 'param.downProjInputOffset');
        });

        it('declares every new scalar in the param struct with a default and reads it in from_json', () => {
          const structText = c.structIn === 'h' ? h : cpp;
          const fields = structFields(syntax, structText, P + c.struct);
          const both = cpp + h;
          for (const s of ['oProjInputScale', 'oProjInputOffset', 'downProjInputScale', 'downProjInputOffset']) {
            assert.strictEqual(fields.filter((f) => f === s).length, 1, `${s} declared once`);
            assert.ok(new RegExp(`${s} = (1\\.0f|0);`).test(structText), `${s} has a default`);
            const type = s.endsWith('Scale') ? 'float' : 'int';
            const read = c.readsIn === 'create' ? `param.${s} = paramJson["${s}"].get<${type}>();` : `.at("${s}").get_to(param.${s});`;
            assert.strictEqual(both.split(read).length - 1, 1, `${s} read once where the layer reads its json: ${read}`);
          }
          // Every key from_json (or the Create function) reads exists in the struct.
          for (const m of both.matchAll(/\.get_to\(param\.(\w+)\)|\bparam\.(\w+) = paramJson\[/g)) {
            const key = m[1] ?? m[2];
            assert.ok(fields.includes(key), `the json reader writes undeclared ${key}`);
          }
        });

        it('renames the layer symbols consistently in .cpp and .h', () => {
          for (const s of c.symbols) {
            const to = s.startsWith('Create') ? 'Create' + P + s.slice(6) : P + s;
            assert.strictEqual(identifierCount(syntax, cpp, s) + identifierCount(syntax, h, s), 0, `${s} left`);
            assert.ok(identifierCount(syntax, cpp, to) + identifierCount(syntax, h, to) > 0, `${to} present`);
            assert.ok(result.report.renamed.some((r) => r.from === s && r.to === to), `report lists ${s}`);
          }
          const prefix = sparse ? 'sparse_quant_' : 'quant_';
          assert.ok(cpp.includes(`${prefix}${c.header}"`), 'own-header include renamed');
          assert.ok(!new RegExp(`["/]${c.header.replace('.', '\\.')}"`).test(cpp), 'no include of the float header');
          if (c.guard) {
            const guard = c.guard[1].replace('{P}', GUARD_PREFIX[mode]);
            assert.ok(h.includes(`#ifndef ${guard}`) && h.includes(`#define ${guard}`), guard);
          }
        });

        it('keeps every other line byte for byte (comments, Chinese text, CRLF)', () => {
          const renames = [
            ...c.symbols.map((s) => ({ from: s, to: s.startsWith('Create') ? 'Create' + P + s.slice(6) : P + s })),
            { from: c.header, to: (sparse ? 'sparse_quant_' : 'quant_') + c.header },
            ...(c.guard ? [{ from: c.guard[0], to: c.guard[1].replace('{P}', GUARD_PREFIX[mode]) }] : []),
            { from: 'reshapeHeads', to: sparse ? 'sparseQuantReshapeHeads' : 'quantReshapeHeads' },
          ];
          const changed = [...(c.alsoChanged ?? []), /inTensorIds/, /_TENSOR_COUNT =/, /HOLDER/, /isBias = false/, /hasBias = (false|true)/, /LinearParam \w+( = \{.*\})?;/];
          assert.deepStrictEqual(missingPreservedLines(input.cppText, cpp, renames, changed), []);
          assert.deepStrictEqual(missingPreservedLines(input.headerText!, h, renames, changed), []);
          if (/\r\n/.test(input.cppText)) {
            assert.ok(!/[^\r]\n/.test(cpp) && !/[^\r]\n/.test(h), 'every line ending stays CRLF');
          }
          for (const line of input.cppText.split('\n').filter((l) => /[\u4e00-\u9fff]/.test(l) && !/inTensorIds/.test(l))) {
            assert.ok(cpp.includes(line), `Chinese line kept: ${line}`);
          }
        });

        it('re-parses with tree-sitter without ERROR or MISSING nodes', () => {
          assert.deepStrictEqual(syntaxErrors(syntax, cpp), []);
          assert.deepStrictEqual(syntaxErrors(syntax, h), []);
        });

        it('is deterministic and refuses to quantize its own output again', () => {
          const again = ok(quantizeLayer(syntax, input, mode));
          assert.deepStrictEqual(again.files, result.files);
          const twice = quantizeLayer(syntax, { cppPath: result.files[0].path, cppText: cpp, headerPath: result.files[1].path, headerText: h }, mode);
          assert.strictEqual(twice.ok, false);
          if (!twice.ok) assert.strictEqual(twice.refusal.code, 'quantize.already-quantized');
        });
      });
    }
  }

  it('baichuan2-7b shape: 17 inputs become 28 (W8A8) with 5 deqscale and 5 bias entries', () => {
    const r = ok(quantizeLayer(syntax, fixtureInput('packed-rope'), 'w8a8'));
    assert.strictEqual(r.report.addedTensors.filter((t) => t.endsWith('_DEQSCALE')).length, 5);
    assert.strictEqual(r.report.addedTensors.filter((t) => t.endsWith('_BIAS')).length, 5);
    assert.strictEqual(constant(syntax, r.files[0].contents, 'IN_TENSOR_COUNT'), 28);
  });

  for (const r of REFUSES) {
    for (const mode of ['w8a8', 'w8a8sc'] as QuantMode[]) {
      it(`refuses ${r.case} (${mode}) with ${r.code} and a message in English and Chinese`, () => {
        const outcome = quantizeLayer(syntax, fixtureInput(r.case), mode);
        assert.strictEqual(outcome.ok, false);
        if (outcome.ok) return;
        assert.strictEqual(outcome.refusal.code, r.code);
        const en = formatMessage(outcome.refusal.message, 'en');
        const zh = formatMessage(outcome.refusal.message, 'zh-cn');
        assert.notStrictEqual(en, r.code, 'has an English text');
        assert.ok(/[\u4e00-\u9fff]/.test(zh), 'has a Chinese text');
        assert.ok(!/\{\w+\}/.test(en) && !/\{\w+\}/.test(zh), 'placeholders filled');
        assert.ok(outcome.refusal.path?.endsWith('.cpp') || outcome.refusal.path?.endsWith('.h'));
      });
    }
  }

  it('says why for the refusals that need a hint: new style is a runtime setting, V1 names its V2 helper', () => {
    const ns = quantizeLayer(syntax, fixtureInput('new-style'), 'w8a8');
    assert.ok(!ns.ok && /packQuantType\/linearQuantType/.test(formatMessage(ns.refusal.message)));
    // A V1 helper without a V2 migration (ColumnParallelLinear on the QKV path) is refused, naming the V2 helper.
    const input = fixtureInput('packed-rope');
    const cppText = input.cppText.replace('CreateOperation(linearParam, &qkvLinearNode.operation);', 'atb_speed::common::ColumnParallelLinear(linearParam, &qkvLinearNode.operation);');
    assert.notStrictEqual(cppText, input.cppText);
    const v1 = quantizeLayer(syntax, { ...input, cppText }, 'w8a8');
    assert.ok(!v1.ok && v1.refusal.code === 'quantize.v1-helper' && /ColumnParallelLinearV2/.test(formatMessage(v1.refusal.message)) && v1.refusal.range);
  });

  it('moves V1 helpers to V2: header, call, param type, comm fields, slot layout', () => {
    const r = ok(quantizeLayer(syntax, fixtureInput('v1-helper'), 'w8a8'));
    const cpp = r.files[0].contents;
    assert.ok(cpp.includes('#include "layers/parallel_layer_v2.h"') && cpp.includes('#include "layers/mlp_gate_v2.h"'));
    assert.ok(!cpp.includes('"layers/parallel_layer.h"') && !cpp.includes('"layers/mlp_gate.h"'));
    assert.ok(cpp.includes('atb_speed::common::ParallelParamV2 selfOutLinearParam;'));
    assert.ok(cpp.includes('atb_speed::common::MlpGateParamV2 mlpParam;'));
    assert.strictEqual(identifierCount(syntax, cpp, 'RowParallelLinear') + identifierCount(syntax, cpp, 'MlpGateLayer'), 0);
    const o = fieldAssignments(syntax, cpp, 'selfOutLinearParam');
    assert.strictEqual(o.get('commParam.rank'), 'param.rank');
    assert.strictEqual(o.get('commParam.rankSize'), 'param.rankSize');
    assert.ok(!o.has('rank') && !o.has('rankSize'));
    const m = fieldAssignments(syntax, cpp, 'mlpParam');
    assert.strictEqual(m.get('commDownParam.rank'), 'param.rank');
    assert.strictEqual(m.get('activationType'), 'atb::infer::ActivationType::ACTIVATION_SWISH');
    // A V1 MLP with 6 inputs has no V2 slot mapping (3/4/5/7 do): refused.
    const input = fixtureInput('v1-helper');
    const six = input.cppText.replace('mlpNode.inTensorIds = {INTERMIDATE_SELFNORMOUT, IN_MLPUPWEIGHT, IN_MLPGATEWEIGHT, IN_MLPDOWNWEIGHT};', 'mlpNode.inTensorIds = {INTERMIDATE_SELFNORMOUT, IN_MLPUPWEIGHT, IN_MLPGATEWEIGHT, IN_MLPDOWNWEIGHT, IN_HOLDER, IN_HOLDER};');
    assert.notStrictEqual(six, input.cppText);
    const refused = quantizeLayer(syntax, { ...input, cppText: six }, 'w8a8');
    assert.ok(!refused.ok && refused.refusal.code === 'quantize.helper-slots');
  });

  it('refuses a layer without its header, naming the header it looked for', () => {
    const input = { ...fixtureInput('packed-rope'), headerText: undefined };
    const outcome = quantizeLayer(syntax, input, 'w8a8');
    assert.ok(!outcome.ok);
    if (!outcome.ok) {
      assert.strictEqual(outcome.refusal.code, 'quantize.missing-header');
      assert.ok(formatMessage(outcome.refusal.message).includes('flash_attention_rope_layer.h'));
    }
  });

  it('refuses when a helper slot list has the wrong length (V2 helper called with V1 slots)', () => {
    const input = fixtureInput('packed-rope');
    const cppText = input.cppText.replace(
      'INTERMIDATE_SELFOUT, IN_SELFOUTLINEARWEIGHT, IN_HOLDER, IN_HOLDER, IN_HOLDER, IN_HOLDER, IN_HOLDER}',
      'INTERMIDATE_SELFOUT, IN_SELFOUTLINEARWEIGHT}',
    );
    assert.notStrictEqual(cppText, input.cppText);
    const outcome = quantizeLayer(syntax, { ...input, cppText }, 'w8a8');
    // The bias slot is missing, not only trailing placeholders: which tensor goes where is not certain.
    assert.ok(!outcome.ok && outcome.refusal.code === 'quantize.slots.missing-slot');
  });

  it('quantizePaths: folder mode follows msit (pairs only, no "quant" names), a .h resolves to its .cpp', async () => {
    const a = fixtureInput('packed-rope');
    const q = fixtureInput('already-quantized');
    const files = new Map<string, string>([
      ['/w/layers/flash_attention_rope_layer.cpp', a.cppText],
      ['/w/layers/flash_attention_rope_layer.h', a.headerText!],
      ['/w/layers/flash_attention_quant_layer.cpp', q.cppText],
      ['/w/layers/flash_attention_quant_layer.h', q.headerText!],
      ['/w/layers/orphan_layer.cpp', a.cppText],
      ['/w/layers/README.md', '# notes'],
    ]);
    const reader: FileReader = {
      readText: async (p) => files.get(p),
      readBytes: async () => undefined,
      size: async (p) => files.get(p)?.length,
      list: async (d) => (d === '/w/layers' ? [...files.keys()].map((p) => ({ name: p.slice(d.length + 1), isDirectory: false })) : undefined),
    };
    const folder = await quantizePaths(syntax, reader, ['/w/layers'], 'w8a8sc');
    assert.deepStrictEqual(folder.results.map((r) => [r.input, r.outcome.ok]), [['/w/layers/flash_attention_rope_layer.cpp', true]]);
    const first = folder.results[0].outcome;
    assert.ok(first.ok && first.files[0].path === '/w/layers/sparse_quant_flash_attention_rope_layer.cpp');
    assert.deepStrictEqual(
      folder.skipped.map((x) => [x.path, x.reason.code]),
      [
        ['/w/layers/flash_attention_quant_layer.cpp', 'quantize.skip.quant-name'],
        // Its only local #include is another layer's header: folder mode skips it and says so.
        ['/w/layers/orphan_layer.cpp', 'quantize.skip.header-by-include'],
      ],
    );
    const header = await quantizePaths(syntax, reader, ['/w/layers/flash_attention_rope_layer.h', '/w/layers/README.md', '/w/nope.cpp'], 'w8a8');
    assert.deepStrictEqual(header.results.map((r) => r.input), ['/w/layers/flash_attention_rope_layer.cpp']);
    assert.deepStrictEqual(header.skipped.map((x) => x.reason.code), ['quantize.skip.not-layer-file', 'quantize.skip.missing']);
    // Asking for the explicit quant file itself gives the content-based refusal.
    const explicit = await quantizePaths(syntax, reader, ['/w/layers/flash_attention_quant_layer.cpp'], 'w8a8');
    assert.ok(!explicit.results[0].outcome.ok && explicit.results[0].outcome.refusal.code === 'quantize.already-quantized');
  });

  it('refuses when a norm param is shared with a node that must stay float', () => {
    const input = fixtureInput('packed-rope');
    const cppText = input.cppText.replace('CreateOperation(addParam, &mlpResidualAddNode.operation);', 'CreateOperation(rmsNormParam, &mlpResidualAddNode.operation);');
    assert.notStrictEqual(cppText, input.cppText);
    const outcome = quantizeLayer(syntax, { ...input, cppText }, 'w8a8');
    assert.ok(!outcome.ok && outcome.refusal.code === 'quantize.shared-param', JSON.stringify(!outcome.ok && outcome.refusal));
  });
});
