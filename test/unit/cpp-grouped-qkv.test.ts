/**
 * internlm2's KV-grouped `wqkv` on the C++ target: the generated grouped_qkv.py (run by python3 as
 * written) must give each rank the rows of [q; k; v] that MindIE's sharding of a [q; k; v] tensor gives,
 * checked three ways: hand-written row lists for a tiny model, labelled rows derived from the model's
 * own "(h gs d)" layout, and (with numpy) attention outputs of the original grouped weight against the
 * de-interleaved per-rank weights split [q; k; v] as the C++ base splits them.
 * Also: the sequence bound the generated Python enforces for sliding window / dynamic NTK rope.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import '../../src/core/messages';
import { generateCpp } from '../../src/core/generate/cpp';
import { formatMessage } from '../../src/core/i18n';
import { readModelFolder, type ModelSpec } from '../../src/core/modelDir';
import { nodeFileReader } from '../../src/node/fileReader';

const ROOT = path.join(__dirname, '..', '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'model-folders');
const hasPython = spawnSync('python3', ['--version']).status === 0;
const SHARED = path.join(process.env.ATB_MIGRATE_SHARED ?? path.join(ROOT, '..', 'shared'), 'data', 'models');

async function spec(name: string): Promise<ModelSpec> {
  const read = await readModelFolder(nodeFileReader, path.join(FIXTURES, name));
  assert.ok(read.spec, name);
  return read.spec;
}

/** Hand-written: heads 4, KV heads 2, head dim 2 -> checkpoint rows q0 0-1, q1 2-3, k0 4-5, v0 6-7, q2 8-9, q3 10-11, k1 12-13, v1 14-15. */
const HAND_WRITTEN = `
cases = {
    (1, 0): [0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 12, 13, 6, 7, 14, 15],
    (2, 0): [0, 1, 2, 3, 4, 5, 6, 7],
    (2, 1): [8, 9, 10, 11, 12, 13, 14, 15],
    (4, 0): [0, 1, 4, 5, 6, 7],
    (4, 1): [2, 3, 4, 5, 6, 7],
    (4, 2): [8, 9, 12, 13, 14, 15],
    (4, 3): [10, 11, 12, 13, 14, 15],
}
for (world, rank), want in cases.items():
    got = grouped_qkv_rank_rows(4, 2, 2, world, rank)
    assert got == want, (world, rank, got, want)
`;

/** Independent reference: label each checkpoint row by the model's rearrange, shard labels as MindIE chunks [q; k; v]. */
const LABELLED = `
def labels(heads, kv, d):
    group = heads // kv
    out = []
    for h in range(kv):
        for gs in range(group + 2):
            for i in range(d):
                out.append(("q", h * group + gs, i) if gs < group else ("k" if gs == group else "v", h, i))
    return out

def chunk(xs, n):
    size = len(xs) // n
    return [xs[j * size:(j + 1) * size] for j in range(n)]

for heads, kv, d in [(4, 2, 2), (8, 8, 3), (32, 8, 4), (12, 4, 2), (8, 1, 2)]:
    ckpt = labels(heads, kv, d)
    q = sorted([x for x in ckpt if x[0] == "q"], key=lambda x: (x[1], x[2]))
    k = sorted([x for x in ckpt if x[0] == "k"], key=lambda x: (x[1], x[2]))
    v = sorted([x for x in ckpt if x[0] == "v"], key=lambda x: (x[1], x[2]))
    for world in [1, 2, 4, 8]:
        if heads % world or (kv % world and world % kv):
            try:
                grouped_qkv_rank_rows(heads, kv, d, world, 0)
            except ValueError:
                continue
            raise AssertionError(("accepted", heads, kv, world))
        kv_tp = min(world, kv)
        for rank in range(world):
            want = chunk(q, world)[rank] + chunk(k, kv_tp)[rank * kv_tp // world] + chunk(v, kv_tp)[rank * kv_tp // world]
            got = [ckpt[r] for r in grouped_qkv_rank_rows(heads, kv, d, world, rank)]
            assert got == want, (heads, kv, d, world, rank)
for bad in [(6, 4, 2, 1, 0), (4, 2, 2, 2, 2)]:
    try:
        grouped_qkv_rank_rows(*bad)
    except ValueError:
        continue
    raise AssertionError(("accepted", bad))
`;

