/**
 * Shapes found by running the quantize rewrite on the public old-style ATB-Models layers
 * (telechat, llama2-70b, aquila, baichuan2-13b, qwen-14b). Each case here is a hand-written
 * fixture or a hand edit of one, reproducing the shape that the first version got wrong.
 */
import * as assert from 'assert';
import { formatMessage } from '../../src/core/i18n';
import '../../src/core/messages';
import { quantizeLayer, type QuantizeOutcome } from '../../src/core/quantize';
import type { Syntax } from '../../src/core/syntax';
import { nodeSyntax } from '../../src/node/syntax';
import { fieldAssignments, fixtureInput, inputLists, structFields } from '../compile/layer-fixtures';

function ok(outcome: QuantizeOutcome): Extract<QuantizeOutcome, { ok: true }> {
  if (!outcome.ok) assert.fail(`refused: ${outcome.refusal.code} ${formatMessage(outcome.refusal.message)}`);
  return outcome;
}

describe('quantize: shapes of the real old-style layers', function () {
  let syntax: Syntax;
  before(async () => {
    syntax = await nodeSyntax();
  });

  describe('model-local helpers that share the shared helpers\' names (telechat)', () => {
    it('refuses, naming the qualified model-local helper, instead of filling 7 V2 slots into a 5-slot helper', () => {
      const outcome = quantizeLayer(syntax, fixtureInput('model-local-helper'), 'w8a8');
      assert.ok(!outcome.ok);
      if (outcome.ok) return;
      assert.strictEqual(outcome.refusal.code, 'quantize.model-local-helper');
      const en = formatMessage(outcome.refusal.message, 'en');
      const zh = formatMessage(outcome.refusal.message, 'zh-cn');
      assert.ok(en.includes('atb_speed::demo_tele::RowParallelLinearV2') && en.includes('selfOutLinearNode'), en);
      assert.ok(zh.includes('atb_speed::demo_tele::RowParallelLinearV2') && /模型自带/.test(zh), zh);
      assert.ok(outcome.refusal.range, 'points at the call');
    });

    it('still rewrites the shared helpers however they are qualified (atb_speed::common::, common::, unqualified)', () => {
      const input = fixtureInput('packed-rope');
      assert.ok(input.cppText.includes('atb_speed::common::RowParallelLinearV2(selfOutLinearParam'));
      for (const qualifier of ['common::', '']) {
        const cppText = input.cppText.replace('atb_speed::common::RowParallelLinearV2(selfOutLinearParam', `${qualifier}RowParallelLinearV2(selfOutLinearParam`);
        assert.notStrictEqual(cppText, input.cppText);
        const r = ok(quantizeLayer(syntax, { ...input, cppText }, 'w8a8'));
        assert.strictEqual(fieldAssignments(syntax, r.files[0].contents, 'selfOutLinearParam').get('isQuant'), 'true', qualifier || 'unqualified');
      }
      // The same call qualified with a model namespace is the model's own helper.
      const local = input.cppText.replace('atb_speed::common::RowParallelLinearV2(selfOutLinearParam', 'atb_speed::baichuan2_7b::RowParallelLinearV2(selfOutLinearParam');
      const refused = quantizeLayer(syntax, { ...input, cppText: local }, 'w8a8sc');
      assert.ok(!refused.ok && refused.refusal.code === 'quantize.model-local-helper');
    });
  });

  describe('no from_json: the Create function fills a local param from the json (llama2-70b)', () => {
    for (const mode of ['w8a8', 'w8a8sc'] as const) {
      it(`${mode}: reads the new scalars in Create<Layer>, in its own style, after its last json read`, () => {
        const input = fixtureInput('create-reads-json');
        const r = ok(quantizeLayer(syntax, input, mode));
        const h = r.files[1].contents;
        const prefix = mode === 'w8a8' ? 'Quant' : 'SparseQuant';
        const create = h.slice(h.indexOf(`Create${prefix}FusionPALayer(`));
        const reads = ['param.oProjInputScale = paramJson["oProjInputScale"].get<float>();', 'param.oProjInputOffset = paramJson["oProjInputOffset"].get<int>();', 'param.downProjInputScale = paramJson["downProjInputScale"].get<float>();', 'param.downProjInputOffset = paramJson["downProjInputOffset"].get<int>();'];
        let at = create.indexOf('param.kvHeadsPerRank = paramJson["kvHeadsPerRank"]');
        assert.ok(at > 0);
        for (const line of reads) {
          const next = create.indexOf(line);
          assert.ok(next > at, `${line} after the previous read`);
          at = next;
        }
        assert.ok(at < create.indexOf('ATB_LOG(INFO)'), 'before the param is used');
        assert.ok(!/void from_json\(|\.get_to\(/.test(h + r.files[0].contents), 'no from_json invented');
        const fields = structFields(syntax, h, `${prefix}FusionPALayerParam`);
        for (const s of ['oProjInputScale', 'oProjInputOffset', 'downProjInputScale', 'downProjInputOffset']) assert.ok(fields.includes(s), s);
      });
    }

    it('when nothing in the layer reads the json (the model fills the param), declares the scalars and says where to set them', () => {
      const input = fixtureInput('create-reads-json');
      const start = input.headerText!.indexOf('static atb::Operation *CreateFusionPALayer');
      const end = input.headerText!.indexOf('class FusionPALayerBinder');
      const headerText = input.headerText!.slice(0, start) + input.headerText!.slice(end);
      const r = ok(quantizeLayer(syntax, { ...input, headerText }, 'w8a8'));
      assert.ok(structFields(syntax, r.files[1].contents, 'QuantFusionPALayerParam').includes('oProjInputScale'));
      assert.ok(!r.files[1].contents.includes('paramJson["oProjInputScale"]'));
      assert.deepStrictEqual(r.report.notes.map((n) => n.code), ['quantize.note.set-scalars']);
      const en = formatMessage(r.report.notes[0], 'en');
      assert.ok(en.includes('FusionPALayerParam') && en.includes('downProjInputOffset'), en);
    });

    it('moves the V1 helpers with their extra fields (backend, rankRoot, hcclComm, transposeB) and adds IN_HOLDER', () => {
      const r = ok(quantizeLayer(syntax, fixtureInput('create-reads-json'), 'w8a8'));
      const cpp = r.files[0].contents;
      const o = fieldAssignments(syntax, cpp, 'selfOutLinearParam');
      assert.strictEqual(o.get('commParam.backend'), 'param.backend');
      assert.strictEqual(o.get('transposeB'), 'true', 'quant weights are transposed');
      assert.ok(!o.has('backend') && !o.has('rank'));
      const m = fieldAssignments(syntax, cpp, 'mlpParallelParam');
      assert.strictEqual(m.get('commDownParam.rankRoot'), '0');
      assert.strictEqual(m.get('commDownParam.hcclComm'), 'nullptr');
      assert.strictEqual(m.get('commDownParam.backend'), 'param.backend');
      assert.ok(r.report.addedTensors.includes('IN_HOLDER'));
      // The prefill/decode branch around the attention node is not a float/quant branch.
      assert.deepStrictEqual(inputLists(syntax, cpp).get('attentionNode')?.length, 2);
    });
  });

  describe('packed gate-up MLP: the gate slot holds the placeholder (baichuan2-7b paged, chatglm2)', () => {
    const packed = () => {
      const input = fixtureInput('packed-rope');
      const cppText = input.cppText
        .replace('mlpParam.isPack = false;', 'mlpParam.isPack = true;')
        .replace('        IN_MLPUPWEIGHT,\n        IN_MLPGATEWEIGHT,\n', '        IN_MLPUPWEIGHT,\n        IN_HOLDER,\n');
      assert.ok(cppText.includes('isPack = true') && !/IN_MLPUPWEIGHT,\s+IN_MLPGATEWEIGHT/.test(cppText));
      return { ...input, cppText };
    };

    for (const mode of ['w8a8', 'w8a8sc'] as const) {
      it(`${mode}: quantizes the two real linears only and keeps the empty gate's slots as placeholders`, () => {
        const r = ok(quantizeLayer(syntax, packed(), mode));
        const sparse = mode === 'w8a8sc';
        assert.ok(!r.report.addedTensors.some((t) => /HOLDER_|MLPGATEWEIGHT_/.test(t)), r.report.addedTensors.join(' '));
        const w = ['IN_MLPUPWEIGHT', 'IN_MLPDOWNWEIGHT'];
        for (const x of w) for (const suffix of ['_DEQSCALE', '_BIAS', ...(sparse ? ['_INDEX'] : [])]) assert.ok(r.report.addedTensors.includes(x + suffix), x + suffix);
        // 17 inputs + QKV, o_proj, up, down (deq + bias, sparse + index) + IN_BETA.
        assert.strictEqual(r.report.counts.find((c) => c.name === 'IN_TENSOR_COUNT')!.after, 17 + 4 * (sparse ? 3 : 2) + 1);
        const slots = inputLists(syntax, r.files[0].contents).get('mlpNode')![0];
        const H = 'IN_HOLDER';
        assert.deepStrictEqual(slots, [
          'INTERMIDATE_SELFNORMOUT', 'IN_MLPUPWEIGHT', H, 'IN_MLPDOWNWEIGHT',
          'IN_MLPUPWEIGHT_DEQSCALE', H, 'IN_MLPDOWNWEIGHT_DEQSCALE',
          'IN_MLPUPWEIGHT_BIAS', H, 'IN_MLPDOWNWEIGHT_BIAS',
          ...(sparse ? ['IN_MLPUPWEIGHT_INDEX', H, 'IN_MLPDOWNWEIGHT_INDEX'] : [H, H, H]),
          H, H, H, H, H, H,
        ]);
        assert.strictEqual(fieldAssignments(syntax, r.files[0].contents, 'mlpParam').get('isPack'), 'true');
      });
    }
  });

  describe('QKV LinearParam brace initialisers {transposeA, transposeB, hasBias} (aquila, qwen-14b)', () => {
    const withInit = (init: string) => {
      const input = fixtureInput('packed-rope');
      const cppText = input.cppText.replace('atb::infer::LinearParam linearParam;\n    linearParam.hasBias = false;', `atb::infer::LinearParam linearParam = ${init};`);
      assert.notStrictEqual(cppText, input.cppText);
      return { ...input, cppText };
    };

    it('W8A8 turns transposeB on when the initialiser turns it off (int8 weights are stored transposed)', () => {
      const r = ok(quantizeLayer(syntax, withInit('{false, false, false}'), 'w8a8'));
      const f = fieldAssignments(syntax, r.files[0].contents, 'linearParam');
      assert.strictEqual(f.get('transposeB'), 'true');
      assert.strictEqual(f.get('hasBias'), 'true');
      assert.strictEqual(f.get('linearType'), 'atb::infer::LinearType::LINEAR_INT8INT8_INT32_FP16');
    });

    it('leaves transposeB alone when the initialiser already says true or does not set it', () => {
      for (const init of ['{false, true, false}', '{false}']) {
        const r = ok(quantizeLayer(syntax, withInit(init), 'w8a8'));
        assert.ok(!fieldAssignments(syntax, r.files[0].contents, 'linearParam').has('transposeB'), init);
      }
    });

    it('W8A8SC replaces the initialiser with LinearSparseParam {false, true, 8, 8} and sets no field', () => {
      const r = ok(quantizeLayer(syntax, withInit('{false, false, false}'), 'w8a8sc'));
      const cpp = r.files[0].contents;
      assert.ok(cpp.includes('atb::infer::LinearSparseParam linearParam = {false, true, 8, 8};'));
      assert.strictEqual(fieldAssignments(syntax, cpp, 'linearParam').size, 0);
    });
  });
});
