import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { formatMessage } from '../../src/core/i18n';
import '../../src/core/messages';
import { generateOnnx } from '../../src/core/generate/onnx';
import { readModelFolder } from '../../src/core/modelDir';
import { planStaticShapeText, STATIC_SHAPE_EDITS, type EditPlan } from '../../src/core/rewrite';
import { nodeFileReader } from '../../src/node/fileReader';
import { nodeSyntax } from '../../src/node/syntax';
import type { Syntax } from '../../src/core/syntax';
import { tempDir } from './modelDirHelpers';
import { requireTorch, SYSTEM_PYTHON } from './onnxTorch';

const FIX = path.resolve(__dirname, '../../../test/fixtures/rewrite');
const ONNX_FIX = path.resolve(__dirname, '../../../test/fixtures/onnx');
const V444 = path.join(FIX, 'modeling_tiny_v444.py');
const V5 = path.join(FIX, 'modeling_tiny_v5.py');
let syntax: Syntax;

const read = (p: string) => fs.readFileSync(p, 'utf8');
const refusedCode = (p: EditPlan) => (p.status === 'refused' ? p.reason.code : `available`);

/** Changed line numbers (1-based, in the original) according to `diff`, which must run on the machine. */
function changedOriginalLines(before: string, after: string): number[] {
  const dir = tempDir('diff');
  fs.writeFileSync(path.join(dir, 'a'), before);
  fs.writeFileSync(path.join(dir, 'b'), after);
  const r = spawnSync('diff', [path.join(dir, 'a'), path.join(dir, 'b')], { encoding: 'utf8' });
  const lines: number[] = [];
  for (const m of r.stdout.matchAll(/^(\d+)(?:,(\d+))?([acd])/gm)) {
    const from = Number(m[1]);
    const to = Number(m[2] ?? m[1]);
    for (let l = from; l <= to; l++) lines.push(l);
  }
  return lines;
}

function pyCompile(text: string): void {
  const file = path.join(tempDir('pyc'), 'modeling_x.py');
  fs.writeFileSync(file, text);
  execFileSync('python3', ['-m', 'py_compile', file]);
}

