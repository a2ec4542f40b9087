/**
 * The family path at scale: a multimodal (llava-style) folder with a ~1 MB weight index, whose
 * language model sits under `language_model.model` next to a vision tower, read (catalogue entry,
 * nested text config, weight-name confirmation, quirks) and generated: under 50 ms warm, and stated
 * against a same-run baseline (reading + JSON.parse of the same index).
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
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atb-migrate-bench-families-'));
  const layers = 1150;
  const config = {
    architectures: ['LlavaForConditionalGeneration'],
    model_type: 'llava',
    text_config: { model_type: 'llama', num_hidden_layers: layers, hidden_size: 8192, num_attention_heads: 64, num_key_value_heads: 8, intermediate_size: 28672, vocab_size: 128256, rope_theta: 500000.0 },
    vision_config: { model_type: 'clip_vision_model', num_hidden_layers: 24, hidden_size: 1024 },
    torch_dtype: 'bfloat16',
  };
  const shard = (i: number) => `model-${String(1 + Math.floor(i / 10)).padStart(5, '0')}-of-00090.safetensors`;
  const weightMap: Record<string, string> = {
    'language_model.model.embed_tokens.weight': shard(0),
    'language_model.model.norm.weight': shard(layers),
    'language_model.lm_head.weight': shard(layers),
    'multi_modal_projector.linear_1.weight': shard(0),
    'multi_modal_projector.linear_2.weight': shard(0),
  };
  const text = ['input_layernorm', 'post_attention_layernorm', 'mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj', 'self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.o_proj'];
  for (let i = 0; i < layers; i++) for (const p of text) weightMap[`language_model.model.layers.${i}.${p}.weight`] = shard(i);
  const vision = ['layer_norm1', 'layer_norm2', 'mlp.fc1', 'mlp.fc2', 'self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.out_proj'];
  for (let i = 0; i < 24; i++) for (const p of vision) for (const s of ['weight', 'bias']) weightMap[`vision_tower.vision_model.encoder.layers.${i}.${p}.${s}`] = shard(0);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  const index = JSON.stringify({ metadata: { total_size: 145412407296 }, weight_map: weightMap }, null, 2);
  fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), index);
  return { dir, indexBytes: Buffer.byteLength(index) };
}

export default async function (b: Bench): Promise<void> {
  const { dir, indexBytes } = writeFolder();
  console.log(`  multimodal folder with a ${(indexBytes / 1024 / 1024).toFixed(2)} MB weight index (${dir})`);
  const indexPath = path.join(dir, 'model.safetensors.index.json');
  try {
    const baseline = await b.time('read + JSON.parse of the index (baseline)', async () => JSON.parse((await fs.promises.readFile(indexPath, 'utf8')) as string));
    const full = await b.time('readModelFolder (family resolved) + generateV3', async () => {
      const r = await readModelFolder(nodeFileReader, dir);
      if (!r.spec || r.spec.family.naming.root !== 'language_model.model') throw new Error('bench folder did not read as llava');
      const g = generateV3(r.spec, { outDir: path.join(dir, 'out') });
      if (g.files.length !== 5) throw new Error('bench generation failed');
    });
    b.atMost('multimodal read + generate, warm (1 MB index)', full.median, 50, 'ms');
    b.ratio('multimodal read + generate vs. parsing the index', full, baseline, 3);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
