/** Shared helpers of the modelDir/generate tests: fixture paths, tiny safetensors files, temp dirs. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/model-folders');
export const REAL_MODELS = '/work/shared/data/models';

export function tempDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atb-migrate-'));
  const sub = path.join(dir, name);
  fs.mkdirSync(sub, { recursive: true });
  return sub;
}

/** A safetensors file: 8-byte little-endian header length, the JSON header, a few data bytes. */
export function writeSafetensors(file: string, tensors: Record<string, number[]>, dtype = 'BF16'): void {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, shape] of Object.entries(tensors)) {
    const bytes = shape.reduce((a, b) => a * b, 1) * 2;
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  writeRawSafetensors(file, JSON.stringify(header), offset);
}

export function writeRawSafetensors(file: string, headerJson: string, dataBytes = 4, declaredLength?: bigint): void {
  const json = Buffer.from(headerJson, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(declaredLength ?? BigInt(json.length));
  fs.writeFileSync(file, Buffer.concat([prefix, json, Buffer.alloc(dataBytes)]));
}

/** Tensor names of a llama-shaped layer stack (tiny shapes: only names matter). */
export function llamaTensors(layers: number, withHead: boolean): Record<string, number[]> {
  const t: Record<string, number[]> = { 'model.embed_tokens.weight': [4, 2], 'model.norm.weight': [2] };
  for (let i = 0; i < layers; i++) {
    for (const n of ['input_layernorm', 'post_attention_layernorm']) t[`model.layers.${i}.${n}.weight`] = [2];
    for (const n of ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.o_proj', 'mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj']) t[`model.layers.${i}.${n}.weight`] = [2, 2];
  }
  if (withHead) t['lm_head.weight'] = [4, 2];
  return t;
}

export function copyDir(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    if (e.isDirectory()) copyDir(path.join(from, e.name), path.join(to, e.name));
    else fs.copyFileSync(path.join(from, e.name), path.join(to, e.name));
  }
}
