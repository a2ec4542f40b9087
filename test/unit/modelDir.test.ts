import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { formatMessage, type Locale } from '../../src/core/i18n';
import '../../src/core/messages';
import { readModelFolder, type ReadResult } from '../../src/core/modelDir';
import { detectLayout } from '../../src/core/modelDir/layout';
import { nodeFileReader } from '../../src/node/fileReader';
import { FIXTURES, REAL_MODELS, llamaTensors, tempDir, writeRawSafetensors, writeSafetensors } from './modelDirHelpers';

const read = (dir: string) => readModelFolder(nodeFileReader, dir);
const finding = (r: ReadResult, key: string) => r.findings.find((f) => f.key === key);
const codes = (r: ReadResult, severity?: string) => r.problems.filter((p) => !severity || p.severity === severity).map((p) => p.code);

describe('modelDir: reading transformers model folders', () => {
  it('reads a llama-3 folder: GQA, dims, provenance, standard layout', async () => {
    const r = await read(path.join(FIXTURES, 'llama3'));
    assert.ok(r.spec, JSON.stringify(r.problems));
    const s = r.spec!;
    assert.deepStrictEqual(
      [s.modelType, s.numLayers, s.hiddenSize, s.numHeads, s.numKvHeads, s.attention, s.headDim, s.vocabSize, s.norm, s.activation],
      ['llama', 2, 4096, 32, 8, 'GQA', 128, 128256, 'RMSNorm', 'silu'],
    );
    assert.strictEqual(s.rope.theta, 500000);
    assert.strictEqual(s.qkvBias, false);
    assert.strictEqual(s.qkNorm, false);
    assert.strictEqual(s.tiedEmbeddings, false);
    assert.strictEqual(s.weights.source, 'index');
    assert.strictEqual(s.weights.layout.family, 'standard');
    assert.strictEqual(s.weights.layout.lmHead, 'lm_head');
    assert.strictEqual(finding(r, 'numKvHeads')?.source, 'config.json: num_key_value_heads');
    assert.strictEqual(finding(r, 'headDim')?.source, 'config.json: hidden_size / num_attention_heads');
    assert.deepStrictEqual(codes(r, 'error'), []);
    // generation_config.json is merged under config.json (config wins).
    assert.strictEqual(s.config.temperature, 0.6);
    assert.strictEqual(s.config.eos_token_id, 128009);
  });

  it('reads qwen2: q/k/v bias comes from the weights (config.json has no attention_bias)', async () => {
    const r = await read(path.join(FIXTURES, 'qwen2'));
    const s = r.spec!;
    assert.strictEqual(s.qkvBias, true);
    assert.match(finding(r, 'qkvBias')!.source, /self_attn\.q_proj\.bias present/);
    assert.strictEqual(s.numKvHeads, 4);
    assert.strictEqual(s.vocabSize, 152064);
  });

  it('reads qwen3: per-head q/k norm from q_norm/k_norm tensors, explicit head_dim, rope scaling reported', async () => {
    const r = await read(path.join(FIXTURES, 'qwen3'));
    const s = r.spec!;
    assert.strictEqual(s.qkNorm, true);
    assert.strictEqual(s.headDim, 128);
    assert.strictEqual(s.explicitHeadDim, true);
    assert.deepStrictEqual(s.rope.scaling, { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 32768 });
    assert.ok(codes(r).includes('modelDir.qk-norm-weights'));
    assert.ok(codes(r).includes('modelDir.rope-scaling'));
    assert.strictEqual(finding(r, 'ropeScaling')?.value, 'yarn x4');
  });

  it('GQA with tied embeddings read from safetensors headers: lm_head missing is a warning and reuses the embedding', async () => {
    const dir = tempDir('gqa-tied');
    fs.copyFileSync(path.join(FIXTURES, 'gqa-tied', 'config.json'), path.join(dir, 'config.json'));
    const tensors = llamaTensors(2, false);
    const names = Object.keys(tensors);
    writeSafetensors(path.join(dir, 'model-00001-of-00002.safetensors'), Object.fromEntries(names.slice(0, 10).map((n) => [n, tensors[n]])));
    writeSafetensors(path.join(dir, 'model-00002-of-00002.safetensors'), Object.fromEntries(names.slice(10).map((n) => [n, tensors[n]])));
    const r = await read(dir);
    const s = r.spec!;
    assert.strictEqual(s.weights.source, 'headers');
    assert.strictEqual(s.weights.count, names.length);
    assert.strictEqual(s.tiedEmbeddings, true);
    assert.strictEqual(s.lmHeadFromEmbedding, true);
    assert.strictEqual(s.headDim, 64);
    assert.strictEqual(s.attention, 'GQA');
    const tied = r.problems.find((p) => p.code === 'modelDir.tied-no-lm-head')!;
    assert.strictEqual(tied.severity, 'warning');
    assert.match(formatMessage(tied.message), /reuses model\.embed_tokens/);
  });

  it('MoE: warns that experts are not generated', async () => {
    const r = await read(path.join(FIXTURES, 'moe'));
    const s = r.spec!;
    assert.deepStrictEqual({ experts: s.moe?.experts, topK: s.moe?.topK, module: s.moe?.module }, { experts: 4, topK: 2, module: 'block_sparse_moe' });
    const moe = r.problems.find((p) => p.code === 'modelDir.moe')!;
    assert.strictEqual(moe.severity, 'warning');
    assert.match(formatMessage(moe.message), /4 experts, 2 per token/);
    assert.match(formatMessage(moe.message, 'zh-cn'), /MoE/);
  });

  it('internlm2: wqkv / w1,w3 / w2 / tok_embeddings / output are mapped, with the grouped packing flagged', async () => {
    const r = await read(path.join(FIXTURES, 'internlm2'));
    const l = r.spec!.weights.layout;
    assert.strictEqual(l.family, 'mapped');
    assert.deepStrictEqual([l.attn, l.qkv, l.o, l.qkvPacking, l.mlp, l.gateUp, l.down, l.inputNorm, l.postNorm, l.embed, l.finalNorm, l.lmHead], [
      'attention', ['wqkv'], 'wo', 'grouped', 'feed_forward', ['w1', 'w3'], 'w2', 'attention_norm', 'ffn_norm', 'model.tok_embeddings', 'model.norm', 'output',
    ]);
    const packed = r.problems.find((p) => p.code === 'modelDir.packed-qkv')!;
    assert.match(formatMessage(packed.message), /internlm2 packs q\/k\/v as `wqkv`: mapped/);
  });

  it('finds the text layer stack next to a vision tower, and names under a `h.N` container', () => {
    const names = [
      'vision_tower.encoder.layers.0.self_attn.q_proj.weight',
      'vision_tower.encoder.layers.1.self_attn.q_proj.weight',
      'vision_tower.encoder.layers.2.self_attn.q_proj.weight',
      'language_model.model.embed_tokens.weight',
      'language_model.lm_head.weight',
      'language_model.model.norm.weight',
      ...[0, 1].flatMap((i) => ['input_layernorm', 'post_attention_layernorm', 'self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.o_proj', 'mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj'].map((n) => `language_model.model.layers.${i}.${n}.weight`)),
    ];
    const l = detectLayout(names, 'llava', 2);
    assert.deepStrictEqual([l.root, l.layersKey, l.layerCount, l.embed, l.lmHead, l.family], ['language_model.model', 'layers', 2, 'language_model.model.embed_tokens', 'language_model.lm_head', 'mapped']);
    const qwen1 = detectLayout(['transformer.wte.weight', 'transformer.ln_f.weight', 'lm_head.weight', 'transformer.h.0.ln_1.weight', 'transformer.h.0.ln_2.weight', 'transformer.h.0.attn.c_attn.weight', 'transformer.h.0.attn.c_attn.bias', 'transformer.h.0.attn.c_proj.weight', 'transformer.h.0.mlp.w1.weight', 'transformer.h.0.mlp.w2.weight', 'transformer.h.0.mlp.c_proj.weight'], 'qwen', 1);
    assert.deepStrictEqual([qwen1.root, qwen1.layersKey, qwen1.qkv, qwen1.qkvPacking, qwen1.qkvBias, qwen1.gateUp, qwen1.down], ['transformer', 'h', ['c_attn'], 'contiguous', true, ['w2', 'w1'], 'c_proj']);
  });

  it('a broken config.json is an error with the parser detail, and gives no spec', async () => {
    const r = await read(path.join(FIXTURES, 'broken-config'));
    assert.strictEqual(r.spec, undefined);
    const p = r.problems.find((x) => x.code === 'modelDir.bad-json')!;
    assert.strictEqual(p.severity, 'error');
    assert.match(formatMessage(p.message), /config\.json is not valid JSON/);
  });

  it('a folder without config.json is refused with a hint', async () => {
    const r = await read(path.join(FIXTURES, 'no-config'));
    assert.strictEqual(r.spec, undefined);
    assert.deepStrictEqual(codes(r), ['modelDir.no-config']);
    assert.ok(r.problems[0].hint);
    const missing = await read(path.join(FIXTURES, 'does-not-exist'));
    assert.deepStrictEqual(codes(missing), ['modelDir.not-found']);
  });

  it('without weights, the warning names the tensor names the family assumes (packed phi3, plain llama)', async () => {
    const config = { model_type: 'phi3', architectures: ['Phi3ForCausalLM'], hidden_size: 64, num_attention_heads: 4, num_hidden_layers: 2, intermediate_size: 128, vocab_size: 100 };
    const phi3 = tempDir('phi3-no-weights');
    fs.writeFileSync(path.join(phi3, 'config.json'), JSON.stringify(config));
    const llama = tempDir('llama-no-weights');
    fs.writeFileSync(path.join(llama, 'config.json'), JSON.stringify({ ...config, model_type: 'llama', architectures: ['LlamaForCausalLM'] }));
    const text = async (dir: string, locale?: string) => {
      const p = (await read(dir)).problems.find((x) => x.code === 'modelDir.no-weights');
      assert.ok(p, `no-weights warning for ${dir}`);
      return formatMessage(p.message, locale as Locale | undefined);
    };
    assert.match(await text(phi3), /model\.layers\.N\.self_attn\.qkv_proj/);
    assert.match(await text(phi3, 'zh-cn'), /model\.layers\.N\.self_attn\.qkv_proj/);
    assert.match(await text(llama), /model\.layers\.N\.self_attn\.q_proj\b/);
  });

  describe('safetensors headers', () => {
    const withShard = (write: (file: string) => void) => {
      const dir = tempDir('st');
      fs.copyFileSync(path.join(FIXTURES, 'llama3', 'config.json'), path.join(dir, 'config.json'));
      write(path.join(dir, 'model.safetensors'));
      return read(dir);
    };
    it('rejects a header length larger than the file (oversized) without reading it', async () => {
      const r = await withShard((f) => writeRawSafetensors(f, '{}', 4, 1n << 40n));
      assert.strictEqual(r.spec, undefined);
      assert.deepStrictEqual(codes(r, 'error'), ['modelDir.st-oversized']);
      assert.match(formatMessage(r.problems.find((p) => p.severity === 'error')!.message), /declares a 1099511627776-byte header/);
    });
    it('rejects a corrupt JSON header', async () => {
      const r = await withShard((f) => writeRawSafetensors(f, '{"model.embed_tokens.weight": {"dtype": "BF16", "shape": [4, 2], "data_off'));
      assert.deepStrictEqual(codes(r, 'error'), ['modelDir.st-corrupt']);
    });
    it('rejects entries without dtype/shape/data_offsets and files shorter than 8 bytes', async () => {
      const r = await withShard((f) => writeRawSafetensors(f, '{"x": {"dtype": "BF16"}}'));
      assert.deepStrictEqual(codes(r, 'error'), ['modelDir.st-corrupt']);
      const tiny = await withShard((f) => fs.writeFileSync(f, Buffer.from([1, 2, 3])));
      assert.deepStrictEqual(codes(tiny, 'error'), ['modelDir.st-too-small']);
    });
  });

  describe('quantization description', () => {
    it('shows each layer group\'s quant type and accepts a consistent description', async () => {
      const r = await read(path.join(FIXTURES, 'quantized'));
      const s = r.spec!;
      assert.strictEqual(s.quant?.modelQuantType, 'W8A8');
      assert.deepStrictEqual(codes(r, 'error'), []);
      assert.deepStrictEqual(s.quant?.layers, [
        { layers: '0', summary: 'W8A8' },
        { layers: '1', summary: 'q_proj W8A8, k_proj W8A8, v_proj W8A8, o_proj W8A8, gate_proj W8A8, up_proj W8A8, down_proj FLOAT' },
      ]);
      assert.strictEqual(finding(r, 'quant.layers.0')?.source, 'quant_model_description_w8a8.json');
    });

    const variant = async (edit: (d: Record<string, string>, index: { weight_map: Record<string, string> }) => void) => {
      const dir = tempDir('quantized');
      for (const f of ['config.json', 'model.safetensors.index.json', 'quant_model_description_w8a8.json']) fs.copyFileSync(path.join(FIXTURES, 'quantized', f), path.join(dir, f));
      const d = JSON.parse(fs.readFileSync(path.join(dir, 'quant_model_description_w8a8.json'), 'utf8'));
      const index = JSON.parse(fs.readFileSync(path.join(dir, 'model.safetensors.index.json'), 'utf8'));
      edit(d, index);
      fs.writeFileSync(path.join(dir, 'quant_model_description_w8a8.json'), JSON.stringify(d));
      fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify(index));
      return read(dir);
    };
    it('reports a linear without a quant type', async () => {
      const r = await variant((d) => delete d['model.layers.1.self_attn.o_proj.weight']);
      const p = r.problems.find((x) => x.code === 'modelDir.quant.uncovered')!;
      assert.match(formatMessage(p.message), /1 linear weight\(s\) have no quant type .*model\.layers\.1\.self_attn\.o_proj\.weight/);
    });
    it('reports a fallback layer (lm_head) that is not FLOAT and a sparse type on it', async () => {
      const r = await variant((d) => (d['lm_head.weight'] = 'W8A8SC'));
      assert.ok(codes(r, 'error').includes('modelDir.quant.fallback-not-float'));
      assert.ok(codes(r, 'error').includes('modelDir.quant.sparse-unsupported'));
    });
    it('reports missing scale tensors and unknown types', async () => {
      const r = await variant((d, index) => {
        delete index.weight_map['model.layers.0.mlp.up_proj.deq_scale'];
        d['model.layers.0.mlp.gate_proj.weight'] = 'W3A3';
      });
      assert.ok(codes(r).includes('modelDir.quant.missing-scales'));
      assert.ok(codes(r).includes('modelDir.quant.unknown-type'));
    });
  });

  describe('real model metadata (/work/shared/data/models, skipped when absent)', function () {
    const present = fs.existsSync(REAL_MODELS);
    const folders = present ? fs.readdirSync(REAL_MODELS).filter((d) => fs.statSync(path.join(REAL_MODELS, d)).isDirectory()) : [];
    for (const folder of folders) {
      it(`reads ${folder} without throwing; findings match its config.json`, async function () {
        const dir = path.join(REAL_MODELS, folder);
        const r = await read(dir);
        const configPath = path.join(dir, 'config.json');
        if (!fs.existsSync(configPath)) {
          assert.deepStrictEqual(codes(r), ['modelDir.no-config']);
          return;
        }
        const top = JSON.parse(fs.readFileSync(configPath, 'utf8'));
        // A multimodal wrapper's language model: its nested config over the top level.
        const c = { ...top, ...(top.text_config ?? top.llm_config ?? {}) };
        const first = (...keys: string[]) => keys.map((k) => c[k]).find((v) => v !== undefined);
        const expected: Record<string, unknown> = {
          numLayers: first('num_hidden_layers', 'num_layers'),
          numHeads: first('num_attention_heads'),
          vocabSize: first('vocab_size', 'padded_vocab_size'),
          hiddenSize: first('hidden_size'),
        };
        for (const [key, value] of Object.entries(expected)) {
          if (value === undefined) continue;
          assert.strictEqual(finding(r, key)?.value, value, `${folder} ${key}`);
        }
        if (r.spec && c.num_attention_heads !== undefined) {
          const kv = c.num_key_value_heads ?? (c.multi_query_attention ? c.multi_query_group_num : undefined) ?? c.num_attention_heads;
          assert.strictEqual(r.spec.numKvHeads, kv, `${folder} kv heads`);
          assert.strictEqual(finding(r, 'numKvHeads')?.value, kv);
        }
      });
    }
    if (!present) it('is skipped: no real model data on this machine', function () { this.skip(); });
  });
});
