/**
 * Layers built on model-local graph ops (issue 8: llama_parallel's encoder/fusion layers, deepseek
 * dense's layer without experts): the op's own .cpp, found through the layer's #include, decides
 * what is inlined; RowParallel LinearParallel nodes become a Linear + AllReduce; a layer that wires
 * another header's enum gets its own copy; mixture-of-experts ops are refused with their own reason.
 * Expectations are written by hand from the fixtures and checked with tree-sitter directly.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { FileReader } from '../../src/core/common';
import { formatMessage } from '../../src/core/i18n';
import '../../src/core/messages';
import { quantizeLayer, quantizePaths, readIncludedSources, type QuantizeOutcome, type QuantMode } from '../../src/core/quantize';
import type { Node, Syntax } from '../../src/core/syntax';
import { nodeFileReader } from '../../src/node/fileReader';
import { nodeSyntax } from '../../src/node/syntax';
import { constant, enumEntries, fieldAssignments, FIXTURES, identifierCount, inputLists, parse, structFields, syntaxErrors } from '../compile/layer-fixtures';

const MODES: QuantMode[] = ['w8a8', 'w8a8sc'];

function ok(outcome: QuantizeOutcome | undefined): Extract<QuantizeOutcome, { ok: true }> {
  if (!outcome) assert.fail('no outcome');
  if (!outcome.ok) assert.fail(`refused: ${outcome.refusal.code} ${formatMessage(outcome.refusal.message)}`);
  return outcome;
}

function refused(outcome: QuantizeOutcome | undefined): Extract<QuantizeOutcome, { ok: false }> {
  if (!outcome) assert.fail('no outcome');
  if (outcome.ok) assert.fail('converted, expected a refusal');
  return outcome;
}

/** New inputs per quantized linear: deqscale, bias, sparse index. */
function added(mode: QuantMode, weights: string[]): string[] {
  return weights.flatMap((w) => [w + '_DEQSCALE', w + '_BIAS', ...(mode === 'w8a8sc' ? [w + '_INDEX'] : [])]);
}

/** Every `<node>.outTensorIds = {...}` list, by node variable. */
function outputLists(syntax: Syntax, text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const visit = (n: Node) => {
    if (n.type === 'assignment_expression') {
      const m = /^(\w+)\.outTensorIds$/.exec(n.childForFieldName('left')!.text.replace(/\s+/g, ''));
      const right = n.childForFieldName('right');
      if (m && right?.type === 'initializer_list') out.set(m[1], right.namedChildren.filter((c) => c && c.type !== 'comment').map((c) => c!.text));
    }
    for (const c of n.children) if (c) visit(c);
  };
  visit(parse(syntax, text));
  return out;
}

/** Node variables in the order their `atb::Node &x = opGraph.nodes.at(nodeId++)` references appear (graph order). */
function nodeOrder(text: string): string[] {
  return [...text.matchAll(/atb::Node &(\w+) = opGraph\.nodes\.at\(nodeId\+\+\);/g)].map((m) => m[1]);
}

/**
 * The graph is well formed in node order: every tensor is written once, and each node reads only
 * layer inputs or tensors an earlier node wrote. Returns the problems found.
 */
function graphProblems(syntax: Syntax, text: string): string[] {
  const ins = inputLists(syntax, text);
  const outs = outputLists(syntax, text);
  const entries = enumEntries(syntax, text);
  const written = new Set(entries.filter((e) => e.startsWith('IN_')));
  const problems: string[] = [];
  for (const n of nodeOrder(text)) {
    for (const t of ins.get(n)?.[0] ?? []) if (!written.has(t)) problems.push(`${n} reads ${t} before it is written`);
    for (const t of outs.get(n) ?? []) {
      if (written.has(t)) problems.push(`${t} written twice (${n})`);
      written.add(t);
    }
  }
  return problems;
}