describe('rewrite --static-shape: the seed-003 attention edits as Python refactorings', () => {
  before(async () => {
    syntax = await nodeSyntax();
  });

  it('offers all four edits on a 4.38-4.47-shaped file and changes only the edited functions', () => {
    const text = read(V444);
    const plan = planStaticShapeText(syntax, text);
    for (const e of STATIC_SHAPE_EDITS) assert.strictEqual(plan.plans[e].status, 'available', `${e}: ${refusedCode(plan.plans[e])}`);
    const attention = plan.plans['attention-layout'];
    assert.ok(attention.status === 'available');
    assert.deepStrictEqual(attention.sites.map((s) => s.what), ['TinyAttention.forward', 'TinySdpaAttention.forward']);
    const r = plan.apply();
    assert.deepStrictEqual(r.applied, [...STATIC_SHAPE_EDITS]);
    assert.deepStrictEqual(r.refused, []);
    // Tree-sitter: still Python, no errors; byte-compiles.
    const tree = syntax.parser('python').parse(r.text)!;
    assert.ok(!tree.rootNode.hasError);
    tree.delete();
    pyCompile(r.text);
    // Every changed line lies inside a function or branch the plan named.
    const ranges = STATIC_SHAPE_EDITS.flatMap((e) => (plan.plans[e].status === 'available' ? (plan.plans[e] as { sites: { line: number; endLine: number }[] }).sites : []));
    for (const l of changedOriginalLines(text, r.text)) {
      assert.ok(ranges.some((s) => l - 1 >= s.line && l - 1 <= s.endLine), `line ${l} changed outside the edited functions`);
    }
    // The edits themselves.
    assert.match(r.text, /cos = cos\.transpose\(1, 2\)/);
    assert.match(r.text, /batch, slen, num_key_value_heads, head_dim = hidden_states\.shape/);
    assert.match(r.text, /if n_rep == 1:\n\s+return hidden_states\.transpose\(1, 2\)/, 'MHA also gets [b, h, s, d] (the seed returns it untransposed)');
    assert.strictEqual((r.text.match(/key_states = torch\.cat\(\[past_key_value\[0\], key_states\], dim=1\)/g) ?? []).length, 2);
    assert.strictEqual((r.text.match(/\.view\(bsz, q_len, self\.num_heads, self\.head_dim\)\.transpose/g) ?? []).length, 0);
    assert.strictEqual((r.text.match(/return attn_output, (attn_weights|None), past_kv$/gm) ?? []).length, 2);
    assert.doesNotMatch(r.text, /if self\.config\.pretraining_tp > 1:/);
    assert.match(r.text, /# 中文注释：均方根归一化/);
  });

  it('keeps CRLF line endings and everything else byte for byte', () => {
    const text = read(V444).replace(/\n/g, '\r\n');
    const r = planStaticShapeText(syntax, text).apply(['pretraining-tp']);
    assert.deepStrictEqual(r.applied, ['pretraining-tp']);
    assert.doesNotMatch(r.text.replace(/\r\n/g, ''), /\n/, 'no bare LF introduced');
    const lf = planStaticShapeText(syntax, read(V444)).apply(['pretraining-tp']).text;
    assert.strictEqual(r.text, lf.replace(/\n/g, '\r\n'));
  });

  it('on a 4.48+/5.x-shaped file refuses the layout group with the reason and has no pretraining_tp branch', () => {
    const text = read(V5);
    const plan = planStaticShapeText(syntax, text);
    for (const e of ['rotary', 'repeat-kv', 'attention-layout'] as const) assert.strictEqual(refusedCode(plan.plans[e]), 'rewrite.attention.no-rotary');
    assert.strictEqual(refusedCode(plan.plans['pretraining-tp']), 'rewrite.pretraining-tp.absent');
    const reason = plan.plans.rotary.status === 'refused' ? plan.plans.rotary.reason : undefined;
    assert.match(formatMessage(reason!), /eager_attention_forward \(line \d+\)/);
    assert.match(formatMessage(reason!, 'zh-cn'), /注意力函数注册表/);
    const r = plan.apply();
    assert.deepStrictEqual(r.applied, []);
    assert.deepStrictEqual(r.refused.map((x) => x.edit), [...STATIC_SHAPE_EDITS]);
    assert.strictEqual(r.text, text);
  });

  it('refuses one layout edit without the other two (they are only correct together)', () => {
    const r = planStaticShapeText(syntax, read(V444)).apply(['rotary', 'pretraining-tp']);
    assert.deepStrictEqual(r.applied, ['pretraining-tp']);
    assert.deepStrictEqual(r.refused.map((x) => [x.edit, x.reason.code]), [['rotary', 'rewrite.layout.together']]);
    assert.match(formatMessage(r.refused[0].reason), /repeat-kv,attention-layout/);
    assert.doesNotMatch(r.text, /cos\.transpose/);
  });

  it('does not edit a second time: an edited file is recognised and refused', () => {
    const once = planStaticShapeText(syntax, read(V444)).apply().text;
    const again = planStaticShapeText(syntax, once);
    for (const e of STATIC_SHAPE_EDITS) assert.strictEqual(again.plans[e].status, 'refused', e);
    assert.strictEqual(again.apply().text, once);
  });

  it('refuses the group when another attention path uses the helpers (flash path, 4.36-4.37 kv_seq_len, module-level calls, other uses of q/k/v)', () => {
    const base = read(V444);
    const flash = `${base}\n\nclass TinyFlashAttention(TinyAttention):\n    def forward(self, hidden_states, position_ids=None, past_key_value=None, **kwargs):\n        q = self.q_proj(hidden_states)\n        k = self.k_proj(hidden_states)\n        cos, sin = self.rotary_emb(k, position_ids)\n        q, k = apply_rotary_pos_emb(q, k, cos, sin)\n        return q, k\n`;
    assert.strictEqual(refusedCode(planStaticShapeText(syntax, flash).plans['attention-layout']), 'rewrite.attention.no-repeat-kv');
    const old = base.replace('        cos, sin = self.rotary_emb(value_states, position_ids)\n        query_states, key_states = apply_rotary_pos_emb(query_states, key_states, cos, sin)\n\n        if past_key_value is not None:\n            cache_kwargs', '        kv_seq_len = key_states.shape[-2]\n        cos, sin = self.rotary_emb(value_states, position_ids)\n        query_states, key_states = apply_rotary_pos_emb(query_states, key_states, cos, sin)\n\n        if past_key_value is not None:\n            cache_kwargs');
    assert.notStrictEqual(old, base);
    assert.strictEqual(refusedCode(planStaticShapeText(syntax, old).plans.rotary), 'rewrite.attention.kv-seq-len');
    const moduleCall = `${base}\nEXAMPLE = repeat_kv(torch.zeros(1, 2, 3, 4), 2)\n`;
    assert.strictEqual(refusedCode(planStaticShapeText(syntax, moduleCall).plans['repeat-kv']), 'rewrite.layout.module-level-call');
    const otherUse = base.replace('        cos, sin = self.rotary_emb(value_states, position_ids)\n', '        window = key_states[:, :, -4:]\n        cos, sin = self.rotary_emb(value_states, position_ids)\n');
    assert.notStrictEqual(otherUse, base);
    assert.strictEqual(refusedCode(planStaticShapeText(syntax, otherUse).plans['attention-layout']), 'rewrite.attention.other-use');
    const broken = planStaticShapeText(syntax, 'def f(:\n    pass\n');
    for (const e of STATIC_SHAPE_EDITS) assert.strictEqual(refusedCode(broken.plans[e]), 'rewrite.syntax-error');
    const elif = base.replace('        else:\n            down_proj = self.down_proj', '        elif True:\n            down_proj = self.down_proj');
    assert.strictEqual(refusedCode(planStaticShapeText(syntax, elif).plans['pretraining-tp']), 'rewrite.pretraining-tp.shape');
  });

  describe('with torch (Debian python3-torch)', () => {
    const CONFIGS = [{}, { num_key_value_heads: 4 }, { pretraining_tp: 2 }, { attn_implementation: 'sdpa' }, { num_key_value_heads: 1, attn_implementation: 'sdpa' }];
    type Result = { overrides: object; max_abs_diff: number; max_abs_logit: number };
    function compare(refactored: string): Result[];
    function compare(refactored: string, allowCrash: true): Result[] | string;
    function compare(refactored: string, allowCrash = false): Result[] | string {
      const file = path.join(tempDir('refactored'), 'modeling_tiny_static.py');
      fs.writeFileSync(file, refactored);
      const r = spawnSync(SYSTEM_PYTHON, [path.join(FIX, 'equal_logits.py'), V444, file, JSON.stringify(CONFIGS)], { encoding: 'utf8', timeout: 120000 });
      const line = r.stdout.split('\n').find((l) => l.startsWith('EQUAL-LOGITS '));
      if (!line && allowCrash) return r.stderr;
      assert.ok(line, r.stderr.slice(-3000));
      return JSON.parse(line!.slice('EQUAL-LOGITS '.length)).results;
    }

    it('the refactored file computes the same logits as the original (GQA, MHA, MQA, pretraining_tp = 2, SDPA)', function () {
      requireTorch(this);
      this.timeout(120000);
      const results = compare(planStaticShapeText(syntax, read(V444)).apply().text);
      assert.strictEqual(results.length, CONFIGS.length);
      for (const r of results) {
        assert.ok(r.max_abs_logit > 0.1, 'the logits are not trivially zero');
        assert.ok(r.max_abs_diff < 1e-5, `${JSON.stringify(r.overrides)}: differs by ${r.max_abs_diff}`);
      }
    });

    it('the comparison catches the seed\'s own repeat_kv (untransposed when n_rep == 1)', function () {
      requireTorch(this);
      this.timeout(120000);
      const seedLiteral = planStaticShapeText(syntax, read(V444)).apply().text.replace('return hidden_states.transpose(1, 2)\n', 'return hidden_states\n');
      const results = compare(seedLiteral, true);
      if (typeof results === 'string') {
        assert.match(results, /RuntimeError: The size of tensor/, 'the MHA model fails on the [b, s, h, d] keys');
        return;
      }
      const mha = results.find((r) => JSON.stringify(r.overrides) === '{"num_key_value_heads":4}');
      assert.ok(mha && !(mha.max_abs_diff < 1e-3), `MHA difference ${mha?.max_abs_diff}`);
    });

    it('the generated export_onnx.py exports the refactored file too (its (k, v) tuple protocol)', async function () {
      requireTorch(this);
      this.timeout(120000);
      const spec = (await readModelFolder(nodeFileReader, path.join(ONNX_FIX, 'tiny-llama'))).spec!;
      const dir = tempDir('onnx-refactored');
      const { files } = generateOnnx(spec, { outDir: dir, seqLength: 8 });
      fs.writeFileSync(path.join(dir, 'export_onnx.py'), files[0].contents);
      const modeling = path.join(dir, 'modeling_tiny_static.py');
      fs.writeFileSync(modeling, planStaticShapeText(syntax, read(V444)).apply().text);
      const r = spawnSync(SYSTEM_PYTHON, [path.join(ONNX_FIX, 'harness.py'), path.join(dir, 'export_onnx.py'), modeling, path.join(ONNX_FIX, 'tiny-llama'), path.join(dir, 'onnx'), '8'], { encoding: 'utf8', timeout: 120000 });
      const line = r.stdout.split('\n').find((l) => l.startsWith('HARNESS-RESULT '));
      assert.ok(line, r.stderr.slice(-3000));
      const result = JSON.parse(line!.slice('HARNESS-RESULT '.length));
      assert.strictEqual(result.exit, 0);
      assert.deepStrictEqual(result.files['block_cache_1.onnx'].outputs[1], ['past_k', [1, 1, 2, 8], 1]);
      for (const key of ['prefill', 'decode']) assert.ok(result.errors[key] < 1e-4, `${key}: ${result.errors[key]}`);
      assert.strictEqual(result.lm_head_token, result.argmax);
    });
  });
});
