/**
 * The C++ graph target on every family fixture and the real model metadata in ../shared/data:
 * - each generated .cpp passes `g++ -std=c++17 -fsyntax-only -Wall -Wextra -Werror` against the
 *   declaration-only MindIE/ATB stubs (test/compile/mindie_stub, atb_stub), for both MindIE versions;
 * - every generated .py byte-compiles (python3 -m py_compile);
 * - keys the Python sends == keys the C++ reads (the -atb reader run on the generated C++, with the
 *   base's keys), required ones all present, same JSON types; input names/count and weight count equal;
 * - structure: REGISTER_MODEL inside atb_speed, unique namespace and include guards, layer files only
 *   when the base layer cannot express the model; refusals name the quirk and write nothing;
 * - snapshots for five models (UPDATE_SNAPSHOTS=1 rewrites them).
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import '../../src/core/messages';
import { generateCpp, MINDIE_VERSIONS, readAtbModel, type CppResult, type MindieVersion } from '../../src/core/generate/cpp';
import { BASE_WEIGHTS } from '../../src/core/generate/cpp/mindie';
import { supportFor } from '../../src/core/generate/support';
import { formatMessage } from '../../src/core/i18n';
import { readModelFolder, type ModelSpec } from '../../src/core/modelDir';
import type { Node, Syntax } from '../../src/core/syntax';
import { nodeFileReader } from '../../src/node/fileReader';
import { nodeSyntax } from '../../src/node/syntax';
import { readPythonSide } from '../compile/cpp-keys';

const ROOT = path.join(__dirname, '..', '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'model-folders');
// ../shared/data beside the clone (CI); ATB_MIGRATE_SHARED points elsewhere (a git worktree).
const SHARED = path.join(process.env.ATB_MIGRATE_SHARED ?? path.join(ROOT, '..', 'shared'), 'data', 'models');
const SNAPSHOTS = path.join(FIXTURES, '_cpp_snapshots');
const STUBS = ['mindie_stub', 'atb_stub'].map((d) => path.join(ROOT, 'test', 'compile', d));
const GXX = process.env.CXX ?? 'g++';
const hasGxx = spawnSync(GXX, ['--version']).status === 0;
const hasPython = spawnSync('python3', ['--version']).status === 0;

/** Families the issue names, as fixtures (hand-written) and real metadata (shared/data). */
const FIXTURE_CASES = ['qwen2', 'llama3', 'gqa-tied', 'quantized', 'mistral-v03', 'mistral-v01', 'yi-6b', 'qwen3', 'internlm2', 'internlm3-8b', 'phi3-mini-4k', 'moe'];
const SHARED_CASES = fs.existsSync(SHARED) ? fs.readdirSync(SHARED).filter((d) => fs.existsSync(path.join(SHARED, d, 'config.json'))).sort() : [];
/** Expected to generate (the rest must be refused with reasons). */
const MUST_GENERATE = ['qwen2', 'llama3', 'gqa-tied', 'quantized', 'mistral-v03', 'mistral-v01', 'yi-6b', 'internlm2', 'internlm3-8b', 'phi3-mini-4k', 'internlm2-chat-7b', 'Phi-3-mini-4k-instruct', 'Llama-2-7b-chat-hf', 'Meta-Llama-3-8B-Instruct', 'Meta-Llama-3.1-8B-Instruct', 'Llama-3.2-3B-Instruct', 'Qwen2-7B-Instruct', 'Qwen2.5-7B-Instruct', 'Qwen3-4B', 'Qwen-72B', 'Qwen-7B', 'Qwen-14B-Chat', 'Baichuan2-7B', 'chatglm2-6b', 'chatglm3-6b'];
const SNAPSHOT_CASES = ['qwen2', 'mistral-v03', 'chatglm3-6b', 'internlm2', 'phi3-mini-4k'];
/** Namespaces real MindIE-LLM models use (atb_framework/models/*): a generated one must not be one of them. */
const REAL_NAMESPACES = ['base', 'baichuan2_7b', 'baichuan2_13b', 'bert', 'bloom', 'chatglm', 'codeshell', 'deepseek', 'deepseekV2', 'ernie_moe', 'glm', 'glm41v', 'hunyuan', 'internlm2_20b', 'llama', 'minicpm', 'mixtral', 'moe', 'phi3', 'qwen', 'qwen3vl', 'telechat'];

interface Case {
  name: string;
  dir: string;
  spec?: ModelSpec;
  results: Partial<Record<MindieVersion, CppResult>>;
}

function walk(n: Node, visit: (n: Node) => void): void {
  visit(n);
  for (const c of n.namedChildren) if (c) walk(c, visit);
}

