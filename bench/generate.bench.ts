/**
 * Reading a model folder with a ~1 MB weight index and generating the v3 files: under 50 ms warm,
 * and stated against a same-run baseline (reading + JSON.parse of the same index).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Bench } from './harness';
import { generateV3 } from '../src/core/generate';
import { readModelFolder } from '../src/core/modelDir';
import { nodeFileReader } from '../src/node/fileReader';
import '../src/core/messages';

function writeFolder(): { dir: string; indexBytes: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atb-migrate-bench-'));
  const layers = 1060;
  const config = {
    architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', hidden_size: 8192, intermediate_size: 29568, num_hidden_layers: layers,
    num_attention_heads: 64, num_key_value_heads: 8, vocab_size: 152064, rms_norm_eps: 1e-6, rope_theta: 1000000.0, torch_dtype: 'bfloat16',
    tie_word_embeddings: false, transformers_version: '4.41.2',
  };
  const weightMap: Record<string, string> = { 'model.embed_tokens.weight': 'model-00001-of-00099.safetensors', 'model.norm.weight': 'model-00099-of-00099.safetensors', 'lm_head.weight': 'model-00099-of-00099.safetensors' };
  const parts = ['input_layernorm.weight', 'post_attention_layernorm.weight', 'mlp.gate_proj.weight', 'mlp.up_proj.weight', 'mlp.down_proj.weight', 'self_attn.q_proj.weight', 'self_attn.q_proj.bias', 'self_attn.k_proj.weight', 'self_attn.k_proj.bias', 'self_attn.v_proj.weight', 'self_attn.v_proj.bias', 'self_attn.o_proj.weight'];
  for (let i = 0; i < layers; i++) {
    const shard = `model-${String(1 + Math.floor(i / 10)).padStart(5, '0')}-of-00099.safetensors`;
    for (const p of parts) weightMap[`model.layers.${i}.${p}`] = shard;
  }
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  const index = JSON.stringify({ metadata: { total_size: 145412407296 }, weight_map: weightMap }, null, 2);
  fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), index);
  return { dir, indexBytes: Buffer.byteLength(index) };
}

export default async function (b: Bench): Promise<void> {
  const { dir, indexBytes } = writeFolder();
  console.log(`  model folder with a ${(indexBytes / 1024 / 1024).toFixed(2)} MB weight index (${dir})`);
  const indexPath = path.join(dir, 'model.safetensors.index.json');
  try {
    const baseline = await b.time('read + JSON.parse of the index (baseline)', async () => JSON.parse((await fs.promises.readFile(indexPath, 'utf8')) as string));
    const full = await b.time('readModelFolder + generateV3', async () => {
      const r = await readModelFolder(nodeFileReader, dir);
      if (!r.spec) throw new Error('bench folder did not read');
      const g = generateV3(r.spec, { outDir: path.join(dir, 'out') });
      if (g.files.length !== 5) throw new Error('bench generation failed');
    });
    b.atMost('read + generate, warm (1 MB index)', full.median, 50, 'ms');
    b.ratio('read + generate vs. parsing the index', full, baseline, 3);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