/** Attention with the model's grouped layout vs per-rank [q; k; v] split as the C++ base does (standard GQA). */
const NUMERIC = `
try:
    import numpy as np
except ImportError:
    print("SKIP numpy")
    raise SystemExit(0)

def attend(q, k, v, group):
    t, heads, d = q.shape
    out = np.zeros_like(q)
    mask = np.triu(np.full((t, t), -np.inf), 1)
    for h in range(heads):
        s = q[:, h] @ k[:, h // group].T / np.sqrt(d) + mask
        p = np.exp(s - s.max(-1, keepdims=True))
        out[:, h] = (p / p.sum(-1, keepdims=True)) @ v[:, h // group]
    return out

rng = np.random.default_rng(7)
heads, kv, d, hidden, t = 8, 2, 4, 16, 5
group = heads // kv
w = rng.standard_normal(((heads + 2 * kv) * d, hidden))
x = rng.standard_normal((t, hidden))
grouped = (x @ w.T).reshape(t, kv, group + 2, d)
ref = attend(grouped[:, :, :group].reshape(t, heads, d), grouped[:, :, group], grouped[:, :, group + 1], group)
for world in [1, 2, 4, 8]:
    parts = []
    for rank in range(world):
        wr = w[grouped_qkv_rank_rows(heads, kv, d, world, rank)]
        hq, hkv = heads // world, max(kv // world, 1)
        qkv = x @ wr.T
        q, k, v = np.split(qkv, [hq * d, (hq + hkv) * d], axis=1)
        parts.append(attend(q.reshape(t, hq, d), k.reshape(t, hkv, d), v.reshape(t, hkv, d), hq // hkv))
    got = np.concatenate(parts, axis=1)
    assert np.allclose(got, ref, atol=1e-10), world
# The check can fail: the checkpoint order split as [q; k; v] is not the model.
q, k, v = np.split(x @ w.T, [heads * d, (heads + kv) * d], axis=1)
assert not np.allclose(attend(q.reshape(t, heads, d), k.reshape(t, kv, d), v.reshape(t, kv, d), group), ref)
print("numeric ok")
`;

