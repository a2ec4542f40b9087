import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parseDocument } from 'yaml';
import { declareSupported, loadCatalog, MATCH_KEYS } from '../../src/core/catalog';
import type { OpUse } from '../../src/core/analysis';
import { formatMessage } from '../../src/core/i18n';
import { readBuiltinCatalog } from '../../src/node/catalogFile';
import '../../src/core/messages';

const builtin = readBuiltinCatalog().text;

function use(overrides: Partial<OpUse>): OpUse {
  return {
    id: 'x',
    name: 'torch.fft.rfft',
    kind: 'function',
    verdict: 'unsupported',
    reason: { code: 'analysis.reason.unknown' },
    range: { start: { line: 3, character: 4 }, end: { line: 3, character: 20 } },
    owner: 'M.forward',
    ...overrides,
  };
}

describe('catalog: the built-in operator catalogue', () => {
  const { catalog, problems } = loadCatalog(builtin);

  it('loads without problems and every entry has a bilingual note and a match key', () => {
    assert.deepStrictEqual(problems, []);
    assert.ok(catalog.entries.length >= 60, `only ${catalog.entries.length} entries`);
    for (const entry of catalog.entries) {
      assert.ok(entry.note.en.length > 10 && /[\u4e00-\u9fff]/.test(entry.note['zh-cn']), entry.id);
      assert.ok(MATCH_KEYS.some((k) => (entry[k] ?? []).length > 0), `${entry.id} matches nothing`);
      // Host work happens outside the graph: it may name the op it feeds (Rope) but need not.
      if (entry.verdict !== 'unsupported' && entry.verdict !== 'view' && entry.verdict !== 'host') assert.ok(entry.atbOp, `${entry.id} names no ATB op`);
    }
  });

  it('maps the ops the spec names onto the ATB operations', () => {
    const expect = (key: Parameters<typeof catalog.lookup>[0], name: string, verdict: string, atbOp?: string, argCount?: number) => {
      const entry = catalog.lookup(key, name, argCount);
      assert.ok(entry, `${key} ${name} not found`);
      assert.strictEqual(entry.verdict, verdict, `${name} verdict`);
      if (atbOp) assert.strictEqual(entry.atbOp, atbOp, `${name} atbOp`);
    };
    expect('modules', 'Linear', 'native', 'Linear');
    expect('modules', 'Embedding', 'native', 'Gather');
    expect('modules', 'LayerNorm', 'native', 'LayerNorm');
    expect('modules', 'SiLU', 'native', 'Activation');
    expect('modules', 'Conv1d', 'unsupported');
    expect('classes', 'LlamaRMSNorm', 'native', 'RmsNorm');
    expect('classes', 'Qwen2RotaryEmbedding', 'host', 'Rope');
    expect('act2fn', 'silu', 'native', 'Activation');
    expect('act2fn', 'gelu_pytorch_tanh', 'native', 'Activation');
    expect('functions', 'torch.matmul', 'native', 'Linear');
    expect('functions', 'F.softmax', 'native', 'Softmax');
    expect('functions', 'F.scaled_dot_product_attention', 'native', 'SelfAttention');
    expect('functions', 'torch.cat', 'native', 'Concat');
    expect('functions', 'torch.topk', 'native', 'Sort');
    expect('functions', 'F.one_hot', 'native', 'Onehot');
    expect('functions', 'torch.where', 'native', 'Where', 3);
    expect('functions', 'torch.where', 'native', 'Nonzero', 1);
    expect('functions', 'torch.fft.rfft2', 'unsupported');
    expect('functions', 'F.conv1d', 'unsupported');
    expect('functions', 'torch.compile', 'unsupported');
    expect('methods', 'view', 'view');
    expect('methods', 'transpose', 'native', 'Transpose');
    expect('methods', 'to', 'native', 'Elewise');
    expect('methods', 'repeat', 'native', 'Repeat');
    expect('operators', '+', 'native', 'Elewise');
    expect('operators', '@', 'native', 'Linear');
    expect('operators', 'slice', 'native', 'Slice');
    expect('helpers', 'rotate_half', 'fused', 'Rope');
    expect('helpers', 'repeat_kv', 'fused', 'PagedAttention');
    expect('names', 'ALL_ATTENTION_FUNCTIONS', 'fused', 'SelfAttention');
    expect('imports', 'flash_attn', 'unsupported');
    expect('imports', 'flash_attn.bert_padding', 'unsupported');
    expect('idioms', 'rsqrt-norm', 'native', 'RmsNorm');
    assert.strictEqual(catalog.lookup('functions', 'torch.definitely_not_an_op'), undefined);
    assert.ok(catalog.ignored('functions', 'torch.no_grad'));
  });

  it('changes verdicts inside attention (matmul and softmax are fused into SelfAttention)', () => {
    assert.deepStrictEqual(catalog.lookup('functions', 'torch.matmul')?.within?.attention, { verdict: 'fused', atbOp: 'SelfAttention' });
  });

  it('formats entry notes as engine messages in both languages', () => {
    const entry = catalog.lookup('functions', 'torch.topk')!;
    assert.match(formatMessage(catalog.noteMessage(entry), 'en'), /ATB Sort/);
    assert.match(formatMessage(catalog.diagMessage(entry, 'torch.topk'), 'zh-cn'), /^torch\.topk：.*Sort/);
  });
});

