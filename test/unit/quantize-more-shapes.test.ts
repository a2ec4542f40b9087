/**
 * Shapes added after running the rewrite on every old-style float layer of the public ATB-Models
 * tree (issue 8): LayerNorm layers, anti-outlier float layers, telechat's own helpers, layers whose
 * param the model fills, packed V1 MLPs, split tensor-id enums and headers found by #include. The
 * expectations are the hand-written quant twins of the same tree (docs/atb-layers.md section 6),
 * checked on hand-written fixtures with tree-sitter independently of the engine's layer model.
 */
import * as assert from 'assert';
import { formatMessage } from '../../src/core/i18n';
import '../../src/core/messages';
import type { FileReader } from '../../src/core/common';
import { quantizeLayer, quantizePaths, type QuantizeOutcome, type QuantMode } from '../../src/core/quantize';
import type { Syntax } from '../../src/core/syntax';
import { nodeSyntax } from '../../src/node/syntax';
import { constant, enumEntries, fieldAssignments, fixtureInput, identifierCount, inputLists, structFields, syntaxErrors } from '../compile/layer-fixtures';

function ok(outcome: QuantizeOutcome): Extract<QuantizeOutcome, { ok: true }> {
  if (!outcome.ok) assert.fail(`refused: ${outcome.refusal.code} ${formatMessage(outcome.refusal.message)}`);
  return outcome;
}

const MODES: QuantMode[] = ['w8a8', 'w8a8sc'];

/** New inputs per quantized linear, in slot-fill order: deqscale, a bias unless it has one, sparse index. */
function added(mode: QuantMode, linears: [weight: string, ownBias: boolean][]): string[] {
  return linears.flatMap(([w, own]) => [w + '_DEQSCALE', ...(own ? [] : [w + '_BIAS']), ...(mode === 'w8a8sc' ? [w + '_INDEX'] : [])]);
}