/** An in-memory FileReader over `{path: text}`. */
function memoryReader(files: Record<string, string>): FileReader & { reads: string[] } {
  const reads: string[] = [];
  const dirs = (p: string) => Object.keys(files).filter((f) => f.startsWith(p.endsWith('/') ? p : p + '/'));
  return {
    reads,
    async readText(p) {
      reads.push(p);
      return files[p];
    },
    async readBytes(p, offset, length) {
      const t = files[p];
      return t === undefined ? undefined : new TextEncoder().encode(t).slice(offset, offset + length);
    },
    async size(p) {
      return files[p] === undefined ? undefined : files[p].length;
    },
    async list(p) {
      const under = dirs(p);
      if (!under.length) return undefined;
      const names = new Map<string, boolean>();
      for (const f of under) {
        const rest = f.slice(p.replace(/\/$/, '').length + 1);
        names.set(rest.split('/')[0], rest.includes('/'));
      }
      return [...names].map(([name, isDirectory]) => ({ name, isDirectory }));
    },
  };
}

function fixtureFiles(caseName: string, root: string): Record<string, string> {
  const dir = path.join(FIXTURES, caseName);
  const out: Record<string, string> = {};
  for (const rel of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const full = path.join(dir, rel);
    if (fs.statSync(full).isFile()) out[`${root}/${rel.split(path.sep).join('/')}`] = fs.readFileSync(full, 'utf8');
  }
  return out;
}

