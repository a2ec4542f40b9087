/**
 * Host-side work, MoE units, remote-code helpers, soft-capping and off-path code, on hand-written
 * fixtures in the shapes met in the real transformers 4.57 and remote-code modeling files
 * (test/fixtures/models-src/constructs). Also: what must still be caught when it is inserted.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { analyzeConfig, analyzeSource, partOf, partsOf, summarizeReadiness, type AnalysisResult, type OpUse } from '../../src/core/analysis';
import { loadCatalog, type Catalog } from '../../src/core/catalog';
import { formatMessage } from '../../src/core/i18n';
import type { Syntax } from '../../src/core/syntax';
import { readBuiltinCatalog } from '../../src/node/catalogFile';
import { nodeSyntax } from '../../src/node/syntax';

const DIR = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'models-src', 'constructs');

let syntax: Syntax;
let catalog: Catalog;

before(async () => {
  syntax = await nodeSyntax();
  catalog = loadCatalog(readBuiltinCatalog().text).catalog;
});

function source(name: string): string {
  return fs.readFileSync(path.join(DIR, `modeling_${name}.py`), 'utf8');
}

/** One-based line of the first line containing `needle` (after `after`, when given). */
function lineOf(text: string, needle: string, after = 0): number {
  const lines = text.split('\n');
  for (let i = after; i < lines.length; i++) if (lines[i].includes(needle)) return i + 1;
  throw new Error(`fixture lost ${needle}`);
}

function usesOn(result: AnalysisResult, line: number): OpUse[] {
  return result.uses.filter((u) => u.range.start.line + 1 === line);
}

function one(result: AnalysisResult, name: string, line: number): OpUse {
  const found = usesOn(result, line).filter((u) => u.name === name);
  assert.strictEqual(found.length, 1, `${name}@${line}: ${usesOn(result, line).map((u) => `${u.name}/${u.verdict}`).join(', ')}`);
  return found[0];
}

const warnings = (r: AnalysisResult) => r.diagnostics.filter((d) => d.code === 'atb.unsupported-op');

/** Inserts `lines` (8-space indented) before the first line containing `before`. */
function insertBefore(text: string, before: string, lines: string[]): { text: string; at: number } {
  const at = lineOf(text, before);
  const all = text.split('\n');
  all.splice(at - 1, 0, ...lines.map((l) => `        ${l}`));
  return { text: all.join('\n'), at };
}