describe('catalog: workspace override (.atb-migrate.yaml)', () => {
  it('patches a built-in entry by id and adds new entries ahead of the built-ins', () => {
    const override = [
      'version: 1',
      'entries:',
      '  - id: op.fft',
      '    verdict: native',
      '    atbOp: MyFftPlugin',
      '  - id: my.kernel',
      '    functions: [my_ops.fused_rope]',
      '    verdict: fused',
      '    atbOp: Rope',
      '    note: { en: "Our fused rope", zh-cn: "我们的融合 rope" }',
      '',
    ].join('\n');
    const { catalog, problems } = loadCatalog(builtin, { path: '/ws/.atb-migrate.yaml', text: override });
    assert.deepStrictEqual(problems, []);
    const fft = catalog.lookup('functions', 'torch.fft.rfft')!;
    assert.strictEqual(fft.verdict, 'native');
    assert.strictEqual(fft.atbOp, 'MyFftPlugin');
    assert.strictEqual(fft.origin, 'workspace');
    assert.ok(fft.note.en.includes('FFT'), 'the built-in note is kept when the patch has none');
    assert.strictEqual(catalog.lookup('functions', 'my_ops.fused_rope')?.id, 'my.kernel');
    assert.strictEqual(catalog.entries[0].id, 'my.kernel');
  });

  it('reports malformed overrides with line numbers of that file and keeps the built-ins', () => {
    const bad = ['entries:', '  - id: a', '    verdict: maybe', '    functions: [x]', '  - functions: [y]', '    verdict: native', '  - id: c', '    colour: red', '    verdict: view', '    methods: [z]', ''].join('\n');
    const { catalog, problems } = loadCatalog(builtin, { path: '/ws/.atb-migrate.yaml', text: bad });
    const lines = problems.map((p) => [p.code, p.range.start.line]);
    assert.deepStrictEqual(lines, [
      ['atb.catalog.invalid-field', 2],
      ['atb.catalog.missing-field', 4],
      ['atb.catalog.unknown-key', 7],
    ]);
    for (const p of problems) assert.deepStrictEqual(p.data, { file: '/ws/.atb-migrate.yaml' });
    assert.match(formatMessage(problems[0].message, 'en'), /verdict.*native \| fused \| view \| host \| unsupported/);
    assert.match(formatMessage(problems[0].message, 'zh-cn'), /必须是/);
    assert.strictEqual(catalog.lookup('functions', 'x'), undefined, 'the broken entry is dropped');
    assert.strictEqual(catalog.lookup('methods', 'z')?.verdict, 'view', 'the unknown key is reported, the entry kept');
    assert.strictEqual(catalog.lookup('modules', 'Linear')?.atbOp, 'Linear');
  });

  it('reports YAML syntax errors with their line and never throws', () => {
    const { catalog, problems } = loadCatalog(builtin, { path: '/ws/.atb-migrate.yaml', text: 'entries:\n  - id: a\n    verdict: [native\n' });
    assert.ok(problems.length >= 1);
    assert.strictEqual(problems[0].code, 'atb.catalog.yaml-syntax');
    assert.ok(problems[0].range.start.line >= 2, `line ${problems[0].range.start.line}`);
    assert.ok(catalog.lookup('modules', 'Linear'));
    for (const text of ['', '# only a comment\n', '[1, 2]', 'entries: 3']) {
      assert.doesNotThrow(() => loadCatalog(builtin, { path: 'o.yaml', text }));
    }
    assert.strictEqual(loadCatalog(builtin, { path: 'o.yaml', text: '[1, 2]' }).problems[0].code, 'atb.catalog.not-a-map');
  });
});