describe('quantize: LayerNorm, anti-outlier, model-local helper and header shapes', function () {
  let syntax: Syntax;
  before(async () => {
    syntax = await nodeSyntax();
  });

  describe('LayerNorm layer with existing biases (starcoder flash_attention_quant_layer is the reference)', () => {
    for (const mode of MODES) {
      it(`${mode}: norms give a float and an int8 output, biases are reused, deqscale only; no IN_BETA`, () => {
        const input = fixtureInput('layernorm');
        const r = ok(quantizeLayer(syntax, input, mode));
        const cpp = r.files[0].contents;
        assert.deepStrictEqual(syntaxErrors(syntax, cpp), []);
        const sparse = mode === 'w8a8sc';
        const expected = added(mode, [['IN_QKVWEIGHT', true], ['IN_SELFOUTLINEARWEIGHT', true], ['IN_MLPFCWEIGHT', true], ['IN_MLPPROJWEIGHT', true]]);
        assert.deepStrictEqual(r.report.addedTensors, expected);
        // Like the twin: 20 -> 24 inputs, two more intermediates (one int8 output per norm), same nodes.
        assert.strictEqual(constant(syntax, cpp, 'IN_TENSOR_COUNT'), 20 + expected.length);
        assert.strictEqual(constant(syntax, cpp, 'INTERMEDIATE_TENSOR_COUNT'), 7 + 2);
        assert.strictEqual(constant(syntax, cpp, 'NODE_COUNT'), 8);
        const entries = enumEntries(syntax, cpp);
        assert.ok(!entries.includes('IN_BETA'));
        assert.strictEqual(entries.filter((e) => e.startsWith('IN_')).length, 20 + expected.length);
        assert.ok(entries.indexOf('INTERMIDATE_INPUTLAYERNORMOUT_QUANT') === entries.indexOf('INTERMIDATE_INPUTLAYERNORMOUT') + 1);
        assert.ok(entries.indexOf('INTERMIDATE_POSTATTNLAYERNORMOUT_QUANT') === entries.indexOf('INTERMIDATE_POSTATTNLAYERNORMOUT') + 1);
        const lists = inputLists(syntax, cpp);
        assert.deepStrictEqual(lists.get('inputLayerNormNode'), [['IN_HIDDENSTATES', 'IN_INPUTLAYERNORMWEIGHT', 'IN_INPUTLAYERNORMBIAS']]);
        assert.deepStrictEqual(lists.get('qkvLinearNode'), [['INTERMIDATE_INPUTLAYERNORMOUT_QUANT', 'IN_QKVWEIGHT', 'IN_QKVBIAS', 'IN_QKVWEIGHT_DEQSCALE', ...(sparse ? ['IN_QKVWEIGHT_INDEX'] : [])]]);
        assert.deepStrictEqual(lists.get('selfOutLinearNode')?.[0].slice(0, 4), ['INTERMIDATE_SELFOUT', 'IN_SELFOUTLINEARWEIGHT', 'IN_SELFOUTLINEARBIAS', 'IN_SELFOUTLINEARWEIGHT_DEQSCALE']);
        const mlp = lists.get('mlpNode')![0];
        assert.deepStrictEqual(mlp.slice(0, 10), [
          'INTERMIDATE_POSTATTNLAYERNORMOUT_QUANT', 'IN_MLPFCWEIGHT', 'IN_HOLDER', 'IN_MLPPROJWEIGHT',
          'IN_MLPFCWEIGHT_DEQSCALE', 'IN_HOLDER', 'IN_MLPPROJWEIGHT_DEQSCALE',
          'IN_MLPFCBIAS', 'IN_HOLDER', 'IN_MLPPROJBIAS',
        ]);
        assert.strictEqual(mlp.length, 19);
        // The residual keeps reading the float tensors.
        assert.deepStrictEqual(lists.get('mlpResidualAddNode'), [['INTERMIDATE_SELFRESIDUALADDOUT', 'INTERMIDATE_MLPOUT']]);
        const outs = (name: string) => [...cpp.matchAll(new RegExp(`${name}\\.outTensorIds = \\{([^}]*)\\}`, 'g'))].map((m) => m[1].split(',').map((x) => x.trim()));
        assert.deepStrictEqual(outs('inputLayerNormNode'), [['INTERMIDATE_INPUTLAYERNORMOUT', 'INTERMIDATE_INPUTLAYERNORMOUT_QUANT']]);
        const norm = fieldAssignments(syntax, cpp, 'layerNormParam');
        assert.strictEqual(norm.get('normParam.quantType'), 'atb::infer::QUANT_INT8');
        assert.strictEqual(norm.get('normParam.epsilon'), 'param.layerNormEps', 'epsilon kept');
        const m = fieldAssignments(syntax, cpp, 'mlpParam');
        assert.strictEqual(m.get('isQuant'), 'true');
        assert.strictEqual(m.get('noGate'), 'true');
        assert.strictEqual(m.get('quantUpParam.quantType'), 'atb::infer::QUANT_INT8');
        assert.strictEqual(m.get('quantUpParam.isQuantOp'), 'false');
        assert.strictEqual(m.get('quantDownParam.inputScale'), 'param.downProjInputScale');
        assert.ok(structFields(syntax, r.files[1].contents, `${mode === 'w8a8' ? 'Quant' : 'SparseQuant'}FlashAttentionLayerParam`).includes('downProjInputScale'));
      });
    }

    it('refuses a LayerNorm without a bias input, naming the node (its bias is the quant offset)', () => {
      const input = fixtureInput('layernorm');
      const cppText = input.cppText.replace('{IN_HIDDENSTATES, IN_INPUTLAYERNORMWEIGHT, IN_INPUTLAYERNORMBIAS}', '{IN_HIDDENSTATES, IN_INPUTLAYERNORMWEIGHT}');
      assert.notStrictEqual(cppText, input.cppText);
      const outcome = quantizeLayer(syntax, { ...input, cppText }, 'w8a8');
      assert.ok(!outcome.ok && outcome.refusal.code === 'quantize.layer-norm-no-bias');
      if (!outcome.ok) {
        assert.ok(formatMessage(outcome.refusal.message, 'en').includes('inputLayerNormNode'));
        assert.ok(outcome.refusal.range);
      }
    });
  });

  describe('anti-outlier float layer (llama anti_float -> anti_quant is the reference)', () => {
    it('is not "already quantized": IN_BETA feeds an Add, not a norm', () => {
      assert.ok(quantizeLayer(syntax, fixtureInput('anti-outlier'), 'w8a8').ok);
    });

    for (const mode of MODES) {
      it(`${mode}: folds each Add into its quantizing norm, drops the Add nodes, moves the model-local MLP to MlpGateLayerV2`, () => {
        const r = ok(quantizeLayer(syntax, fixtureInput('anti-outlier'), mode));
        const cpp = r.files[0].contents;
        assert.deepStrictEqual(syntaxErrors(syntax, cpp), []);
        const sparse = mode === 'w8a8sc';
        // q, k, v (own biases), o (new bias), up, gate (own biases), down (new bias) + IN_HOLDER; no new IN_BETA.
        const expected = [
          ...added(mode, [['IN_QMIXDWEIGHT', true], ['IN_KMIXDWEIGHT', true], ['IN_VMIXDWEIGHT', true], ['IN_SELFOUTLINEARWEIGHT', false], ['IN_MLPUPWEIGHT', true], ['IN_MLPGATEWEIGHT', true], ['IN_MLPDOWNWEIGHT', false]]),
          'IN_HOLDER',
        ];
        assert.deepStrictEqual(r.report.addedTensors, expected);
        assert.strictEqual(constant(syntax, cpp, 'IN_TENSOR_COUNT'), 23 + expected.length);
        assert.strictEqual(constant(syntax, cpp, 'INTERMEDIATE_TENSOR_COUNT'), 11 - 2);
        assert.strictEqual(constant(syntax, cpp, 'NODE_COUNT'), 11 - 2);
        const entries = enumEntries(syntax, cpp);
        assert.ok(!entries.includes('INTERMIDATE_NORMADDOUT') && !entries.includes('INTERMIDATE_SELFNORMADDOUT'));
        assert.strictEqual(entries.filter((e) => e === 'IN_BETA').length, 1);
        assert.strictEqual(identifierCount(syntax, cpp, 'inputNormAddNode') + identifierCount(syntax, cpp, 'selfNormAddNode'), 0);
        assert.strictEqual((cpp.match(/opGraph\.nodes\.at\(nodeId\+\+\)/g) ?? []).length, 9);
        const lists = inputLists(syntax, cpp);
        assert.deepStrictEqual(lists.get('inputNormNode'), [['IN_HIDDENSTATES', 'IN_NORMWEIGHT', 'IN_BETA']]);
        assert.deepStrictEqual(lists.get('selfNormNode'), [['INTERMIDATE_SELFRESIDUALADDOUT', 'IN_SELFOUTNORMWEIGHT', 'IN_SELFOUTBETA']]);
        assert.deepStrictEqual(lists.get('mixdQLinearNode')?.[0].slice(0, 4), ['INTERMIDATE_INPUTNORMOUT', 'IN_QMIXDWEIGHT', 'IN_QMIXD_BIAS', 'IN_QMIXDWEIGHT_DEQSCALE']);
        assert.deepStrictEqual(lists.get('mlpNode')?.[0].slice(0, 10), [
          'INTERMIDATE_SELFNORMOUT', 'IN_MLPUPWEIGHT', 'IN_MLPGATEWEIGHT', 'IN_MLPDOWNWEIGHT',
          'IN_MLPUPWEIGHT_DEQSCALE', 'IN_MLPGATEWEIGHT_DEQSCALE', 'IN_MLPDOWNWEIGHT_DEQSCALE',
          'IN_MLPUP_BIAS', 'IN_MLPGATE_BIAS', 'IN_MLPDOWNWEIGHT_BIAS',
        ]);
        // The Add param stays: the residual adds still use it.
        assert.ok(cpp.includes('atb::infer::ElewiseParam addParam;'));
        assert.ok(cpp.includes('atb_speed::common::MlpGateParamV2 mlpParam;') && cpp.includes('atb_speed::common::MlpGateLayerV2(mlpParam'));
        assert.ok(cpp.includes('#include "layers/mlp_gate_v2.h"') && !cpp.includes('anti_mlp.h'));
        assert.strictEqual(fieldAssignments(syntax, cpp, 'mlpParam').get('commDownParam.rank'), 'param.rank');
        // The model fills this param (no from_json): the report says which fields to set.
        assert.deepStrictEqual(r.report.notes.map((n) => n.code), ['quantize.note.set-scalars']);
        assert.ok(/oProjInputScale/.test(formatMessage(r.report.notes[0], 'zh-cn')));
      });
    }

    it('nodes declared with `auto &` (as visualglm and chatglm2 paged write them) fold the same way', () => {
      const input = fixtureInput('anti-outlier');
      const cppText = input.cppText.split('atb::Node &').join('auto &');
      assert.notStrictEqual(cppText, input.cppText);
      for (const mode of MODES) {
        const typed = ok(quantizeLayer(syntax, input, mode)).files[0].contents;
        const auto = ok(quantizeLayer(syntax, { ...input, cppText }, mode)).files[0].contents;
        assert.strictEqual(auto, typed.split('atb::Node &').join('auto &'), `${mode}: same rewrite`);
        assert.strictEqual((auto.match(/auto &\w+ = opGraph\.nodes\.at\(nodeId\+\+\)/g) ?? []).length, 9);
      }
    });

    it('refuses when the anti-outlier sum is also read by a node that stays float', () => {
      const input = fixtureInput('anti-outlier');
      const cppText = input.cppText.replace('selfResidualAddNode.inTensorIds = {IN_HIDDENSTATES, INTERMIDATE_SELFLINEAROUT};', 'selfResidualAddNode.inTensorIds = {INTERMIDATE_NORMADDOUT, INTERMIDATE_SELFLINEAROUT};');
      assert.notStrictEqual(cppText, input.cppText);
      const outcome = quantizeLayer(syntax, { ...input, cppText }, 'w8a8');
      assert.ok(!outcome.ok && outcome.refusal.code === 'quantize.anti-outlier-shared', JSON.stringify(!outcome.ok && outcome.refusal.code));
    });
  });

  describe("telechat's own helpers (telechat quant_layer is the reference)", () => {
    for (const mode of MODES) {
      it(`${mode}: fills the 5-slot row helper and the 13-slot MLP, turning on its per-linear switches`, () => {
        const r = ok(quantizeLayer(syntax, fixtureInput('telechat-helper'), mode));
        const cpp = r.files[0].contents;
        assert.deepStrictEqual(syntaxErrors(syntax, cpp), []);
        const lists = inputLists(syntax, cpp);
        const o = lists.get('selfOutLinearNode')![0];
        assert.strictEqual(o.length, 5);
        assert.deepStrictEqual(o.slice(2, 4), ['IN_SELFOUTLINEARBIAS', 'IN_SELFOUTLINEARWEIGHT_DEQSCALE']);
        assert.strictEqual(o[4], mode === 'w8a8sc' ? 'IN_SELFOUTLINEARWEIGHT_INDEX' : 'IN_HOLDER');
        const mlp = lists.get('mlpNode')![0];
        assert.strictEqual(mlp.length, 13);
        assert.deepStrictEqual(mlp.slice(4, 10), ['IN_MLPUPWEIGHT_DEQSCALE', 'IN_MLPGATEWEIGHT_DEQSCALE', 'IN_MLPDOWNWEIGHT_DEQSCALE', 'IN_MLPUPWEIGHT_BIAS', 'IN_MLPGATEWEIGHT_BIAS', 'IN_MLPDOWNBIAS']);
        const m = fieldAssignments(syntax, cpp, 'mlpParam');
        for (const f of ['isUpQuant', 'isGateQuant', 'isDownQuant', 'isBias']) assert.strictEqual(m.get(f), 'true', f);
        assert.ok(!m.has('isQuant'), 'the telechat MLP has no isQuant field');
        assert.strictEqual(m.get('quantGateParam.isQuantOp'), 'false');
        assert.strictEqual(fieldAssignments(syntax, cpp, 'selfOutLinearParam').get('quantParam.inputScale'), 'param.oProjInputScale');
        // Calls stay on the model's helpers.
        assert.ok(cpp.includes('atb_speed::telechat::MlpGateLayerV2(mlpParam') && cpp.includes('atb_speed::telechat::RowParallelLinearV2('));
      });
    }
  });

  describe('plain Linear o_proj and MLP down (gptneox 20b rope / pa: one LinearParam for every linear)', () => {
    for (const mode of MODES) {
      it(`${mode}: o_proj and fc_out become RowParallelLinearV2 with their own quant op; QKV and fc_in stay INT8 Linears`, () => {
        const r = ok(quantizeLayer(syntax, fixtureInput('plain-linear-row'), mode));
        const cpp = r.files[0].contents;
        assert.deepStrictEqual(syntaxErrors(syntax, cpp), []);
        const sparse = mode === 'w8a8sc';
        const linears = added(mode, [['IN_QKV_WEIGHT', true], ['IN_FC_IN_WEIGHT', true], ['IN_DENSE_WEIGHT', true], ['IN_FC_OUT_WEIGHT', true]]);
        assert.deepStrictEqual(r.report.addedTensors, [...linears, 'IN_HOLDER']);
        assert.strictEqual(constant(syntax, cpp, 'IN_TENSOR_COUNT'), 19 + linears.length + 1);
        assert.strictEqual(constant(syntax, cpp, 'INTERMEDIATE_TENSOR_COUNT'), 12 + 2);
        assert.strictEqual(constant(syntax, cpp, 'NODE_COUNT'), 11);
        assert.strictEqual(enumEntries(syntax, cpp).filter((e) => e.startsWith('IN_')).length, 19 + linears.length + 1);
        const lists = inputLists(syntax, cpp);
        const idx = (w: string) => (sparse ? w + '_INDEX' : 'IN_HOLDER');
        assert.deepStrictEqual(lists.get('qkvNode'), [['INTERMEDIATE_INPUT_NORM_OUT_QUANT', 'IN_QKV_WEIGHT', 'IN_QKV_BIAS', 'IN_QKV_WEIGHT_DEQSCALE', ...(sparse ? ['IN_QKV_WEIGHT_INDEX'] : [])]]);
        assert.deepStrictEqual(lists.get('fcInNode'), [['INTERMEDIATE_POST_NORM_OUT_QUANT', 'IN_FC_IN_WEIGHT', 'IN_FC_IN_BIAS', 'IN_FC_IN_WEIGHT_DEQSCALE', ...(sparse ? ['IN_FC_IN_WEIGHT_INDEX'] : [])]]);
        // The row helper quantizes the float attention / GELU output itself: 7 slots, bias and deqscale filled.
        assert.deepStrictEqual(lists.get('denseNode'), [['INTERMEDIATE_ATTN_OUT', 'IN_DENSE_WEIGHT', 'IN_DENSE_BIAS', 'IN_DENSE_WEIGHT_DEQSCALE', idx('IN_DENSE_WEIGHT'), 'IN_HOLDER', 'IN_HOLDER']]);
        assert.deepStrictEqual(lists.get('fcOutNode'), [['INTERMEDIATE_GELU_OUT', 'IN_FC_OUT_WEIGHT', 'IN_FC_OUT_BIAS', 'IN_FC_OUT_WEIGHT_DEQSCALE', idx('IN_FC_OUT_WEIGHT'), 'IN_HOLDER', 'IN_HOLDER']]);
        for (const [v, stem] of [['denseParamV2', 'oProj'], ['fcOutParamV2', 'downProj']]) {
          const f = fieldAssignments(syntax, cpp, v);
          for (const k of ['isBias', 'isQuant', 'transposeB', 'quantParam.isQuantOp']) assert.strictEqual(f.get(k), 'true', `${v}.${k}`);
          assert.strictEqual(f.get('isSparse'), sparse ? 'true' : undefined);
          assert.strictEqual(f.get('quantParam.quantType'), 'atb::infer::QUANT_INT8');
          assert.strictEqual(f.get('quantParam.inputScale'), `param.${stem}InputScale`);
          assert.ok(cpp.includes(`atb_speed::common::RowParallelLinearV2(${v}, &`), v);
        }
        assert.ok(!/CREATE_OPERATION\(linearParam, &(denseNode|fcOutNode)/.test(cpp), 'no plain Linear left on the float inputs');
        assert.strictEqual(identifierCount(syntax, cpp, 'linearParam'), sparse ? 3 : 5, 'the shared param still serves QKV and fc_in');
        assert.strictEqual(fieldAssignments(syntax, cpp, 'layerNormParam').get('normParam.quantType'), 'atb::infer::QUANT_INT8');
        assert.ok(cpp.includes('#include "layers/parallel_layer_v2.h"'));
        assert.deepStrictEqual(structFields(syntax, r.files[1].contents, 'QuantNeoxStyleLayerParam'.replace('Quant', mode === 'w8a8' ? 'Quant' : 'SparseQuant')).slice(-4), ['oProjInputScale', 'oProjInputOffset', 'downProjInputScale', 'downProjInputOffset']);
      });
    }
    it('refuses a plain linear whose param sets transposeA, naming the node and the field', () => {
      const input = fixtureInput('plain-linear-row');
      const cppText = input.cppText.replace('atb::infer::LinearParam linearParam;', 'atb::infer::LinearParam linearParam;\n    linearParam.transposeA = true;');
      assert.notStrictEqual(cppText, input.cppText);
      const outcome = quantizeLayer(syntax, { ...input, cppText }, 'w8a8');
      assert.ok(!outcome.ok);
      assert.strictEqual(outcome.refusal.code, 'quantize.plain-linear-param');
      assert.ok(formatMessage(outcome.refusal.message).includes('denseNode') && formatMessage(outcome.refusal.message).includes('transposeA'));
    });
  });

  describe('one norm for attention and MLP, shared MlpLayer helper (falcon 7b; falcon 40b has its own copy)', () => {
    for (const mode of MODES) {
      it(`${mode}: the norm quantizes once for QKV and MLP; MlpLayer becomes the un-gated MlpGateLayerV2`, () => {
        const r = ok(quantizeLayer(syntax, fixtureInput('mlp-layer-one-norm'), mode));
        const cpp = r.files[0].contents;
        assert.deepStrictEqual(syntaxErrors(syntax, cpp), []);
        const sparse = mode === 'w8a8sc';
        const linears = added(mode, [['IN_QKV_WEIGHT', false], ['IN_DENSE_WEIGHT', false], ['IN_MLP_UP_WEIGHT', false], ['IN_MLP_DOWN_WEIGHT', false]]);
        assert.deepStrictEqual(r.report.addedTensors, [...linears, 'IN_HOLDER']);
        assert.strictEqual(constant(syntax, cpp, 'IN_TENSOR_COUNT'), 13 + linears.length + 1);
        assert.strictEqual(constant(syntax, cpp, 'INTERNAL_TENSOR_COUNT'), 9 + 1, 'one int8 output for the one norm');
        assert.strictEqual(constant(syntax, cpp, 'NODE_COUNT'), 8);
        const lists = inputLists(syntax, cpp);
        assert.deepStrictEqual(lists.get('normNode'), [['IN_HIDDEN_STATES', 'IN_NORM_WEIGHT', 'IN_NORM_BIAS']]);
        assert.deepStrictEqual(lists.get('qkvNode')![0].slice(0, 4), ['INTERNAL_NORM_OUT_QUANT', 'IN_QKV_WEIGHT', 'IN_QKV_WEIGHT_BIAS', 'IN_QKV_WEIGHT_DEQSCALE']);
        const mlp = lists.get('mlpNode')![0];
        const h = (w: string) => (sparse ? w : 'IN_HOLDER');
        assert.deepStrictEqual(mlp, [
          'INTERNAL_NORM_OUT_QUANT', 'IN_MLP_UP_WEIGHT', 'IN_HOLDER', 'IN_MLP_DOWN_WEIGHT',
          'IN_MLP_UP_WEIGHT_DEQSCALE', 'IN_HOLDER', 'IN_MLP_DOWN_WEIGHT_DEQSCALE',
          'IN_MLP_UP_WEIGHT_BIAS', 'IN_HOLDER', 'IN_MLP_DOWN_WEIGHT_BIAS',
          h('IN_MLP_UP_WEIGHT_INDEX'), 'IN_HOLDER', h('IN_MLP_DOWN_WEIGHT_INDEX'),
          ...Array(6).fill('IN_HOLDER'),
        ]);
        const m = fieldAssignments(syntax, cpp, 'mlpParam');
        for (const [k, v] of [['noGate', 'true'], ['isPack', 'false'], ['isQuant', 'true'], ['isBias', 'true'], ['commDownParam.rank', 'param.rank'], ['commDownParam.rankSize', 'param.rankSize'], ['activationType', 'atb::infer::ActivationType::ACTIVATION_GELU'], ['quantUpParam.isQuantOp', 'false'], ['quantDownParam.inputScale', 'param.downProjInputScale']]) {
          assert.strictEqual(m.get(k), v, k);
        }
        assert.ok(cpp.includes('atb_speed::common::MlpGateParamV2 mlpParam;') && cpp.includes('atb_speed::common::MlpGateLayerV2(mlpParam, &mlpNode.operation);'));
        assert.ok(cpp.includes('#include "layers/mlp_gate_v2.h"') && !cpp.includes('layers/mlp.h'));
        assert.deepStrictEqual(lists.get('denseNode')![0].slice(0, 4), ['INTERNAL_ATTN_OUT', 'IN_DENSE_WEIGHT', 'IN_DENSE_WEIGHT_BIAS', 'IN_DENSE_WEIGHT_DEQSCALE']);
        assert.strictEqual(fieldAssignments(syntax, cpp, 'normParam').get('normParam.quantType'), 'atb::infer::QUANT_INT8');
      });
    }
  });

  describe("minigpt4's own packed FusionMlp (operation/fusion_mlp.h: packed gate-up, SWISH, down)", () => {
    for (const mode of MODES) {
      it(`${mode}: moves to MlpGateLayerV2 with isPack and SWISH, the packed weight in the up slot`, () => {
        const r = ok(quantizeLayer(syntax, fixtureInput('fusion-mlp'), mode));
        const cpp = r.files[0].contents;
        assert.deepStrictEqual(syntaxErrors(syntax, cpp), []);
        const sparse = mode === 'w8a8sc';
        const linears = added(mode, [['IN_QKVWEIGHT', false], ['IN_SELFOUTWEIGHT', false], ['IN_MLPGATEUPWEIGHT', false], ['IN_MLPDOWNWEIGHT', false]]);
        assert.deepStrictEqual(r.report.addedTensors, [...linears, 'IN_BETA', 'IN_HOLDER']);
        assert.strictEqual(constant(syntax, cpp, 'IN_TENSOR_COUNT'), 13 + linears.length + 2);
        assert.strictEqual(constant(syntax, cpp, 'INTERMEDIATE_TENSOR_COUNT'), 10);
        const lists = inputLists(syntax, cpp);
        const h = (w: string) => (sparse ? w : 'IN_HOLDER');
        assert.deepStrictEqual(lists.get('mlpNode'), [[
          'INTERMIDATE_SELFNORMOUT', 'IN_MLPGATEUPWEIGHT', 'IN_HOLDER', 'IN_MLPDOWNWEIGHT',
          'IN_MLPGATEUPWEIGHT_DEQSCALE', 'IN_HOLDER', 'IN_MLPDOWNWEIGHT_DEQSCALE',
          'IN_MLPGATEUPWEIGHT_BIAS', 'IN_HOLDER', 'IN_MLPDOWNWEIGHT_BIAS',
          h('IN_MLPGATEUPWEIGHT_INDEX'), 'IN_HOLDER', h('IN_MLPDOWNWEIGHT_INDEX'),
          ...Array(6).fill('IN_HOLDER'),
        ]]);
        assert.deepStrictEqual(lists.get('selfNormNode'), [['INTERMIDATE_SELFRESIDUALOUT', 'IN_SELFOUTNORMWEIGHT', 'IN_BETA']]);
        assert.deepStrictEqual(lists.get('selfOutLinearNode')![0].slice(0, 4), ['INTERMIDATE_SELFOUT', 'IN_SELFOUTWEIGHT', 'IN_SELFOUTWEIGHT_BIAS', 'IN_SELFOUTWEIGHT_DEQSCALE']);
        const m = fieldAssignments(syntax, cpp, 'mlpParam');
        for (const [k, v] of [['isPack', 'true'], ['activationType', 'atb::infer::ActivationType::ACTIVATION_SWISH'], ['isQuant', 'true'], ['quantUpParam.isQuantOp', 'false'], ['quantDownParam.isQuantOp', 'true']]) assert.strictEqual(m.get(k), v, k);
        assert.ok(!m.has('noGate'));
        assert.strictEqual(identifierCount(syntax, cpp, 'selfOutLinearParam'), 0, 'the o_proj LinearParam nothing else used is gone');
        assert.strictEqual(fieldAssignments(syntax, cpp, 'selfOutLinearParamV2').get('isQuant'), 'true');
        assert.ok(cpp.includes('atb_speed::common::MlpGateParamV2 mlpParam;') && cpp.includes('atb_speed::common::MlpGateLayerV2(mlpParam, &mlpNode.operation);'));
        assert.ok(cpp.includes('#include "layers/mlp_gate_v2.h"') && !cpp.includes('#include "models/minigpt4/operation/fusion_mlp.h"'));
      });
    }
    it('a FusionMlp of the same name from another header is not assumed to mean the same: refused', () => {
      const input = fixtureInput('fusion-mlp');
      const cppText = input.cppText.replace('#include "models/minigpt4/operation/fusion_mlp.h"', '#include "models/other/operation/fusion_mlp.h"');
      assert.notStrictEqual(cppText, input.cppText);
      const outcome = quantizeLayer(syntax, { ...input, cppText }, 'w8a8');
      assert.ok(!outcome.ok);
      assert.strictEqual(outcome.refusal.code, 'quantize.model-local-op');
      assert.ok(formatMessage(outcome.refusal.message).includes('mlpNode'));
    });
  });

  describe('several MLP nodes behind one norm (not the one-norm-per-MLP shape of vlmo 2b, see quantize-multi-mlp)', () => {
    it('refuses naming both MLP nodes and the norm instead of calling it ambiguous', () => {
      const input = fixtureInput('layernorm');
      const cppText = input.cppText
        .replace('    atb::Node &mlpNode = opGraph.nodes.at(nodeId++);', '    atb::Node &mlpNode = opGraph.nodes.at(nodeId++);\n    atb::Node &imageMlpNode = opGraph.nodes.at(nodeId++);')
        .replace('    atb_speed::common::MlpGateLayerV2(mlpParam, &mlpNode.operation);', '    atb_speed::common::MlpGateLayerV2(mlpParam, &mlpNode.operation);\n    atb_speed::common::MlpGateParamV2 imageMlpParam;\n    atb_speed::common::MlpGateLayerV2(imageMlpParam, &imageMlpNode.operation);\n    imageMlpNode.inTensorIds = {INTERMIDATE_POSTATTNLAYERNORMOUT};');
      assert.strictEqual(cppText.split('imageMlpNode').length, 4);
      const outcome = quantizeLayer(syntax, { ...input, cppText }, 'w8a8sc');
      assert.ok(!outcome.ok);
      assert.strictEqual(outcome.refusal.code, 'quantize.multi-mlp.shared-norm');
      const text = formatMessage(outcome.refusal.message);
      assert.ok(text.includes('`mlpNode` and `imageMlpNode`') && text.includes('postAttnLayerNormNode'), text);
    });
  });

  describe('unrolled MLP whose down projection is a plain Linear (gate, up, swish, mul, down)', () => {
    it('gate and up read the norm\'s int8 output; down becomes the row helper; shared param kept for gate/up', () => {
      const r = ok(quantizeLayer(syntax, fixtureInput('unrolled-mlp'), 'w8a8'));
      const cpp = r.files[0].contents;
      assert.deepStrictEqual(syntaxErrors(syntax, cpp), []);
      assert.deepStrictEqual(r.report.addedTensors, [
        ...added('w8a8', [['IN_QKV_WEIGHT', false], ['IN_MLP_GATE_WEIGHT', false], ['IN_MLP_UP_WEIGHT', false], ['IN_SELF_OUT_LINEAR_WEIGHT', false], ['IN_MLP_DOWN_WEIGHT', false]]),
        'IN_BETA',
      ]);
      assert.strictEqual(constant(syntax, cpp, 'IN_TENSOR_COUNT'), 15 + 11);
      const lists = inputLists(syntax, cpp);
      assert.deepStrictEqual(lists.get('downLinearNode'), [['INTERMEDIATE_MUL_OUT', 'IN_MLP_DOWN_WEIGHT', 'IN_MLP_DOWN_WEIGHT_BIAS', 'IN_MLP_DOWN_WEIGHT_DEQSCALE', 'IN_HOLDER', 'IN_HOLDER', 'IN_HOLDER']]);
      assert.deepStrictEqual(lists.get('gateLinearNode'), [['INTERMEDIATE_SELF_NORM_OUT', 'IN_MLP_GATE_WEIGHT', 'IN_MLP_GATE_WEIGHT_BIAS', 'IN_MLP_GATE_WEIGHT_DEQSCALE']]);
      assert.strictEqual(fieldAssignments(syntax, cpp, 'downLinearParamV2').get('quantParam.inputScale'), 'param.downProjInputScale');
      assert.strictEqual(fieldAssignments(syntax, cpp, 'mlpLinearParam').get('hasBias'), 'true');
    });
  });

  describe('packed V1 MLP (internlm 20b / llama_pa paged: MlpGateLayer with isPack and 3 inputs)', () => {
    it('moves it to MlpGateLayerV2 with the packed gate-up weight in the up slot and the gate slot empty', () => {
      const input = fixtureInput('v1-helper');
      const cppText = input.cppText.replace('mlpNode.inTensorIds = {INTERMIDATE_SELFNORMOUT, IN_MLPUPWEIGHT, IN_MLPGATEWEIGHT, IN_MLPDOWNWEIGHT};', 'mlpNode.inTensorIds = {INTERMIDATE_SELFNORMOUT, IN_MLPUPWEIGHT, IN_MLPDOWNWEIGHT};');
      assert.notStrictEqual(cppText, input.cppText);
      const r = ok(quantizeLayer(syntax, { ...input, cppText }, 'w8a8'));
      const mlp = inputLists(syntax, r.files[0].contents).get('mlpNode')![0];
      assert.deepStrictEqual(mlp.slice(0, 10), [
        'INTERMIDATE_SELFNORMOUT', 'IN_MLPUPWEIGHT', 'IN_HOLDER', 'IN_MLPDOWNWEIGHT',
        'IN_MLPUPWEIGHT_DEQSCALE', 'IN_HOLDER', 'IN_MLPDOWNWEIGHT_DEQSCALE',
        'IN_MLPUPWEIGHT_BIAS', 'IN_HOLDER', 'IN_MLPDOWNWEIGHT_BIAS',
      ]);
      assert.ok(!r.report.addedTensors.some((t) => t.startsWith('IN_MLPGATE')));
    });
  });

  describe('split tensor-id enums (falcon 7b, bloom: In/Out/Internal enums chained by _MAX sentinels)', () => {
    it('adds the inputs before IN_TENSOR_MAX and leaves the sentinel-arithmetic counts alone', () => {
      const input = fixtureInput('layernorm');
      // Hand edit of the fixture into the split shape.
      let cppText = input.cppText
        .replace('enum FlashAttentionLayerTensorId : int {', 'enum FlashAttentionLayerInTensorId : int {')
        .replace('    IN_LAYERID,\n    OUT_LAYEROUT,\n', '    IN_LAYERID,\n    IN_TENSOR_MAX\n};\nenum FlashAttentionLayerOutTensorId : int {\n    OUT_LAYEROUT = IN_TENSOR_MAX,\n    OUT_TENSOR_MAX\n};\nenum FlashAttentionLayerInternalTensorId : int {\n    INTERMIDATE_INPUTLAYERNORMOUT_PLACE = OUT_TENSOR_MAX,\n')
        .replace('    INTERMIDATE_MLPOUT\n};', '    INTERMIDATE_MLPOUT,\n    INTERMEDIATE_TENSOR_MAX\n};')
        .replace('IN_TENSOR_COUNT = 20;', 'IN_TENSOR_COUNT = IN_TENSOR_MAX;')
        .replace('INTERMEDIATE_TENSOR_COUNT = 7;', 'INTERMEDIATE_TENSOR_COUNT = INTERMEDIATE_TENSOR_MAX - OUT_TENSOR_MAX;')
        .replace('OUT_TENSOR_COUNT = 1;', 'OUT_TENSOR_COUNT = OUT_TENSOR_MAX - IN_TENSOR_MAX;');
      cppText = cppText.replace('INTERMIDATE_INPUTLAYERNORMOUT_PLACE = OUT_TENSOR_MAX,\n    INTERMIDATE_INPUTLAYERNORMOUT,', 'INTERMIDATE_INPUTLAYERNORMOUT = OUT_TENSOR_MAX,');
      assert.ok(cppText.includes('IN_TENSOR_MAX') && cppText.includes('INTERMIDATE_INPUTLAYERNORMOUT = OUT_TENSOR_MAX'));
      const r = ok(quantizeLayer(syntax, { ...input, cppText }, 'w8a8'));
      const cpp = r.files[0].contents;
      assert.deepStrictEqual(syntaxErrors(syntax, cpp), []);
      assert.ok(/IN_MLPPROJWEIGHT_DEQSCALE,\s*IN_TENSOR_MAX/.test(cpp), 'new inputs end the In enum');
      assert.ok(cpp.includes('IN_TENSOR_COUNT = IN_TENSOR_MAX;') && cpp.includes('INTERMEDIATE_TENSOR_MAX - OUT_TENSOR_MAX;'));
      assert.ok(cpp.includes('enum QuantFlashAttentionLayerInTensorId') && cpp.includes('enum QuantFlashAttentionLayerInternalTensorId'));
      const inCount = r.report.counts.find((c) => c.name === 'IN_TENSOR_COUNT')!;
      assert.deepStrictEqual([inCount.before, inCount.after], [20, 24]);
    });
  });

  describe('header found by #include (llama_adapter: several layers share layer.h)', () => {
    const base = () => fixtureInput('packed-rope');
    const reader = (files: Map<string, string>): FileReader => ({
      readText: async (p) => files.get(p),
      readBytes: async () => undefined,
      size: async (p) => files.get(p)?.length,
      list: async (d) => (d === '/w/layer' ? [...files.keys()].map((p) => ({ name: p.slice(d.length + 1), isDirectory: false })) : undefined),
    });
    const files = () => {
      const a = base();
      return new Map([
        ['/w/layer/decoder_layer.cpp', a.cppText.replace('#include "flash_attention_rope_layer.h"', '#include "layer.h"')],
        ['/w/layer/layer.h', a.headerText!],
      ]);
    };

    it('a .cpp on its own finds its header by #include; outputs and the include guard are named after the .cpp', async () => {
      const fs = files();
      assert.ok(fs.get('/w/layer/decoder_layer.cpp')!.includes('#include "layer.h"'));
      const { results, skipped } = await quantizePaths(syntax, reader(fs), ['/w/layer/decoder_layer.cpp'], 'w8a8');
      assert.deepStrictEqual(skipped, []);
      const r = ok(results[0].outcome);
      assert.deepStrictEqual(r.files.map((f) => f.path), ['/w/layer/quant_decoder_layer.cpp', '/w/layer/quant_decoder_layer.h']);
      assert.ok(r.files[0].contents.includes('#include "quant_decoder_layer.h"'));
      assert.ok(/#ifndef QUANT_DECODER_LAYER_\w+/.test(r.files[1].contents), r.files[1].contents.slice(0, 400));
      assert.ok(r.files[1].contents.includes('struct QuantFlashAttentionRopeLayerParam'));
    });

    it('folder mode keeps msit\'s same-name rule and says the header is found only by #include', async () => {
      const { results, skipped } = await quantizePaths(syntax, reader(files()), ['/w/layer'], 'w8a8');
      assert.deepStrictEqual(results, []);
      assert.deepStrictEqual(skipped.map((s) => s.reason.code), ['quantize.skip.header-by-include']);
      assert.ok(formatMessage(skipped[0].reason, 'en').includes('layer.h'));
      assert.ok(formatMessage(skipped[0].reason, 'zh-cn').includes('layer.h'));
    });
  });
});