describe('analysis: host-side work (positions, causal mask, rotary tables, guards) and off-path code', () => {
  let text: string;
  let result: AnalysisResult;
  before(() => {
    text = source('hostwork');
    result = analyzeSource(syntax, text, 'hostwork.py', catalog);
  });

  it('gives position ids, the mask builder, the rotary tables and the autocast guard the host verdict', () => {
    const arange = one(result, 'torch.arange', lineOf(text, 'position_ids = torch.arange('));
    assert.strictEqual(arange.verdict, 'host');
    assert.strictEqual(arange.catalogId, 'host.positions');
    assert.match(formatMessage(arange.reason, 'en'), /input builder/);
    assert.match(formatMessage(arange.reason, 'zh-cn'), /主机侧/);
    const maskLines = [lineOf(text, 'causal = torch.tril('), lineOf(text, 'mask = torch.full('), lineOf(text, 'return mask[None, None]')];
    for (const line of maskLines) {
      const uses = usesOn(result, line);
      assert.ok(uses.length > 0 && uses.every((u) => u.verdict === 'host' || u.verdict === 'view'), `${line}: ${uses.map((u) => `${u.name}/${u.verdict}`)}`);
    }
    assert.strictEqual(one(result, 'torch.tril', maskLines[0]).catalogId, 'helper.causal-mask');
    assert.strictEqual(one(result, 'torch.outer', lineOf(text, 'freqs = torch.outer(')).verdict, 'host');
    assert.strictEqual(one(result, 'torch.get_autocast_dtype', lineOf(text, 'torch.get_autocast_dtype(')).verdict, 'host');
  });

  it('reports no warning at all, and counts host work apart', () => {
    assert.deepStrictEqual(warnings(result), []);
    assert.deepStrictEqual(result.uses.filter((u) => u.verdict === 'unsupported'), []);
    const host = result.uses.filter((u) => u.verdict === 'host').length;
    assert.ok(host >= 8, String(host));
    assert.strictEqual(result.root!.counts.host, host);
    assert.strictEqual(summarizeReadiness(result).counts.host, host);
  });

  it('leaves out gradient checkpointing, the loss and the classification head, and notes the optional xformers import', () => {
    for (const needle of ['torch.utils.checkpoint.checkpoint(', 'torch.nan_to_num(', 'F.cross_entropy(']) assert.deepStrictEqual(usesOn(result, lineOf(text, needle)), [], needle);
    const head = lineOf(text, 'class HostForSequenceClassification');
    assert.deepStrictEqual(result.uses.filter((u) => u.range.start.line + 1 > head).map((u) => u.name), []);
    assert.ok(result.notes.some((n) => n.code === 'analysis.note.offPath' && n.args?.classes === 'HostForSequenceClassification'));
    assert.ok(result.notes.some((n) => n.code === 'analysis.note.optionalImports' && n.args?.imports === 'xformers.ops (10)'));
    assert.deepStrictEqual(result.uses.filter((u) => /xformers/.test(u.name)), []);
  });

  it('maps every decoder part onto ATB building blocks', () => {
    const parts = partsOf(result.uses);
    assert.deepStrictEqual(parts.map((p) => `${p.part}:${p.status}`), ['attention:atb', 'mlp:atb', 'norm:atb', 'position:atb', 'embedding:atb', 'head:atb']);
    assert.ok(parts.find((p) => p.part === 'attention')!.atbOps.includes('SelfAttention'));
    assert.deepStrictEqual(parts.find((p) => p.part === 'norm')!.atbOps, ['RmsNorm']);
  });

  it('still catches an FFT, a custom CUDA kernel import and a Python loop over tokens inserted into the MLP', () => {
    const { text: edited, at } = insertBefore(text, 'return self.down(F.silu(self.up(x)))', [
      'x = torch.fft.irfft(torch.fft.rfft(x))',
      'from fused_mlp_cuda import fused_silu',
      'for t in range(x.shape[1]):',
      '    x[:, t] = x[:, t] * 2',
    ]);
    const r = analyzeSource(syntax, edited, 'hostwork.py', catalog);
    const flagged = warnings(r).map((d) => `${d.range.start.line + 1}:${(d.data as { name: string }).name}`);
    assert.deepStrictEqual(flagged, [`${at}:torch.fft.irfft`, `${at}:torch.fft.rfft`, `${at + 1}:fused_mlp_cuda`, `${at + 2}:token-loop`]);
    const loop = r.uses.find((u) => u.name === 'token-loop')!;
    assert.strictEqual(loop.verdict, 'unsupported');
    assert.match(formatMessage(loop.reason, 'en'), /loop over tokens/);
    assert.deepStrictEqual(
      { start: loop.range.start, end: loop.range.end },
      { start: { line: at + 1, character: 17 }, end: { line: at + 1, character: 34 } },
    );
    assert.deepStrictEqual(partsOf(r.uses).find((p) => p.part === 'mlp')!.status, 'partial');
  });

  it('treats only mask builders as host scopes: applying a mask is attention work', () => {
    const snippet = [
      'import torch',
      'from torch import nn',
      'class Scorer(nn.Module):',
      '    def apply_mask(self, scores, mask):',
      '        return torch.erf(scores).masked_fill(mask, -1e4)',
      '    def make_pad_mask(self, lengths):',
      '        for b in range(lengths.shape[0]):',
      '            lengths[b] = lengths[b] + 1',
      '        return torch.erf(lengths.float())',
      '    def forward(self, scores, mask, lengths):',
      '        return self.apply_mask(scores, mask) + self.make_pad_mask(lengths)',
    ].join('\n');
    const r = analyzeSource(syntax, snippet, 'scorer.py', catalog);
    assert.deepStrictEqual(r.uses.filter((u) => u.name === 'torch.erf').map((u) => `${u.owner}:${u.verdict}`), ['Scorer.apply_mask:unsupported', 'Scorer.make_pad_mask:host']);
    // A loop in a host-side mask builder is host work too (MindIE's mask generators are Python).
    assert.deepStrictEqual(r.uses.filter((u) => u.name === 'token-loop').map((u) => u.verdict), ['host']);
  });

  it('tells token loops from loops with a fixed count', () => {
    const body = (loop: string) => ['import torch', 'from torch import nn', 'class M(nn.Module):', '    def forward(self, hidden_states, past_key_values):', '        seq_len = hidden_states.shape[1]', `        ${loop}`, '            hidden_states = hidden_states * 2', '        return hidden_states'].join('\n');
    const loops = (loop: string) => analyzeSource(syntax, body(loop), 'm.py', catalog).uses.filter((u) => u.name === 'token-loop').length;
    assert.deepStrictEqual(
      ['for t in range(seq_len):', 'for t in range(hidden_states.size(1)):', 'for tok in hidden_states.unbind(1):', 'for row in hidden_states:', 'for i in range(4):', 'for layer_past in past_key_values:', 'for i in range(self.config.num_hidden_layers):'].map(loops),
      [1, 1, 1, 1, 0, 0, 0],
    );
  });

  it('does not let a host scope swallow an FFT inserted into the mask builder', () => {
    const { text: edited, at } = insertBefore(text, 'return mask[None, None]', ['mask = torch.fft.fft(mask).real']);
    const r = analyzeSource(syntax, edited.replace(/^ {8}mask = torch\.fft/m, '    mask = torch.fft'), 'hostwork.py', catalog);
    assert.deepStrictEqual(warnings(r).map((d) => `${d.range.start.line + 1}:${(d.data as { name: string }).name}`), [`${at}:torch.fft.fft`]);
  });
});