describe('cpp target: generated C++ and Python per family and MindIE version', function () {
  this.timeout(300000);
  const cases: Case[] = [];
  let syntax: Syntax;
  let tmp: string;

  before(async () => {
    syntax = await nodeSyntax();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'atb-cpp-'));
    for (const name of FIXTURE_CASES) cases.push({ name, dir: path.join(FIXTURES, name), results: {} });
    for (const name of SHARED_CASES) cases.push({ name, dir: path.join(SHARED, name), results: {} });
    for (const c of cases) {
      const read = await readModelFolder(nodeFileReader, c.dir);
      if (!read.spec || read.problems.some((p) => p.severity === 'error')) continue;
      c.spec = read.spec;
      for (const version of MINDIE_VERSIONS) c.results[version] = generateCpp(read.spec, { outRoot: path.join(tmp, c.name, version), version });
    }
  });
  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const generated = () => cases.filter((c) => c.results['v3.0.0']?.files.length);

  it('generates the llama-like families and refuses the rest with a reason per quirk', () => {
    for (const name of MUST_GENERATE) {
      const c = cases.find((x) => x.name === name);
      if (!c) continue; // shared/data absent
      const r = c.results['v3.0.0'];
      assert.ok(r?.files.length, `${name}: ${r?.problems.map((p) => formatMessage(p.message)).join('\n')}`);
    }
    for (const c of cases) {
      const r = c.results['v3.0.0'];
      if (!r || r.files.length) continue;
      const errors = r.problems.filter((p) => p.severity === 'error');
      const refused = errors.filter((p) => p.code.startsWith('cpp.refused.'));
      assert.ok(refused.length > 0, `${c.name}: refused without a quirk reason`);
      for (const p of refused) {
        const quirk = c.spec!.quirks.find((q) => `cpp.refused.${q.id}` === p.code);
        assert.ok(quirk, `${c.name}: ${p.code} is not one of the model's quirks`);
        assert.ok(formatMessage(p.message).includes(quirk.detail), `${c.name}: the reason does not show "${quirk.detail}"`);
        assert.ok(formatMessage(p.message, 'zh-cn').includes(quirk.detail));
      }
    }
    assert.ok(generated().length >= 6, 'too few generated cases');
    // A generated model has only quirks the capability table (served by support.ts) calls implemented.
    for (const c of generated()) {
      for (const s of supportFor(c.spec!, 'cpp')) assert.strictEqual(s.status, 'implemented', `${c.name}: generated although ${s.quirk.id} is refused`);
    }
  });

  it('both versions give the same C++ (the keys that differ are optional and not sent)', () => {
    for (const c of generated()) {
      const a = c.results['v3.0.0.beta.1']!;
      const b = c.results['v3.0.0']!;
      assert.deepStrictEqual(a.files.map((f) => f.rel), b.files.map((f) => f.rel));
      for (let i = 0; i < a.files.length; i++) {
        if (a.files[i].rel.startsWith('atb_framework/')) assert.strictEqual(a.files[i].contents.replace(/v3\.0\.0\.beta\.1/g, 'V'), b.files[i].contents.replace(/v3\.0\.0/g, 'V'), `${c.name}: ${a.files[i].rel}`);
      }
    }
  });

  it('every generated .cpp passes g++ -std=c++17 -fsyntax-only -Wall -Wextra -Werror (both versions)', function () {
    if (!hasGxx) return this.skip();
    // Each file alone for one case of each shape (base-only model, model + layer override), then one
    // translation unit per version holding every case with its own namespace: together they also
    // show that the namespaces, guards and registrations of different models do not collide.
    const gxx = (label: string, roots: string[], files: string[]) => {
      const args = ['-std=c++17', '-fsyntax-only', '-Wall', '-Wextra', '-Werror', '-D_GLIBCXX_USE_CXX11_ABI=1', ...roots.flatMap((r) => ['-I', r]), ...STUBS.flatMap((s) => ['-I', s]), ...files];
      const out = spawnSync(GXX, args, { encoding: 'utf8' });
      assert.strictEqual(out.status, 0, `${label}:\n${out.stderr}`);
    };
    let compiled = 0;
    for (const version of MINDIE_VERSIONS) {
      const byNs = new Map<string, Case>();
      for (const c of generated()) {
        const r = c.results[version]!;
        for (const f of r.files) {
          fs.mkdirSync(path.dirname(f.path), { recursive: true });
          fs.writeFileSync(f.path, f.contents);
        }
        if (!byNs.has(r.plan!.ns)) byNs.set(r.plan!.ns, c);
      }
      const shapes = [...byNs.values()].filter((c, i, all) => all.findIndex((x) => !!x.results[version]!.plan!.layer === !!c.results[version]!.plan!.layer) === i);
      for (const c of shapes) {
        const r = c.results[version]!;
        for (const f of r.files.filter((x) => x.rel.endsWith('.cpp'))) gxx(`${c.name} ${version} ${f.rel}`, [path.join(tmp, c.name, version, 'atb_framework')], [f.path]);
      }
      const unity = path.join(tmp, `unity-${version}.cpp`);
      const cpps = [...byNs.values()].flatMap((c) => c.results[version]!.files.filter((f) => f.rel.endsWith('.cpp')));
      fs.writeFileSync(unity, cpps.map((f) => `#include "${f.path}"\n`).join(''));
      gxx(`all models, ${version}`, [...byNs.values()].map((c) => path.join(tmp, c.name, version, 'atb_framework')), [unity]);
      compiled += cpps.length;
    }
    assert.ok(compiled >= 6, `only ${compiled} files compiled`);
  });

  it('the stubs catch a wrong hook signature (the compile check can fail)', function () {
    if (!hasGxx) return this.skip();
    const c = generated().find((x) => x.results['v3.0.0']!.files.some((f) => f.rel.includes('/layer/')));
    if (!c) return this.skip();
    const r = c.results['v3.0.0']!;
    const root = path.join(tmp, 'broken');
    for (const f of r.files) {
      const p = path.join(root, f.rel);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, f.rel.endsWith('decoder_layer.h') ? f.contents.replace('&fusionAttentionParam) override', '*fusionAttentionParam) override') : f.contents);
    }
    const cpp = r.files.filter((f) => f.rel.endsWith('layer/decoder_layer.cpp')).map((f) => path.join(root, f.rel));
    const out = spawnSync(GXX, ['-std=c++17', '-fsyntax-only', '-Wall', '-Wextra', '-Werror', '-I', path.join(root, 'atb_framework'), ...STUBS.flatMap((s) => ['-I', s]), ...cpp], { encoding: 'utf8' });
    assert.notStrictEqual(out.status, 0);
  });

  it('every generated .py byte-compiles', function () {
    if (!hasPython) return this.skip();
    const files: string[] = [];
    for (const c of generated()) {
      for (const f of c.results['v3.0.0']!.files.filter((x) => x.rel.endsWith('.py'))) {
        const p = path.join(tmp, 'py', c.name, f.rel);
        fs.mkdirSync(path.dirname(p), { recursive: true });
        fs.writeFileSync(p, f.contents);
        files.push(p);
      }
    }
    const out = spawnSync('python3', ['-m', 'py_compile', ...files], { encoding: 'utf8' });
    assert.strictEqual(out.status, 0, out.stderr);
  });

  it('keys the Python sends == keys the C++ reads; inputs and weights agree', async () => {
    for (const c of generated()) {
      for (const version of MINDIE_VERSIONS) {
        const r = c.results[version]!;
        const model = r.files.filter((f) => f.rel.includes('/model/decoder_model.'));
        const reader = memoryReader(model);
        const facts = await readAtbModel(syntax, reader, { cpp: model.find((f) => f.rel.endsWith('.cpp'))!.path, header: model.find((f) => f.rel.endsWith('.h'))!.path }, version);
        assert.deepStrictEqual(facts.missing.map((m) => formatMessage(m)), [], `${c.name}: the reader could not read the generated model`);
        const flash = r.files.find((f) => /flash_causal_[a-z0-9_]+\.py$/.test(f.rel))!;
        const py = readPythonSide(syntax, flash.contents);
        const label = `${c.name} ${version}`;
        assert.strictEqual(py.modelName, facts.registeredName, `${label}: registered name`);
        const reads = new Map(facts.keys.map((k) => [k.key, k]));
        for (const [key, type] of py.keys) {
          const k = reads.get(key);
          assert.ok(k, `${label}: the Python sends "${key}", which the C++ does not read`);
          assert.strictEqual(type, k.type, `${label}: "${key}" is sent as ${type}, read as ${k.type}`);
        }
        for (const k of facts.keys.filter((x) => x.required)) assert.ok(py.keys.has(k.key), `${label}: required "${k.key}" is not sent`);
        for (const k of facts.executeKeys.filter((x) => x.required)) assert.ok(py.executeKeys.includes(k.key), `${label}: execute key "${k.key}" is not sent`);
        assert.deepStrictEqual(py.inputNames, facts.inputs, `${label}: input names`);
        assert.strictEqual(py.inputCount, facts.inputs!.length, `${label}: input count`);
        // The base's weight rules: +2 per layer with useQKNorm, 2 final-norm weights with LayerNorm.
        const qk = py.keys.has('useQKNorm') ? BASE_WEIGHTS.qkNormPerLayer : 0;
        const finalNorm = r.plan!.norm === 'layer' ? BASE_WEIGHTS.finalNorm.layer : facts.weights!.finalNorm;
        assert.strictEqual(py.constants.get('WEIGHT_COUNT_PER_LAYER'), facts.weights!.perLayer + qk, `${label}: weights per layer`);
        assert.strictEqual(py.constants.get('WEIGHT_COUNT_WORD_EMBEDDING'), facts.weights!.embedding);
        assert.strictEqual(py.constants.get('WEIGHT_COUNT_FINAL_NORM'), finalNorm);
        assert.strictEqual(py.constants.get('WEIGHT_COUNT_LM_HEAD'), facts.weights!.lmHead);
      }
    }
  });

  it('structure: REGISTER_MODEL inside atb_speed, unique namespace and guards, layer only when needed', () => {
    const guards = new Map<string, string>();
    for (const c of generated()) {
      const r = c.results['v3.0.0']!;
      const plan = r.plan!;
      assert.ok(!REAL_NAMESPACES.includes(plan.ns) && plan.ns.startsWith('atbm_'), `${c.name}: namespace ${plan.ns}`);
      const header = r.files.find((f) => f.rel === `atb_framework/models/${plan.ns}/model/decoder_model.h`)!;
      const root = syntax.parser('cpp').parse(header.contents)!.rootNode;
      let inside = false;
      walk(root, (n) => {
        if (n.type !== 'call_expression' || n.childForFieldName('function')?.text !== 'REGISTER_MODEL') return;
        for (let p = n.parent; p; p = p.parent) if (p.type === 'namespace_definition' && p.childForFieldName('name')?.text === 'atb_speed') inside = true;
      });
      assert.ok(inside, `${c.name}: REGISTER_MODEL is not inside namespace atb_speed`);
      for (const f of r.files.filter((x) => x.rel.endsWith('.h'))) {
        const guard = /#ifndef (\w+)/.exec(f.contents)![1];
        const owner = guards.get(guard);
        assert.ok(!owner || owner === `${plan.ns}/${f.rel}`, `${c.name}: guard ${guard} reused`);
        guards.set(guard, `${plan.ns}/${f.rel}`);
      }
      const hasLayer = r.files.some((f) => f.rel.includes('/layer/'));
      assert.strictEqual(hasLayer, c.spec!.quirks.some((q) => q.id === 'rope-2d'), `${c.name}: layer files only for what DecoderLayer cannot express`);
      const names = r.files.map((f) => f.rel.split('/').pop());
      const mt = plan.modelType;
      for (const n of [`flash_causal_${mt}.py`, `modeling_${mt}.py`, `config_${mt}.py`, `router_${mt}.py`, '__init__.py']) assert.ok(names.includes(n), `${c.name}: ${n}`);
      assert.ok(!names.includes('run.py'), 'examples/run_pa.py is the runner; no run.py');
      // A position bound exactly when a quirk needs one; the row map exactly for a KV-grouped qkv.
      const flash = r.files.find((f) => f.rel.endsWith(`flash_causal_${mt}.py`))!.contents;
      const bounded = c.spec!.quirks.some((q) => q.id === 'sliding-window' || q.id === 'rope-scaling-dynamic' || q.id === 'logn-attn');
      assert.strictEqual(flash.includes('raise ValueError(\n                f"{CPP_MODEL_NAME} is exact up to {MAX_EXACT_POSITIONS} positions'), bounded, `${c.name}: position bound`);
      const grouped = c.spec!.quirks.some((q) => q.id === 'grouped-qkv');
      assert.strictEqual(names.includes('grouped_qkv.py'), grouped, `${c.name}: grouped_qkv.py`);
      assert.strictEqual(r.files.find((f) => f.rel.endsWith(`modeling_${mt}.py`))!.contents.includes('def load_qkv_weights'), grouped);
      assert.ok(r.nextSteps.length === 3);
    }
  });

  for (const name of SNAPSHOT_CASES) {
    it(`snapshot: ${name}`, function () {
      const c = cases.find((x) => x.name === name);
      if (!c) return this.skip();
      const r = c.results['v3.0.0']!;
      for (const f of r.files) {
        const snap = path.join(SNAPSHOTS, name, f.rel);
        const contents = f.contents.replace(/^(# Source: )[^\n]*/m, '$1<source>');
        if (process.env.UPDATE_SNAPSHOTS) {
          fs.mkdirSync(path.dirname(snap), { recursive: true });
          fs.writeFileSync(snap, contents);
        }
        assert.strictEqual(contents, fs.readFileSync(snap, 'utf8'), `${name}/${f.rel} differs from its snapshot`);
      }
    });
  }
});

/** A FileReader over generated files (the reader sees exactly what would be written). */
function memoryReader(files: { path: string; contents: string }[]) {
  const byPath = new Map(files.map((f) => [f.path, f.contents]));
  return {
    readText: async (p: string) => byPath.get(p),
    readBytes: async () => undefined,
    size: async (p: string) => (byPath.has(p) ? Buffer.byteLength(byPath.get(p)!) : undefined),
    list: async () => undefined,
  };
}