describe('cpp target: KV-grouped qkv and sequence bounds', function () {
  this.timeout(60000);
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'atb-gqkv-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('internlm2 generates; the modeling picks the rows through grouped_qkv.py', async () => {
    const r = generateCpp(await spec('internlm2'), { outRoot: tmp });
    assert.ok(r.plan?.groupedQkv, r.problems.map((p) => formatMessage(p.message)).join('\n'));
    const rows = r.files.find((f) => f.rel.endsWith('/internlm2/grouped_qkv.py'));
    const modeling = r.files.find((f) => f.rel.endsWith('/modeling_internlm2.py'))!;
    assert.ok(rows && !/^\s*(import|from)\s/m.test(rows.contents), 'grouped_qkv.py is plain Python');
    assert.match(modeling.contents, /from \.grouped_qkv import grouped_qkv_rank_rows/);
    assert.match(modeling.contents, /def load_qkv_weights\(self, \*\*kwargs\):[\s\S]*grouped_qkv_rank_rows\(self\.num_heads, self\.num_kv_heads, self\.head_size, group\.size\(\), group\.rank\(\)\)/);
    assert.match(modeling.contents, /num_linear_before_pack=3/);
    // Models without grouped rows get neither the file nor the override.
    const plain = generateCpp(await spec('qwen2'), { outRoot: tmp });
    assert.ok(!plain.files.some((f) => f.rel.endsWith('grouped_qkv.py')));
    assert.ok(!plain.files.some((f) => /load_qkv_weights/.test(f.contents)));
  });

  for (const [label, script] of [['hand-written row lists', HAND_WRITTEN], ['labelled rows vs MindIE sharding', LABELLED], ['attention outputs (numpy)', NUMERIC]] as const) {
    it(`grouped_qkv.py as generated: ${label}`, async function () {
      if (!hasPython) return this.skip();
      const r = generateCpp(await spec('internlm2'), { outRoot: tmp });
      const dir = path.join(tmp, label.replace(/\W+/g, '_'));
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'grouped_qkv.py'), r.files.find((f) => f.rel.endsWith('grouped_qkv.py'))!.contents);
      fs.writeFileSync(path.join(dir, 'check.py'), `from grouped_qkv import grouped_qkv_rank_rows\n${script}`);
      const out = spawnSync('python3', ['check.py'], { cwd: dir, encoding: 'utf8' });
      assert.strictEqual(out.status, 0, out.stderr + out.stdout);
      if (out.stdout.includes('SKIP')) this.skip();
    });
  }

  it('a quantized grouped checkpoint is refused with the reason, not generated', async () => {
    const s = await spec('internlm2');
    const r = generateCpp({ ...s, quant: { method: 'w8a8' } as unknown as ModelSpec['quant'] }, { outRoot: tmp });
    assert.strictEqual(r.files.length, 0);
    const p = r.problems.find((x) => x.code === 'cpp.refused.grouped-qkv');
    assert.ok(p && /float/.test(formatMessage(p.message)) && /浮点/.test(formatMessage(p.message, 'zh-cn')));
  });

  it('sliding window and dynamic NTK: generated with a position bound the Python enforces, stated as a warning', async () => {
    const window = await spec('mistral-v01');
    const dynamic = await spec('internlm3-8b');
    for (const [s, bound, detail] of [
      [window, 4096, 'sliding_window = 4096'],
      [dynamic, 32768, 'dynamic NTK rope (dynamic factor 6)'],
    ] as const) {
      const r = generateCpp(s, { outRoot: tmp });
      assert.strictEqual(r.plan?.seqLimit?.positions, bound, r.problems.map((p) => formatMessage(p.message)).join('\n'));
      const warn = r.problems.find((p) => p.code === 'cpp.seq-limit');
      assert.ok(warn && warn.severity === 'warning');
      assert.ok(formatMessage(warn.message).includes(String(bound)) && formatMessage(warn.message).includes(detail));
      const flash = r.files.find((f) => /flash_causal_\w+\.py$/.test(f.rel))!.contents;
      assert.match(flash, new RegExp(`^MAX_EXACT_POSITIONS = ${bound}$`, 'm'));
      // The guard runs first in prepare_inputs_for_ascend, on the batch's positions and max_seq_len.
      const body = flash.slice(flash.indexOf('def prepare_inputs_for_ascend'));
      const guard = body.indexOf('if positions > MAX_EXACT_POSITIONS or max_seq_len > MAX_EXACT_POSITIONS:');
      assert.ok(guard > 0 && guard < body.indexOf('self.acl_param'), 'guard before the inputs are built');
      assert.match(body, /positions = int\(position_ids\.max\(\)\) \+ 1/);
      assert.match(body, /raise ValueError\(/);
    }
    // Without a readable window the model is refused, not generated unguarded.
    const noWindow = { ...window, config: { ...window.config, sliding_window: null } };
    const r = generateCpp(noWindow, { outRoot: tmp });
    assert.strictEqual(r.files.length, 0);
    assert.ok(r.problems.some((p) => p.code === 'cpp.refused.sliding-window'));
    // Qwen v1 (real metadata): use_dynamic_ntk and use_logn_attn key off seq_length (2048), not max positions (8192).
    const qwen14 = path.join(SHARED, 'Qwen-14B-Chat');
    if (fs.existsSync(qwen14)) {
      const q = generateCpp((await readModelFolder(nodeFileReader, qwen14)).spec!, { outRoot: tmp });
      assert.strictEqual(q.plan?.seqLimit?.positions, 2048);
      assert.ok(q.plan.seqLimit.details.some((d) => d.includes('use_logn_attn')));
    }
    // Log-n attention alone (a hand-written Qwen v1 config): bounded by the catalogue's trained-length key.
    const lognDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atb-logn-'));
    fs.writeFileSync(path.join(lognDir, 'config.json'), JSON.stringify({ model_type: 'qwen', architectures: ['QWenLMHeadModel'], hidden_size: 64, num_attention_heads: 4, num_hidden_layers: 2, intermediate_size: 256, vocab_size: 100, max_position_embeddings: 8192, seq_length: 32, use_dynamic_ntk: false, use_logn_attn: true }));
    const logn = generateCpp((await readModelFolder(nodeFileReader, lognDir)).spec!, { outRoot: tmp });
    assert.strictEqual(logn.plan?.seqLimit?.positions, 32);
    assert.deepStrictEqual(logn.plan.seqLimit.details, ['use_logn_attn (seq_length = 32)']);
    // Models without those quirks have no bound.
    const plain = generateCpp(await spec('qwen2'), { outRoot: tmp });
    assert.strictEqual(plain.plan?.seqLimit, undefined);
    assert.ok(!plain.files.some((f) => f.contents.includes('MAX_EXACT_POSITIONS')));
  });
});