describe('analysis: MoE routing + experts as one unit', () => {
  let text: string;
  let result: AnalysisResult;
  before(() => {
    text = source('moe');
    result = analyzeSource(syntax, text, 'moe.py', catalog);
  });

  it('marks each MoE block with one unit use mapped to ATB\'s MoE operations', () => {
    const units = result.uses.filter((u) => u.name === 'moe-block');
    assert.deepStrictEqual(units.map((u) => `${u.owner}@${u.range.start.line + 1}`), [`TopKSparseMoeBlock@${lineOf(text, 'class TopKSparseMoeBlock')}`, `GroupedMoE@${lineOf(text, 'class GroupedMoE')}`]);
    assert.ok(units.every((u) => u.verdict === 'fused' && u.atbOp === 'GroupedMatmulWithRouting'));
    assert.match(formatMessage(units[0].reason, 'en'), /Gating/);
  });

  it('fuses routing (softmax, topk, normalisation, one_hot), the data-dependent expert loop and index_add into the unit', () => {
    const expect = (name: string, needle: string, atbOp: string) => {
      const use = one(result, name, lineOf(text, needle));
      assert.strictEqual(`${use.verdict} ${use.atbOp}`, `fused ${atbOp}`, `${name} @ ${needle}`);
      assert.strictEqual(use.catalogId, 'idiom.moe-block');
    };
    expect('F.softmax', 'weights = F.softmax(', 'Softmax');
    expect('torch.topk', 'weights, chosen = torch.topk(', 'Sort');
    expect('F.one_hot', 'expert_mask = F.one_hot(', 'Onehot');
    expect('data-dependent-control-flow', 'for expert_idx in hit:', 'GroupedMatmulWithRouting');
    expect('Tensor.index_add_', 'out.index_add_(0, token, routed', 'IndexAdd');
    // The loop over every expert with a data-dependent `if token.numel() > 0:` is the grouped matmul too.
    expect('data-dependent-control-flow', 'if token.numel() > 0:', 'GroupedMatmulWithRouting');
  });

  it('keeps the group router class as GroupTopk, skips the training-only jitter, and reports nothing unsupported', () => {
    const router = result.uses.filter((u) => u.owner.startsWith('GroupTopkRouter.'));
    assert.ok(router.length > 5 && router.every((u) => u.verdict === 'fused' && u.atbOp === 'GroupTopk'), router.map((u) => `${u.name}/${u.verdict}/${u.atbOp}`).join(', '));
    assert.deepStrictEqual(usesOn(result, lineOf(text, 'torch.empty_like(hidden_states).uniform_')), []);
    assert.deepStrictEqual(warnings(result), []);
    const mlp = partsOf(result.uses).find((p) => p.part === 'mlp')!;
    assert.deepStrictEqual([mlp.variant, mlp.status], ['moe', 'atb']);
  });

  it('files attention of a MoE family under attention, not under MoE', () => {
    const use = (owner: string, atbOp?: string): OpUse => ({ id: owner, name: 'x', kind: 'function', verdict: 'fused', ...(atbOp ? { atbOp } : {}), reason: { code: 'x' }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, owner });
    assert.strictEqual(partOf(use('Qwen2MoeAttention.forward', 'SelfAttention')), 'attention');
    assert.strictEqual(partOf(use('Qwen2MoeSparseMoeBlock.forward', 'Softmax')), 'mlp');
    assert.strictEqual(partOf(use('Qwen2MoeRMSNorm.forward', 'RmsNorm')), 'norm');
    assert.strictEqual(partOf(use('Qwen2MoeDecoderLayer.forward', 'Elewise')), undefined);
  });

  it('maps the parts of a config-only analysis (no source) by module path', () => {
    const config = { architectures: ['MixtralForCausalLM'], model_type: 'mixtral', hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 128, vocab_size: 100, hidden_act: 'silu', rms_norm_eps: 1e-5, rope_theta: 1e6, num_local_experts: 4, num_experts_per_tok: 2 };
    const r = analyzeConfig(config, catalog, 'config.json');
    assert.deepStrictEqual(partsOf(r.uses).map((p) => `${p.part}:${p.status}`), ['attention:atb', 'mlp:atb', 'norm:atb', 'position:atb', 'embedding:atb', 'head:atb']);
  });

  it('still catches a Python loop over tokens and an FFT inserted into the MoE block, naming the part with no counterpart', () => {
    const { text: edited, at } = insertBefore(text, 'shared = F.sigmoid(self.shared_expert_gate(flat))', ['for t in range(flat.shape[0]):', '    out[t] = torch.fft.fft(out[t]).real']);
    const r = analyzeSource(syntax, edited, 'moe.py', catalog);
    assert.deepStrictEqual(warnings(r).map((d) => `${d.range.start.line + 1}:${(d.data as { name: string }).name}`), [`${at}:token-loop`, `${at + 1}:torch.fft.fft`]);
    assert.deepStrictEqual(partsOf(r.uses).find((p) => p.part === 'mlp')!.unsupported, [`token-loop@${at}`, `torch.fft.fft@${at + 1}`]);
  });
});

