/**
 * Issue 8, the last refused real layers of helper B's part: a layer with one MLP per norm (vlmo 2b's
 * multiway encoder), a V2 helper called without its trailing placeholder slots (telechat_pa's o_proj,
 * 6 of RowParallelLinearV2's 7) and a float layer that wires one node twice and another never
 * (visualglm 6b). Hand-written fixtures (test/fixtures/layers/multi-mlp, trailing-slots); outputs
 * are read back with tree-sitter independently of the engine's own layer model.
 */
import * as assert from 'assert';
import { formatMessage } from '../../src/core/i18n';
import '../../src/core/messages';
import { quantizeLayer, type QuantizeOutcome, type QuantMode } from '../../src/core/quantize';
import type { Syntax } from '../../src/core/syntax';
import { nodeSyntax } from '../../src/node/syntax';
import { constant, enumEntries, fieldAssignments, fixtureInput, inputLists, missingPreservedLines, structFields, syntaxErrors } from '../compile/layer-fixtures';

function ok(outcome: QuantizeOutcome): Extract<QuantizeOutcome, { ok: true }> {
  if (!outcome.ok) assert.fail(`refused: ${outcome.refusal.code} ${formatMessage(outcome.refusal.message)}`);
  return outcome;
}

function refused(outcome: QuantizeOutcome, code: string): { en: string; zh: string; line?: number } {
  if (outcome.ok) assert.fail(`converted, expected ${code}`);
  assert.strictEqual(outcome.refusal.code, code, formatMessage(outcome.refusal.message));
  const en = formatMessage(outcome.refusal.message, 'en');
  const zh = formatMessage(outcome.refusal.message, 'zh-cn');
  assert.notStrictEqual(en, zh, 'the message exists in both languages');
  assert.ok(/[\u4e00-\u9fff]/.test(zh), zh);
  return { en, zh, line: outcome.refusal.range?.start.line };
}

/** Replaces `from` once, making sure the fixture really had it. */
function edit(text: string, from: string, to: string): string {
  assert.strictEqual(text.split(from).length, 2, `fixture has exactly one ${from}`);
  return text.replace(from, to);
}

const MODES: QuantMode[] = ['w8a8', 'w8a8sc'];
const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;