describe('catalog: declareSupported quick fix', () => {
  it('creates the file content when there is none, and the result loads as an override', () => {
    const text = declareSupported(undefined, use({ name: 'torch.fft.rfft', catalogId: 'op.fft' }));
    const { catalog, problems } = loadCatalog(builtin, { path: 'o.yaml', text });
    assert.deepStrictEqual(problems, []);
    assert.strictEqual(catalog.lookup('functions', 'torch.fft.rfft')?.verdict, 'native');
  });

  it('adds an uncatalogued use by its match key and keeps the user comments', () => {
    const before = ['# our custom kernels', 'version: 1', 'entries:', '  # keep me', '  - id: mine', '    functions: [a.b]', '    verdict: view', ''].join('\n');
    const after = declareSupported(before, use({ name: 'torch.special.erfcx', catalogId: undefined }));
    assert.match(after, /# our custom kernels/);
    assert.match(after, /# keep me/);
    const doc = parseDocument(after).toJS();
    assert.deepStrictEqual(doc.entries[1].functions, ['torch.special.erfcx']);
    assert.strictEqual(doc.entries[1].verdict, 'native');
    const { catalog, problems } = loadCatalog(builtin, { path: 'o.yaml', text: after });
    assert.deepStrictEqual(problems, []);
    assert.strictEqual(catalog.lookup('functions', 'torch.special.erfcx')?.verdict, 'native');
    assert.strictEqual(catalog.lookup('functions', 'a.b')?.verdict, 'view');
  });

  it('turns an existing entry native instead of adding a duplicate, and uses method names without Tensor.', () => {
    const first = declareSupported(undefined, use({ name: 'Tensor.unique', kind: 'method', catalogId: undefined }));
    assert.deepStrictEqual(parseDocument(first).toJS().entries[0].methods, ['unique']);
    const patched = declareSupported('entries:\n  - id: op.fft\n    verdict: unsupported # not yet\n', use({ catalogId: 'op.fft' }));
    const entries = parseDocument(patched).toJS().entries;
    assert.strictEqual(entries.length, 1);
    assert.strictEqual(entries[0].verdict, 'native');
  });

  it('leaves a file with YAML errors untouched', () => {
    const broken = 'entries:\n  - id: [\n';
    assert.strictEqual(declareSupported(broken, use({})), broken);
  });
});

describe('catalog: schema file for .atb-migrate.yaml', () => {
  it('is valid JSON naming the same entry keys as the loader', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'schemas', 'atb-migrate.schema.json'), 'utf8'));
    const props = Object.keys(schema.definitions.entry.properties).sort();
    assert.deepStrictEqual(props, ['anywhere', 'argCount', 'atbOp', 'id', 'note', 'verdict', 'within', ...MATCH_KEYS].sort());
  });
});

describe('catalog: the JSON schema accepts the built-in catalogue and rejects bad overrides', () => {
  // ajv is only present as a transitive dev dependency; the check is skipped without it.
  let validate: ((data: unknown) => boolean) | undefined;
  before(function () {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const Ajv = require('ajv');
      const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'schemas', 'atb-migrate.schema.json'), 'utf8'));
      validate = new (Ajv.default ?? Ajv)({ strict: false }).compile(schema);
    } catch {
      this.skip();
    }
  });

  it('validates operators.yaml itself (same shape as .atb-migrate.yaml)', () => {
    assert.strictEqual(validate!(parseDocument(builtin).toJS()), true);
  });

  it('rejects an unknown verdict and an unknown key', () => {
    assert.strictEqual(validate!({ entries: [{ id: 'a', verdict: 'maybe' }] }), false);
    assert.strictEqual(validate!({ entries: [{ id: 'a', verdict: 'native', colour: 'red' }] }), false);
    assert.strictEqual(validate!({ entries: [{ id: 'a', verdict: 'native', functions: ['x'], note: { en: 'e', 'zh-cn': '中' } }] }), true);
  });
});