describe('analysis: remote-code helpers, alibi, soft-capping, get_activation', () => {
  let text: string;
  let result: AnalysisResult;
  before(() => {
    text = source('remote');
    result = analyzeSource(syntax, text, 'remote.py', catalog, { config: { activation: 'gelu' } });
  });

  it('maps the TorchScript rotary helper onto Rope: the decorator is dropped, not a blocker', () => {
    const jit = one(result, 'torch.jit.script', lineOf(text, '@torch.jit.script'));
    assert.strictEqual(`${jit.verdict} ${jit.atbOp}`, 'fused Rope');
    assert.strictEqual(jit.reason.code, 'analysis.reason.compiledHelper');
    assert.match(formatMessage(jit.reason, 'en'), /`torch\.jit\.script` on `apply_rotary_pos_emb`/);
  });

  it('computes alibi slopes on the host and fuses the alibi baddbmm into attention', () => {
    for (const [name, needle] of [['torch.pow', 'slopes = torch.pow('], ['torch.arange', 'slopes = torch.pow(']] as const) {
      const use = one(result, name, lineOf(text, needle));
      assert.strictEqual(`${use.verdict} ${use.catalogId}`, 'host host.alibi', name);
    }
    assert.strictEqual(one(result, 'torch.baddbmm', lineOf(text, 'torch.baddbmm(')).verdict, 'fused');
  });

  it('reads sizes back on the host, decides and builds the mask on the host, normalises the head once at load', () => {
    assert.strictEqual(one(result, 'Tensor.item', lineOf(text, '.max().item()')).verdict, 'host');
    const decision = one(result, 'mask-decision', lineOf(text, 'not attention_mask.all()'));
    assert.strictEqual(decision.verdict, 'host');
    assert.ok(usesOn(result, lineOf(text, '(full < 0.5)')).every((u) => u.verdict === 'host'));
    const normalize = one(result, 'F.normalize', lineOf(text, 'F.normalize(self.weight)'));
    assert.strictEqual(`${normalize.verdict} ${normalize.catalogId}`, 'host host.weight-transform');
  });

  it('reports soft-capping of attention scores as the one unsupported use, with the reason; logit soft-capping is Elewise TANH', () => {
    const line = lineOf(text, 'scores = torch.tanh(');
    const [w, ...rest] = warnings(result);
    assert.deepStrictEqual(rest, []);
    assert.strictEqual(w.range.start.line + 1, line);
    assert.strictEqual(text.split('\n')[line - 1].slice(w.range.start.character, w.range.end.character), 'torch.tanh(scores / self.softcap)');
    assert.match(formatMessage(w.message, 'en'), /soft-capping.*no soft-cap parameter/);
    assert.match(formatMessage(w.message, 'zh-cn'), /软截断/);
    const final = one(result, 'torch.tanh', lineOf(text, 'logits = torch.tanh(logits)'));
    assert.strictEqual(`${final.verdict} ${final.atbOp}`, 'native Elewise');
  });

  it('resolves get_activation(config.activation) like ACT2FN', () => {
    const act = result.uses.find((u) => u.owner === 'RemoteMLP.__init__' && u.kind === 'module' && /gelu/.test(u.name))!;
    assert.strictEqual(`${act.name} ${act.verdict} ${act.atbOp}`, 'ACT2FN[gelu] native Activation');
    const bare = analyzeSource(syntax, text, 'remote.py', catalog);
    const assumed = bare.uses.find((u) => u.owner === 'RemoteMLP.__init__' && u.name.startsWith('get_activation'))!;
    assert.strictEqual(assumed.reason.code, 'analysis.reason.activationFromConfig');
  });
});