describe('quantize: several MLPs, trailing helper slots, layers wired twice', function () {
  let syntax: Syntax;
  before(async () => {
    syntax = await nodeSyntax();
  });

  for (const [c, symbols] of [['multi-mlp', ['MultiwayLayer', 'CreateMultiwayLayer', 'MultiwayLayerParam', 'MultiwayLayerTensorId']], ['trailing-slots', ['PagedLayer', 'PagedLayerParam', 'PagedLayerTensorId']]] as const) {
    for (const mode of MODES) {
      it(`${c} (${mode}): other lines kept byte for byte, deterministic, its own output refused as already quantized`, () => {
        const input = fixtureInput(c);
        const r = ok(quantizeLayer(syntax, input, mode));
        const [cpp, h] = [r.files[0].contents, r.files[1].contents];
        const P = mode === 'w8a8' ? 'Quant' : 'SparseQuant';
        const header = input.headerPath.split('/').pop()!;
        const renames = [
          ...symbols.map((s) => ({ from: s, to: s.startsWith('Create') ? 'Create' + P + s.slice(6) : P + s })),
          { from: header, to: (mode === 'w8a8' ? 'quant_' : 'sparse_quant_') + header },
        ];
        // Tensor-id lists (and their continuation lines), counts, the guard and the int8 / sparse linear params change.
        const changed = [/inTensorIds/, /outTensorIds/, /_TENSOR_COUNT =/, /#ifndef|#define/, /^\s*(INTERNAL|IN)_[\w, ]*\}?;?$/, /LinearParam \w+( = \{.*\})?;/, /\.(hasBias|transposeB|isQuant|isBias) = /];
        assert.deepStrictEqual(missingPreservedLines(input.cppText, cpp, renames, changed), []);
        assert.deepStrictEqual(missingPreservedLines(input.headerText!, h, renames, changed), []);
        assert.deepStrictEqual(ok(quantizeLayer(syntax, input, mode)).files, r.files);
        const twice = quantizeLayer(syntax, { cppPath: r.files[0].path, cppText: cpp, headerPath: r.files[1].path, headerText: h }, mode);
        assert.ok(!twice.ok && twice.refusal.code === 'quantize.already-quantized');
      });
    }
  }

  it('seeded edits of the new shapes (drop or duplicate an input, rename a tensor): a clean rewrite or a specific refusal, never a throw', () => {
    let seed = 8;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const codes = new Set<string>();
    for (const c of ['multi-mlp', 'trailing-slots', 'unrolled-mlp']) {
      const input = fixtureInput(c);
      const ids = [...input.cppText.matchAll(/\b(IN|INTERNAL|INTERMEDIATE)_[A-Z_]+\b/g)];
      for (let i = 0; i < 60; i++) {
        const m = ids[Math.floor(random() * ids.length)];
        const at = m.index!;
        const kind = i % 3;
        const other = ids[Math.floor(random() * ids.length)][0];
        const cppText = kind === 0
          ? input.cppText.slice(0, at) + input.cppText.slice(at + m[0].length).replace(/^\s*,/, '')
          : kind === 1 ? input.cppText.slice(0, at) + m[0] + ', ' + input.cppText.slice(at) : input.cppText.slice(0, at) + other + input.cppText.slice(at + m[0].length);
        let outcome: QuantizeOutcome | undefined;
        assert.doesNotThrow(() => (outcome = quantizeLayer(syntax, { ...input, cppText }, i % 2 ? 'w8a8' : 'w8a8sc')), `${c} #${i}`);
        if (outcome!.ok) {
          for (const f of outcome!.files) assert.deepStrictEqual(syntaxErrors(syntax, f.contents), [], `${c} #${i}: output parses`);
          continue;
        }
        const { code, message } = outcome!.refusal;
        codes.add(code);
        assert.notStrictEqual(code, 'quantize.internal', `${c} #${i}: ${formatMessage(message)}`);
        assert.notStrictEqual(formatMessage(message, 'zh-cn'), formatMessage(message, 'en'), code);
        assert.notStrictEqual(formatMessage(message, 'zh-cn'), code, code);
      }
    }
    assert.ok(codes.size >= 3, [...codes].join(', '));
  });

  describe('one MLP per norm (vlmo 2b multiway encoder: text and vision MLPs, each behind its own LayerNorm)', () => {
    for (const mode of MODES) {
      it(`${mode}: every norm -> MLP pair is quantized like the single-MLP layer, with scalars named after its MLP`, () => {
        const input = fixtureInput('multi-mlp');
        const r = ok(quantizeLayer(syntax, input, mode));
        const [cpp, h] = [r.files[0].contents, r.files[1].contents];
        assert.deepStrictEqual(syntaxErrors(syntax, cpp), []);
        const sparse = mode === 'w8a8sc';
        // Every linear has its own bias already: deqscale (and the sparse index) only; LayerNorms need no IN_BETA.
        const weights = ['IN_QKV_WEIGHT', 'IN_ATTN_OUT_WEIGHT', 'IN_TEXT_UP_WEIGHT', 'IN_TEXT_DOWN_WEIGHT', 'IN_VISION_UP_WEIGHT', 'IN_VISION_DOWN_WEIGHT'];
        const expected = weights.flatMap((w) => [w + '_DEQSCALE', ...(sparse ? [w + '_INDEX'] : [])]);
        assert.deepStrictEqual(r.report.addedTensors, expected);
        assert.strictEqual(constant(syntax, cpp, 'IN_TENSOR_COUNT'), 21 + expected.length);
        assert.strictEqual(constant(syntax, cpp, 'INTERMEDIATE_TENSOR_COUNT'), 13 + 3, 'one int8 output per norm (3 norms)');
        assert.strictEqual(constant(syntax, cpp, 'NODE_COUNT'), 14);
        const entries = enumEntries(syntax, cpp);
        assert.ok(!entries.includes('IN_BETA'));
        for (const out of ['INTERMEDIATE_ATTN_NORM_OUT', 'INTERMEDIATE_TEXT_NORM_OUT', 'INTERMEDIATE_VISION_NORM_OUT']) {
          assert.strictEqual(entries.indexOf(out + '_QUANT'), entries.indexOf(out) + 1, out);
        }
        const lists = inputLists(syntax, cpp);
        const outs = (node: string) => [...cpp.matchAll(new RegExp(`${node}\\.outTensorIds = \\{([^}]*)\\}`, 'g'))].map((m) => m[1].split(',').map((s) => s.trim()));
        assert.deepStrictEqual(outs('textNormNode'), [['INTERMEDIATE_TEXT_NORM_OUT', 'INTERMEDIATE_TEXT_NORM_OUT_QUANT']]);
        assert.deepStrictEqual(outs('visionNormNode'), [['INTERMEDIATE_VISION_NORM_OUT', 'INTERMEDIATE_VISION_NORM_OUT_QUANT']]);
        assert.deepStrictEqual(lists.get('textNormNode'), [['INTERMEDIATE_TEXT_PART', 'IN_TEXT_NORM_WEIGHT', 'IN_TEXT_NORM_BIAS']]);
        const idx = (w: string) => (sparse ? w + '_INDEX' : 'IN_HOLDER');
        for (const [node, part] of [['textMlpNode', 'TEXT'], ['visionMlpNode', 'VISION']]) {
          const up = `IN_${part}_UP_WEIGHT`;
          const down = `IN_${part}_DOWN_WEIGHT`;
          assert.deepStrictEqual(lists.get(node), [[
            `INTERMEDIATE_${part}_NORM_OUT_QUANT`, up, 'IN_HOLDER', down,
            up + '_DEQSCALE', 'IN_HOLDER', down + '_DEQSCALE',
            `IN_${part}_UP_BIAS`, 'IN_HOLDER', `IN_${part}_DOWN_BIAS`,
            idx(up), 'IN_HOLDER', idx(down),
            ...Array(6).fill('IN_HOLDER'),
          ]], node);
        }
        // Slices and residual adds keep reading the float tensors.
        assert.deepStrictEqual(lists.get('textResidualNode'), [['INTERMEDIATE_TEXT_PART', 'INTERMEDIATE_TEXT_MLP_OUT']]);
        for (const v of ['attnNormParam', 'textNormParam', 'visionNormParam']) assert.strictEqual(fieldAssignments(syntax, cpp, v).get('normParam.quantType'), 'atb::infer::QUANT_INT8', v);
        const text = fieldAssignments(syntax, cpp, 'textMlpParam');
        const vision = fieldAssignments(syntax, cpp, 'visionMlpParam');
        assert.strictEqual(text.get('quantDownParam.inputScale'), 'param.textMlpDownProjInputScale');
        assert.strictEqual(text.get('quantDownParam.inputOffset'), 'param.textMlpDownProjInputOffset');
        assert.strictEqual(vision.get('quantDownParam.inputScale'), 'param.visionMlpDownProjInputScale');
        assert.strictEqual(fieldAssignments(syntax, cpp, 'attnOutParam').get('quantParam.inputScale'), 'param.oProjInputScale');
        // Consistent with the single-MLP rewrite (the layernorm fixture, like vlmo's encoder_vl_layer): same fields, same values.
        const single = ok(quantizeLayer(syntax, fixtureInput('layernorm'), mode));
        const one = fieldAssignments(syntax, single.files[0].contents, 'mlpParam');
        for (const m of [text, vision]) {
          for (const [k, v] of one) if (!k.startsWith('comm')) assert.strictEqual(m.get(k)?.replace(/param\.(text|vision)MlpDownProj/, 'param.downProj'), v, k);
        }
        const struct = mode === 'w8a8' ? 'QuantMultiwayLayerParam' : 'SparseQuantMultiwayLayerParam';
        assert.deepStrictEqual(structFields(syntax, h, struct).slice(-6), [
          'oProjInputScale', 'oProjInputOffset', 'textMlpDownProjInputScale', 'textMlpDownProjInputOffset', 'visionMlpDownProjInputScale', 'visionMlpDownProjInputOffset',
        ]);
        for (const s of ['textMlpDownProjInputScale', 'visionMlpDownProjInputOffset', 'oProjInputScale']) assert.strictEqual(cpp.split(`paramJson.at("${s}").get_to(param.${s});`).length, 2, s);
        assert.ok(!/\bdownProjInput/.test(cpp + h), 'no unprefixed MLP scalar that two MLPs would share');
        assert.deepStrictEqual(r.report.notes, []);
      });
    }

    it('refuses when two MLPs read the same norm, naming both MLPs and the norm', () => {
      const input = fixtureInput('multi-mlp');
      const cppText = edit(input.cppText, 'visionMlpNode.inTensorIds = {INTERMEDIATE_VISION_NORM_OUT,', 'visionMlpNode.inTensorIds = {INTERMEDIATE_TEXT_NORM_OUT,');
      const r = refused(quantizeLayer(syntax, { ...input, cppText }, 'w8a8'), 'quantize.multi-mlp.shared-norm');
      for (const s of ['visionMlpNode', 'textMlpNode', 'textNormNode']) assert.ok(r.en.includes(s) && r.zh.includes(s), s);
      assert.strictEqual(r.line! + 1, lineOf(cppText, 'atb_speed::common::MlpGateLayerV2(visionMlpParam'));
    });

    it('refuses when an MLP reads no norm of its own (a slice), naming the MLP and the tensor', () => {
      const input = fixtureInput('multi-mlp');
      const cppText = edit(input.cppText, 'visionMlpNode.inTensorIds = {INTERMEDIATE_VISION_NORM_OUT,', 'visionMlpNode.inTensorIds = {INTERMEDIATE_VISION_PART,');
      const r = refused(quantizeLayer(syntax, { ...input, cppText }, 'w8a8sc'), 'quantize.multi-mlp.no-own-norm');
      assert.ok(r.en.includes('visionMlpNode') && r.en.includes('INTERMEDIATE_VISION_PART'), r.en);
    });

    it('refuses when two MLP nodes would get the same scalar names', () => {
      const input = fixtureInput('multi-mlp');
      const cppText = input.cppText.replace(/\bvisionMlpNode\b/g, 'textMlp');
      const r = refused(quantizeLayer(syntax, { ...input, cppText }, 'w8a8'), 'quantize.multi-mlp.same-stem');
      assert.ok(r.en.includes('textMlpDownProjInputScale'), r.en);
    });

    it('refuses when the two MLPs share one param (one set of scalars for two activations)', () => {
      const input = fixtureInput('multi-mlp');
      const cppText = edit(input.cppText, 'MlpGateLayerV2(visionMlpParam, &visionMlpNode.operation)', 'MlpGateLayerV2(textMlpParam, &visionMlpNode.operation)');
      const outcome = quantizeLayer(syntax, { ...input, cppText }, 'w8a8');
      assert.ok(!outcome.ok && outcome.refusal.code === 'quantize.shared-param' && formatMessage(outcome.refusal.message).includes('visionMlpNode'));
    });
  });

  describe('V2 helper missing only trailing placeholder slots (telechat_pa paged layer: 6 of RowParallelLinearV2\'s 7)', () => {
    for (const mode of MODES) {
      it(`${mode}: passes all 7 slots, keeps the list's layout, and says so in a note naming the line`, () => {
        const input = fixtureInput('trailing-slots');
        const r = ok(quantizeLayer(syntax, input, mode));
        const cpp = r.files[0].contents;
        assert.deepStrictEqual(syntaxErrors(syntax, cpp), []);
        const sparse = mode === 'w8a8sc';
        const lists = inputLists(syntax, cpp);
        assert.deepStrictEqual(lists.get('outLinearNode'), [[
          'INTERNAL_ATTN_OUT', 'IN_OUT_WEIGHT', 'IN_OUT_BIAS', 'IN_OUT_WEIGHT_DEQSCALE', sparse ? 'IN_OUT_WEIGHT_INDEX' : 'IN_HOLDER', 'IN_HOLDER', 'IN_HOLDER',
        ]]);
        assert.ok(cpp.includes('    outLinearNode.inTensorIds = {\n        INTERNAL_ATTN_OUT, IN_OUT_WEIGHT, IN_OUT_BIAS, IN_OUT_WEIGHT_DEQSCALE, '), 'the list keeps its two-line layout');
        const o = fieldAssignments(syntax, cpp, 'outLinearParam');
        assert.strictEqual(o.get('isQuant'), 'true');
        assert.strictEqual(o.get('quantParam.isQuantOp'), 'true');
        assert.strictEqual(o.get('quantParam.inputScale'), 'param.oProjInputScale');
        assert.strictEqual(lists.get('qNode')![0][0], 'INTERNAL_NORM_OUT');
        assert.strictEqual(lists.get('mlpNode')![0].length, 19);
        const added = ['IN_Q_WEIGHT', 'IN_KV_WEIGHT', 'IN_OUT_WEIGHT', 'IN_UP_WEIGHT', 'IN_GATE_WEIGHT', 'IN_DOWN_WEIGHT'].flatMap((w) => [
          w + '_DEQSCALE', ...(w === 'IN_OUT_WEIGHT' ? [] : [w + '_BIAS']), ...(sparse ? [w + '_INDEX'] : []),
        ]);
        assert.deepStrictEqual([...r.report.addedTensors].sort(), [...added, 'IN_BETA'].sort());
        assert.strictEqual(constant(syntax, cpp, 'IN_TENSOR_COUNT'), 12 + added.length + 1);
        assert.deepStrictEqual(r.report.notes.map((n) => n.code), ['quantize.slots.note.padded']);
        const line = lineOf(input.cppText, 'outLinearNode.inTensorIds');
        for (const lang of ['en', 'zh-cn'] as const) {
          const text = formatMessage(r.report.notes[0], lang);
          assert.ok(text.includes(String(line)) && text.includes('outLinearNode') && text.includes('IN_HOLDER') && text.includes('RowParallelLinearV2'), text);
        }
        assert.ok(/\b6\b/.test(formatMessage(r.report.notes[0])) && /\b7\b/.test(formatMessage(r.report.notes[0])));
      });
    }

    it('refuses when a slot other than a trailing placeholder is missing (bias slot)', () => {
      const input = fixtureInput('trailing-slots');
      const cppText = edit(input.cppText, 'INTERNAL_ATTN_OUT, IN_OUT_WEIGHT, IN_OUT_BIAS, IN_HOLDER, IN_HOLDER, IN_HOLDER}', 'INTERNAL_ATTN_OUT, IN_OUT_WEIGHT}');
      const r = refused(quantizeLayer(syntax, { ...input, cppText }, 'w8a8'), 'quantize.slots.missing-slot');
      assert.ok(r.en.includes('outLinearNode') && r.en.includes('slot 2'), r.en);
    });

    it('refuses when a given input does not fit its slot (a tensor where a placeholder belongs)', () => {
      const input = fixtureInput('trailing-slots');
      const cppText = edit(input.cppText, 'IN_OUT_BIAS, IN_HOLDER, IN_HOLDER, IN_HOLDER}', 'IN_OUT_BIAS, IN_HOLDER, IN_HOLDER, IN_MASK}');
      const r = refused(quantizeLayer(syntax, { ...input, cppText }, 'w8a8sc'), 'quantize.slots.misfit');
      assert.ok(r.en.includes('IN_MASK') && r.en.includes('slot 5'), r.en);
    });

    it('refuses when a weight sits in the input slot', () => {
      const input = fixtureInput('trailing-slots');
      const cppText = edit(input.cppText, 'INTERNAL_ATTN_OUT, IN_OUT_WEIGHT, IN_OUT_BIAS, IN_HOLDER, IN_HOLDER, IN_HOLDER}', 'IN_OUT_WEIGHT, INTERNAL_ATTN_OUT, IN_OUT_BIAS, IN_HOLDER, IN_HOLDER, IN_HOLDER}');
      refused(quantizeLayer(syntax, { ...input, cppText }, 'w8a8'), 'quantize.slots.misfit');
    });

    it('still refuses more inputs than the helper has slots', () => {
      const input = fixtureInput('trailing-slots');
      const cppText = edit(input.cppText, 'IN_OUT_BIAS, IN_HOLDER, IN_HOLDER, IN_HOLDER}', 'IN_OUT_BIAS, IN_HOLDER, IN_HOLDER, IN_HOLDER, IN_HOLDER, IN_HOLDER}');
      refused(quantizeLayer(syntax, { ...input, cppText }, 'w8a8'), 'quantize.helper-slots');
    });
  });

  describe('a float layer wired twice while another node is never wired (visualglm 6b ffnNode / ffnActivationNode)', () => {
    it('names both lines, the node never wired, and says the float layer must be fixed first', () => {
      const input = fixtureInput('unrolled-mlp');
      const cppText = edit(input.cppText, 'swishNode.inTensorIds = {INTERMEDIATE_GATE_OUT};', 'gateLinearNode.inTensorIds = {INTERMEDIATE_GATE_OUT};');
      const r = refused(quantizeLayer(syntax, { ...input, cppText }, 'w8a8'), 'quantize.wiring.inputs-twice');
      const first = lineOf(cppText, 'gateLinearNode.inTensorIds');
      const second = lineOf(cppText, 'gateLinearNode.inTensorIds = {INTERMEDIATE_GATE_OUT}');
      assert.ok(first < second);
      for (const text of [r.en, r.zh]) assert.ok(text.includes(`${first}, ${second}`) && text.includes('gateLinearNode') && text.includes('swishNode'), text);
      assert.ok(/fix the float layer first/i.test(r.en), r.en);
      assert.strictEqual(r.line! + 1, second, 'points at the second assignment');
    });

    it('the same for an operation created twice while another node gets none', () => {
      const input = fixtureInput('unrolled-mlp');
      const swish = /CREATE_OPERATION\((\w+), &swishNode\.operation\);/.exec(input.cppText)!;
      const cppText = edit(input.cppText, swish[0], `CREATE_OPERATION(${swish[1]}, &mulNode.operation);`);
      const r = refused(quantizeLayer(syntax, { ...input, cppText }, 'w8a8'), 'quantize.wiring.created-twice');
      assert.ok(r.en.includes('mulNode') && r.en.includes('swishNode'), r.en);
    });

    it('a node wired through push_back is not "never wired": the other node wired twice is only ambiguous', () => {
      const input = fixtureInput('unrolled-mlp');
      let cppText = edit(input.cppText, 'swishNode.inTensorIds = {INTERMEDIATE_GATE_OUT};', 'swishNode.inTensorIds.push_back(INTERMEDIATE_GATE_OUT);');
      cppText = edit(cppText, 'upLinearNode.inTensorIds = {INTERMEDIATE_SELF_NORM_OUT, IN_MLP_UP_WEIGHT};', 'upLinearNode.inTensorIds = {INTERMEDIATE_SELF_NORM_OUT, IN_MLP_UP_WEIGHT};\n    upLinearNode.inTensorIds = {INTERMEDIATE_SELF_NORM_OUT, IN_MLP_UP_WEIGHT};');
      refused(quantizeLayer(syntax, { ...input, cppText }, 'w8a8'), 'quantize.ambiguous-node');
    });

    for (const c of ['paged-attention', 'create-reads-json']) {
      it(`${c}: a node wired in two branches, with every node wired, is not called broken`, () => {
        const input = fixtureInput(c);
        assert.strictEqual(input.cppText.split('attentionNode.inTensorIds =').length, 3, 'the fixture wires attentionNode in two branches');
        ok(quantizeLayer(syntax, input, 'w8a8'));
      });
    }
  });
});