describe('quantize: model-local packed ops, LinearParallel nodes, borrowed enums, MoE refusals', function () {
  let syntax: Syntax;
  before(async () => {
    syntax = await nodeSyntax();
  });
  const convert = async (caseName: string, mode: QuantMode) => {
    const cppPath = fs.readdirSync(path.join(FIXTURES, caseName)).find((f) => f.endsWith('.cpp'))!;
    const { results } = await quantizePaths(syntax, nodeFileReader, [path.join(FIXTURES, caseName, cppPath)], mode);
    return results[0]?.outcome;
  };

  describe('llama_parallel-like layer: packed QKV op, packed SwiGLU op, LinearParallel o_proj and down (local-ops)', () => {
    for (const mode of MODES) {
      it(`${mode}: ops inlined from their own source, linears quantized, counts and enum follow`, async () => {
        const r = ok(await convert('local-ops', mode));
        const cpp = r.files[0].contents;
        const sparse = mode === 'w8a8sc';
        assert.deepStrictEqual(syntaxErrors(syntax, cpp), []);
        // QKV and gate-up read the int8 norm outputs; o_proj and down quantize their own input.
        const expected = [...added(mode, ['IN_QKV_PACKED_WEIGHT', 'IN_GATE_UP_PACKED_WEIGHT', 'IN_ATTN_OUT_WEIGHT', 'IN_FFN_DOWN_WEIGHT']), 'IN_BETA', 'IN_HOLDER'];
        assert.deepStrictEqual(r.report.addedTensors, expected);
        assert.strictEqual(constant(syntax, cpp, 'IN_TENSOR_COUNT'), 8 + expected.length);
        // + Split (QKV), + AllReduce (o_proj), + Split/Swish/Mul (MLP), + AllReduce (down).
        assert.strictEqual(constant(syntax, cpp, 'NODE_COUNT'), 9 + 6);
        assert.strictEqual(constant(syntax, cpp, 'INTERMEDIATE_TENSOR_COUNT'), 10 + 7);
        assert.strictEqual(nodeOrder(cpp).length, 15);
        const entries = enumEntries(syntax, cpp);
        assert.strictEqual(entries.filter((e) => e.startsWith('INTERMIDATE_')).length, 17);
        const before = (a: string, b: string) => assert.strictEqual(entries.indexOf(a) + 1, entries.indexOf(b), `${a} right before ${b}`);
        before('INTERMIDATE_QKVPACK_PACKED_PRODUCT', 'INTERMIDATE_Q');
        before('INTERMIDATE_ATTN_OUT_PARTIAL', 'INTERMIDATE_ATTN_OUT');
        before('INTERMIDATE_FFNPACK_GATE_SWISH', 'INTERMIDATE_FFN_ACT');
        before('INTERMIDATE_FFN_OUT_PARTIAL', 'INTERMIDATE_FFN_OUT');
        assert.deepStrictEqual(nodeOrder(cpp), [
          'attnNormNode', 'qkvPackNode', 'qkvPackSplitNode', 'attnNode', 'attnOutNode', 'attnOutAllReduceNode', 'attnResidualNode',
          'ffnNormNode', 'ffnPackNode', 'ffnPackHalvesNode', 'ffnPackSwishNode', 'ffnPackProductNode', 'ffnDownNode', 'ffnDownAllReduceNode', 'ffnResidualNode',
        ]);
        assert.deepStrictEqual(graphProblems(syntax, cpp), []);

        const ins = inputLists(syntax, cpp);
        const outs = outputLists(syntax, cpp);
        const index = sparse ? ['_INDEX'] : [];
        assert.deepStrictEqual(ins.get('attnNormNode'), [['IN_HIDDEN', 'IN_ATTN_NORM_WEIGHT', 'IN_BETA']]);
        assert.deepStrictEqual(ins.get('qkvPackNode'), [['INTERMIDATE_ATTN_NORM_OUT', 'IN_QKV_PACKED_WEIGHT', 'IN_QKV_PACKED_WEIGHT_BIAS', 'IN_QKV_PACKED_WEIGHT_DEQSCALE', ...index.map((s) => 'IN_QKV_PACKED_WEIGHT' + s)]]);
        assert.deepStrictEqual(outs.get('qkvPackNode'), ['INTERMIDATE_QKVPACK_PACKED_PRODUCT']);
        assert.deepStrictEqual(ins.get('qkvPackSplitNode'), [['INTERMIDATE_QKVPACK_PACKED_PRODUCT']]);
        assert.deepStrictEqual(outs.get('qkvPackSplitNode'), ['INTERMIDATE_Q', 'INTERMIDATE_K', 'INTERMIDATE_V']);
        assert.ok(cpp.includes('atb::infer::SplitParam qkvPackSplitParam = {2, 3};'));
        // The gate is the first half: swish reads the split's first output, the product the second.
        assert.deepStrictEqual(outs.get('ffnPackHalvesNode'), ['INTERMIDATE_FFNPACK_GATE', 'INTERMIDATE_FFNPACK_UP']);
        assert.deepStrictEqual(ins.get('ffnPackSwishNode'), [['INTERMIDATE_FFNPACK_GATE']]);
        assert.deepStrictEqual(ins.get('ffnPackProductNode'), [['INTERMIDATE_FFNPACK_GATE_SWISH', 'INTERMIDATE_FFNPACK_UP']]);
        assert.deepStrictEqual(outs.get('ffnPackProductNode'), ['INTERMIDATE_FFN_ACT']);
        assert.strictEqual(fieldAssignments(syntax, cpp, 'ffnPackSwishParam').get('activationType'), 'atb::infer::ActivationType::ACTIVATION_SWISH');
        assert.strictEqual(fieldAssignments(syntax, cpp, 'ffnPackProductParam').get('elewiseType'), 'atb::infer::ElewiseParam::ElewiseType::ELEWISE_MUL');
        for (const p of ['qkvPackProductParam', 'ffnPackGateUpParam']) {
          if (sparse) assert.ok(cpp.includes(`atb::infer::LinearSparseParam ${p} = {false, true, 8, 8};`), p);
          else {
            const f = fieldAssignments(syntax, cpp, p);
            assert.strictEqual(f.get('linearType'), 'atb::infer::LinearType::LINEAR_INT8INT8_INT32_FP16', p);
            assert.strictEqual(f.get('hasBias'), 'true', p);
            assert.strictEqual(f.get('transposeB'), 'true', `${p}: int8 weights are stored transposed`);
          }
        }
        // LinearParallel -> RowParallelLinearV2 (own quant op, no communication inside) + AllReduce with the same fields.
        for (const [node, stem] of [['attnOut', 'oProj'], ['ffnDown', 'downProj']]) {
          const row = ins.get(`${node}Node`)![0];
          assert.strictEqual(row.length, 7, node);
          const w = node === 'attnOut' ? 'IN_ATTN_OUT_WEIGHT' : 'IN_FFN_DOWN_WEIGHT';
          assert.deepStrictEqual(row.slice(1, 5), [w, w + '_BIAS', w + '_DEQSCALE', sparse ? w + '_INDEX' : 'IN_HOLDER']);
          const v2 = fieldAssignments(syntax, cpp, `${node}ParamV2`);
          assert.strictEqual(v2.get('isQuant'), 'true');
          assert.strictEqual(v2.get('quantParam.isQuantOp'), 'true');
          assert.strictEqual(v2.get('quantParam.inputScale'), `param.${stem}InputScale`);
          assert.ok(![...v2.keys()].some((k) => k.startsWith('commParam')), 'the all-reduce stays its own node');
          const reduce = fieldAssignments(syntax, cpp, `${node}AllReduceParam`);
          assert.deepStrictEqual([...reduce], [['rank', 'param.rank'], ['rankSize', 'param.rankSize'], ['rankRoot', '0'], ['backend', '"hccl"']]);
          assert.deepStrictEqual(outs.get(`${node}AllReduceNode`), [node === 'attnOut' ? 'INTERMIDATE_ATTN_OUT' : 'INTERMIDATE_FFN_OUT']);
        }
        for (const gone of ['CreateQkvPackOperation', 'CreateSwigluPackOperation', 'LinearParallelParam', 'qkvPackParam', 'ffnPackParam', 'attnOutParam', 'ffnDownParam']) {
          assert.strictEqual(identifierCount(syntax, cpp, gone), 0, gone);
        }
        // Untouched nodes keep their bytes (the attention reshape, the residual adds).
        const original = fs.readFileSync(path.join(FIXTURES, 'local-ops', 'demo_parallel_layer.cpp'), 'utf8');
        const block = original.slice(original.indexOf('    atb::infer::SelfAttentionParam attnParam;'), original.indexOf('    atb::infer::LinearParallelParam attnOutParam;'));
        assert.ok(cpp.includes(block));
        assert.ok(structFields(syntax, r.files[1].contents, `${sparse ? 'SparseQuant' : 'Quant'}ParallelLayerParam`).includes('downProjInputOffset'));
      });
    }

    it('folder mode: the layer converts, the op files next to it are skipped as the layer\'s building blocks', async () => {
      const dir = path.join(FIXTURES, 'local-ops');
      const { results, skipped } = await quantizePaths(syntax, nodeFileReader, [dir], 'w8a8');
      assert.deepStrictEqual(results.map((x) => [path.basename(x.input), x.outcome.ok]), [['demo_parallel_layer.cpp', true]]);
      assert.deepStrictEqual(
        skipped.map((x) => [path.basename(x.path), x.reason.code, x.reason.args?.user]),
        [
          ['demo_qkv_pack.cpp', 'quantize.local-op.skip-op', 'demo_parallel_layer.cpp'],
          ['demo_swiglu_pack.cpp', 'quantize.local-op.skip-op', 'demo_parallel_layer.cpp'],
        ],
      );
      // Before this, the same folder refused both op files as layers with an unsupported MatmulParam node.
      const alone = await quantizePaths(syntax, nodeFileReader, [path.join(dir, 'demo_qkv_pack.cpp')], 'w8a8');
      assert.strictEqual(refused(alone.results[0].outcome).refusal.code, 'quantize.unsupported-node');
    });

    it('converting the output again is refused as already quantized', async () => {
      const r = ok(await convert('local-ops', 'w8a8'));
      const again = quantizeLayer(syntax, { cppPath: r.files[0].path, cppText: r.files[0].contents, headerPath: r.files[1].path, headerText: r.files[1].contents }, 'w8a8');
      assert.strictEqual(refused(again).refusal.code, 'quantize.already-quantized');
    });
  });

  describe('deepseek-dense-like layer without experts: enum of the expert layer\'s header, ops in ops/ (borrowed-enum)', () => {
    for (const mode of MODES) {
      it(`${mode}: the enum is copied into the layer, the include dropped, the ops inlined`, async () => {
        const r = ok(await convert('borrowed-enum', mode));
        const cpp = r.files[0].contents;
        const P = mode === 'w8a8' ? 'Quant' : 'SparseQuant';
        assert.deepStrictEqual(syntaxErrors(syntax, cpp), []);
        assert.ok(!cpp.includes('#include "demo_expert_layer.h"'), 'its enum would clash with the copy');
        assert.ok(cpp.includes(`enum ${P}ExpertLayerTensorId {`));
        const expected = [...added(mode, ['IN_QKV_PACKED_WEIGHT', 'IN_SHARED_GATE_UP_WEIGHT', 'IN_ATTN_OUT_WEIGHT', 'IN_SHARED_DOWN_WEIGHT']), 'IN_BETA', 'IN_HOLDER'];
        assert.deepStrictEqual(r.report.addedTensors, expected);
        assert.strictEqual(constant(syntax, cpp, 'IN_TENSOR_COUNT'), 11 + expected.length);
        assert.strictEqual(constant(syntax, cpp, 'NODE_COUNT'), 9 + 6);
        assert.strictEqual(constant(syntax, cpp, 'INTERMEDIATE_TENSOR_COUNT'), 10 + 7);
        const entries = enumEntries(syntax, cpp);
        assert.strictEqual(entries.filter((e) => e.startsWith('IN_')).length, 11 + expected.length);
        // The expert layer's trailing intermediate, past this layer's count, is left out of the copy;
        // its unused expert inputs stay (the model passes inputs by position).
        const inter = entries.filter((e) => e.startsWith('INTERMIDATE_'));
        assert.ok(!inter.includes('INTERMIDATE_ROUTED_OUT'));
        assert.strictEqual(inter.length, 17);
        assert.ok(entries.includes('IN_EXPERT_GATE_UP_WEIGHT_1'));
        assert.deepStrictEqual(graphProblems(syntax, cpp), []);
        const ins = inputLists(syntax, cpp);
        const outs = outputLists(syntax, cpp);
        // The op's own down projection becomes the row helper; the layer's all-reduce follows it unchanged.
        assert.deepStrictEqual(ins.get('sharedFfnDownNode')![0].slice(0, 4), ['INTERMIDATE_SHAREDFFN_GATED', 'IN_SHARED_DOWN_WEIGHT', 'IN_SHARED_DOWN_WEIGHT_BIAS', 'IN_SHARED_DOWN_WEIGHT_DEQSCALE']);
        assert.deepStrictEqual(outs.get('sharedFfnDownNode'), ['INTERMIDATE_SHARED_OUT']);
        assert.deepStrictEqual(ins.get('sharedReduceNode'), [['INTERMIDATE_SHARED_OUT']]);
        assert.strictEqual(fieldAssignments(syntax, cpp, 'sharedFfnDownParamV2').get('quantParam.inputScale'), 'param.downProjInputScale');
        const reduce = fieldAssignments(syntax, cpp, 'attnOutAllReduceParam');
        assert.strictEqual(reduce.get('rankTableFile'), 'param.rankTableFile');
        assert.strictEqual(reduce.get('backend'), 'param.backend');
        // The op param's fields the op never reads go with it, comments on their lines too.
        assert.ok(!cpp.includes('not read by the op'));
        assert.ok(cpp.includes('    if (qkvNode.operation == nullptr) {'), 'statements around the node stay');
      });
    }
  });

  describe('refusals name the obstacle, write nothing, and point at the user\'s own line', () => {
    const root = '/m/models';
    const layer = `${root}/demo/layer/demo_parallel_layer.cpp`;
    const files = () => {
      const f = fixtureFiles('local-ops', `${root}/demo/layer`);
      return f;
    };
    const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle));

    it('op source missing (single file, no sibling op files): source-missing naming the include', async () => {
      const f = files();
      delete f[`${root}/demo/layer/demo_qkv_pack.h`];
      delete f[`${root}/demo/layer/demo_qkv_pack.cpp`];
      const { results } = await quantizePaths(syntax, memoryReader(f), [layer], 'w8a8');
      const r = refused(results[0].outcome);
      assert.strictEqual(r.refusal.code, 'quantize.local-op.source-missing');
      assert.ok(formatMessage(r.refusal.message).includes('demo_qkv_pack.h'));
      assert.ok(/[\u4e00-\u9fff]/.test(formatMessage(r.refusal.message, 'zh-cn')));
      assert.strictEqual(r.refusal.range?.start.line, lineOf(f[layer], 'CreateQkvPackOperation(qkvPackParam'));
    });

    it('the op header found but not its .cpp: source-missing naming the .cpp', async () => {
      const f = files();
      delete f[`${root}/demo/layer/demo_swiglu_pack.cpp`];
      const r = refused((await quantizePaths(syntax, memoryReader(f), [layer], 'w8a8')).results[0].outcome);
      assert.strictEqual(r.refusal.code, 'quantize.local-op.source-missing');
      assert.ok(formatMessage(r.refusal.message).includes('demo_swiglu_pack.cpp'));
    });

    it('an op of another shape (GELU instead of SWISH): unknown-shape with what it found', async () => {
      const f = files();
      f[`${root}/demo/layer/demo_swiglu_pack.cpp`] = f[`${root}/demo/layer/demo_swiglu_pack.cpp`].replace('ACTIVATION_SWISH', 'ACTIVATION_GELU');
      const r = refused((await quantizePaths(syntax, memoryReader(f), [layer], 'w8a8')).results[0].outcome);
      assert.strictEqual(r.refusal.code, 'quantize.local-op.unknown-shape');
      assert.ok(formatMessage(r.refusal.message).includes('act[ACTIVATION_GELU]'));
      assert.ok(formatMessage(r.refusal.message).includes('demo_swiglu_pack.cpp'));
    });

    it('an op reshaping a second input is not a known shape', async () => {
      const f = files();
      const op = `${root}/demo/layer/demo_qkv_pack.cpp`;
      f[op] = f[op].replace('productNode.inTensorReshapeFuncs[0] =', 'productNode.inTensorReshapeFuncs[1] =');
      const r = refused((await quantizePaths(syntax, memoryReader(f), [layer], 'w8a8')).results[0].outcome);
      assert.strictEqual(r.refusal.code, 'quantize.local-op.unknown-shape');
      assert.ok(formatMessage(r.refusal.message).includes('matmul~1flat(in0,in1)'));
    });

    it('an op whose reshape moves data between dims (not a flatten/unflatten pair) is not a known shape', async () => {
      const f = files();
      const op = `${root}/demo/layer/demo_qkv_pack.cpp`;
      f[op] = f[op].replace('        newShape.dims[0] = 1;\n        newShape.dims[1] = oldShape.dims[0];', '        newShape.dims[0] = oldShape.dims[0];\n        newShape.dims[1] = 1;');
      const r = refused((await quantizePaths(syntax, memoryReader(f), [layer], 'w8a8')).results[0].outcome);
      assert.strictEqual(r.refusal.code, 'quantize.local-op.unknown-shape');
      assert.ok(formatMessage(r.refusal.message).includes('split[2,3]~?(t0)'), formatMessage(r.refusal.message));
    });

    it('a mixture-of-experts op: moe, before anything else is looked at', async () => {
      const f = files();
      f[layer] = f[layer].replace('CreateSwigluPackOperation(ffnPackParam', 'CreateDemoMoeOperation(ffnPackParam');
      const r = refused((await quantizePaths(syntax, memoryReader(f), [layer], 'w8a8')).results[0].outcome);
      assert.strictEqual(r.refusal.code, 'quantize.local-op.moe');
      assert.ok(formatMessage(r.refusal.message).includes('CreateDemoMoeOperation'));
      assert.ok(formatMessage(r.refusal.message).includes('decoder_layer.cpp'), 'says what the user can do');
      assert.strictEqual(r.refusal.range?.start.line, lineOf(f[layer], 'CreateDemoMoeOperation('));
    });

    it('a LinearParallel that is not RowParallel without bias: linear-parallel on that field', async () => {
      for (const [from, to, field] of [
        ['attnOutParam.bias = "None";', 'attnOutParam.bias = "Bias";', 'bias'],
        ['ffnDownParam.parallelType = "RowParallel";', 'ffnDownParam.parallelType = "ColumnParallel";', 'parallelType'],
        ['ffnDownParam.rankRoot = 0;', 'ffnDownParam.rankRoot = 0;\n    ffnDownParam.transA = true;', 'transA'],
      ]) {
        const f = files();
        f[layer] = f[layer].replace(from, to);
        const r = refused((await quantizePaths(syntax, memoryReader(f), [layer], 'w8a8')).results[0].outcome);
        assert.strictEqual(r.refusal.code, 'quantize.local-op.linear-parallel', field);
        assert.ok(formatMessage(r.refusal.message).includes(field));
        assert.strictEqual(r.refusal.range?.start.line, lineOf(f[layer], to.split('\n').pop()!.trim()), field);
      }
    });

    it('two LinearParallel nodes sharing one param: shared-param (the lowering gives each node its own)', async () => {
      const f = files();
      f[layer] = f[layer].replace('CreateOperation(ffnDownParam, &ffnDownNode.operation);', 'CreateOperation(attnOutParam, &ffnDownNode.operation);');
      const r = refused((await quantizePaths(syntax, memoryReader(f), [layer], 'w8a8')).results[0].outcome);
      assert.strictEqual(r.refusal.code, 'quantize.shared-param');
      assert.strictEqual(r.refusal.range?.start.line, lineOf(f[layer], 'CreateOperation(attnOutParam, &ffnDownNode.operation);'));
    });

    it('a refusal found after lowering points at the original line, not the lowered one', async () => {
      const f = files();
      // The post-attention norm created twice: found by the rewrite, below lines the lowering inserted.
      const create = '    CreateOperation(ffnNormParam, &ffnNormNode.operation);';
      f[layer] = f[layer].replace(create, `${create}\n    if (param.rankSize > 1) {\n        CreateOperation(ffnNormParam, &ffnNormNode.operation);\n    }`);
      const r = refused((await quantizePaths(syntax, memoryReader(f), [layer], 'w8a8')).results[0].outcome);
      assert.strictEqual(r.refusal.code, 'quantize.ambiguous-node');
      assert.ok(formatMessage(r.refusal.message).includes('ffnNormNode'));
      assert.strictEqual(r.refusal.range?.start.line, lineOf(f[layer], '        CreateOperation(ffnNormParam'));
    });

    it('style reasons keep precedence: ops on quantized weights, new-style markers, quant branches', async () => {
      for (const [from, to, code] of [
        ['CreateQkvPackOperation(qkvPackParam', 'CreateQkvPackW8A16Operation(qkvPackParam', 'quantize.already-quantized'],
        ['    qkvPackParam.transpose = param.transpose;', '    qkvPackParam.transpose = param.packQuantType > 0;', 'quantize.new-style'],
        ['    opGraph.inferShapeFunc', '    if (param.quantModel) {\n        opGraph.name = "q";\n    }\n    opGraph.inferShapeFunc', 'quantize.mixed-branches'],
      ]) {
        const f = files();
        f[layer] = f[layer].replace(from, to);
        const r = refused((await quantizePaths(syntax, memoryReader(f), [layer], 'w8a8')).results[0].outcome);
        assert.strictEqual(r.refusal.code, code, to);
      }
    });

    it('an include with a path from the models folder is found above the layer (deepseek/16b_dense/operation/...)', async () => {
      const f: Record<string, string> = {};
      for (const [p, t] of Object.entries(files())) {
        f[/demo_(qkv|swiglu)_pack/.test(p) ? p.replace('/demo/layer/', '/demo/operation/') : p] = t;
      }
      f[layer] = f[layer].replace('#include "demo_qkv_pack.h"', '#include "demo/operation/demo_qkv_pack.h"').replace('#include "demo_swiglu_pack.h"', '#include "demo/operation/demo_swiglu_pack.h"');
      const reader = memoryReader(f);
      const r = ok((await quantizePaths(syntax, reader, [layer], 'w8a8sc')).results[0].outcome);
      assert.strictEqual(constant(syntax, r.files[0].contents, 'NODE_COUNT'), 15);
      assert.ok(reader.reads.includes(`${root}/demo/operation/demo_qkv_pack.cpp`));
    });

    it('broken input never throws: truncated layer and op files, byte flips in the ops', async () => {
      let seed = 20260302;
      const random = () => {
        seed = (seed + 0x6d2b79f5) | 0;
        let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
      const variants: [string, Record<string, string>, string][] = [];
      const mutate = (base: Record<string, string>, target: string, targets: string[]) => {
        for (const file of targets) {
          for (let i = 1; i <= 15; i++) variants.push([`${file} cut ${i}`, { ...base, [file]: base[file].slice(0, Math.floor((base[file].length * i) / 16)) }, target]);
          for (let i = 0; i < 10; i++) {
            const bytes = Buffer.from(base[file], 'utf8');
            for (let k = 0; k < 3; k++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
            variants.push([`${file} flip ${i}`, { ...base, [file]: bytes.toString('utf8') }, target]);
          }
        }
      };
      const dense = fixtureFiles('borrowed-enum', `${root}/dense/layer`);
      const denseLayer = `${root}/dense/layer/demo_dense_layer.cpp`;
      mutate(dense, denseLayer, [denseLayer, `${root}/dense/layer/demo_expert_layer.h`, `${root}/dense/layer/ops/demo_dense_ffn.cpp`]);
      const base = files();
      for (const file of [layer, `${root}/demo/layer/demo_qkv_pack.cpp`, `${root}/demo/layer/demo_swiglu_pack.cpp`, `${root}/demo/layer/demo_swiglu_pack.h`]) {
        mutate(base, layer, [file]);
      }
      const codes = new Set<string>();
      for (const [what, f, target] of variants) {
        const { results } = await quantizePaths(syntax, memoryReader(f), [target], 'w8a8sc');
        const o = results[0].outcome;
        if (o.ok) {
          for (const out of o.files) assert.deepStrictEqual(syntaxErrors(syntax, out.contents), [], `${what}: output parses`);
          continue;
        }
        codes.add(o.refusal.code);
        assert.notStrictEqual(o.refusal.code, 'quantize.internal', `${what}: ${formatMessage(o.refusal.message)}`);
        assert.notStrictEqual(formatMessage(o.refusal.message, 'en'), o.refusal.code, `${what}: English text`);
        assert.notStrictEqual(formatMessage(o.refusal.message, 'zh-cn'), o.refusal.code, `${what}: Chinese text`);
      }
      assert.ok(codes.has('quantize.local-op.unknown-shape') && codes.has('quantize.syntax-error'), [...codes].join());
    });

    it('a CRLF layer stays CRLF, inlined lines included (op files with LF)', async () => {
      const f = files();
      f[layer] = f[layer].replace(/\n/g, '\r\n');
      f[layer.replace(/\.cpp$/, '.h')] = f[layer.replace(/\.cpp$/, '.h')].replace(/\n/g, '\r\n');
      const r = ok((await quantizePaths(syntax, memoryReader(f), [layer], 'w8a8')).results[0].outcome);
      for (const out of r.files) assert.strictEqual((out.contents.match(/(?<!\r)\n/g) ?? []).length, 0, out.path);
      assert.ok(r.files[0].contents.includes('qkvPackSplitNode.outTensorIds = {INTERMIDATE_Q, INTERMIDATE_K, INTERMIDATE_V};\r\n'));
    });

    it('a borrowed enum that does not match the layer\'s counts (a header of another commit) is refused', async () => {
      const f = fixtureFiles('borrowed-enum', `${root}/dense/layer`);
      const header = `${root}/dense/layer/demo_expert_layer.h`;
      f[header] = f[header].replace('    IN_ROUTER_WEIGHT,\n', '    IN_ROUTER_WEIGHT,\n    IN_ROUTER_BIAS,\n');
      const cpp = `${root}/dense/layer/demo_dense_layer.cpp`;
      const r = refused((await quantizePaths(syntax, memoryReader(f), [cpp], 'w8a8')).results[0].outcome);
      assert.strictEqual(r.refusal.code, 'quantize.local-op.enum-counts');
      assert.ok(/IN_TENSOR_COUNT is 11 where that enum has 12/.test(formatMessage(r.refusal.message)), formatMessage(r.refusal.message));
      assert.strictEqual(r.refusal.range?.start.line, lineOf(f[cpp], 'IN_TENSOR_COUNT = 11'));
    });

    it('layers without model-local op calls read no other file', async () => {
      const dir = path.join(FIXTURES, 'packed-rope');
      const cpp = fs.readdirSync(dir).find((x) => x.endsWith('.cpp'))!;
      const reader = memoryReader({});
      const text = fs.readFileSync(path.join(dir, cpp), 'utf8');
      assert.deepStrictEqual(await readIncludedSources(reader, path.join(dir, cpp), text, path.join(dir, cpp.replace(/\.cpp$/, '.h'))), []);
      assert.deepStrictEqual(reader.reads, []);
    });
  });
});
