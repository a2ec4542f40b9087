import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parseDocument } from 'yaml';
import { loadFamilies, QUIRK_IDS } from '../../src/core/families';
import { capability, TARGETS } from '../../src/core/generate/support';
import { formatMessage } from '../../src/core/i18n';

const ROOT = path.join(__dirname, '..', '..', '..');
const builtin = fs.readFileSync(path.join(ROOT, 'src', 'core', 'families', 'families.yaml'), 'utf8');

/** The families the issue names (model_type as config.json spells it). */
const REQUIRED = [
  'llama', 'mistral', 'mixtral', 'qwen', 'qwen2', 'qwen2_moe', 'qwen3', 'qwen3_moe', 'baichuan', 'chatglm', 'glm4', 'internlm2', 'internlm3',
  'phi', 'phi3', 'gemma', 'gemma2', 'gemma3_text', 'deepseek_v2', 'deepseek_v3', 'Yi', 'minicpm', 'starcoder2', 'falcon', 'gpt_neox', 'olmo2',
  'cohere', 'granite', 'exaone', 'llava', 'llava_next', 'mllama', 'qwen2_vl', 'qwen2_5_vl', 'internvl_chat',
];

describe('families: the catalogue loads, is schema-valid and covers the issue list', () => {
  const catalogue = loadFamilies(builtin);

  it('loads without problems and has every required family', () => {
    assert.deepStrictEqual(catalogue.problems.map((p) => formatMessage(p.message)), []);
    const missing = REQUIRED.filter((id) => !catalogue.entry(id));
    assert.deepStrictEqual(missing, []);
  });

  it('every entry cites its source', () => {
    for (const id of catalogue.ids()) assert.ok(catalogue.entry(id)!.facts.source, `${id} has no source`);
  });

  it('matches schemas/families.schema.json', function () {
    let Ajv: { new (o: object): { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } } };
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require('ajv');
      Ajv = mod.default ?? mod;
    } catch {
      return this.skip();
    }
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas', 'families.schema.json'), 'utf8'));
    const validate = new Ajv({ strict: false }).compile(schema);
    const ok = validate(parseDocument(builtin).toJS());
    assert.ok(ok, JSON.stringify(validate.errors));
    assert.strictEqual(validate({ families: { x: { norm: 'rms+2' } } }), false);
    assert.strictEqual(validate({ families: { x: { colour: 'red' } } }), false);
  });

  it('rejects bad fields, unknown keys, unknown parents and loops with the entry named', () => {
    const bad = loadFamilies(builtin, {
      path: '/ws/.atb-migrate.yaml',
      text: 'families:\n  llama:\n    norm: rms+2\n  mine:\n    like: nothere\n  a:\n    like: b\n  b:\n    like: a\n  c:\n    like: llama\n    colour: red\n  d:\n    like: llama\n    naming: { root: "x y" }\n',
    });
    const texts = bad.problems.map((p) => formatMessage(p.message));
    assert.ok(texts.some((t) => t.includes('"llama"') && t.includes('norm')), texts.join('\n'));
    assert.ok(texts.some((t) => t.includes('nothere')));
    assert.ok(texts.some((t) => t.includes('loops')));
    assert.ok(texts.some((t) => t.includes('colour')));
    assert.ok(texts.some((t) => t.includes('naming.root')));
    // A rejected override leaves the built-in entry as it was.
    assert.strictEqual(bad.entry('llama')!.facts.norm, 'rms');
  });

  it('a workspace entry patches the built-in one and can add a family', () => {
    const ws = loadFamilies(builtin, { path: '/ws/.atb-migrate.yaml', text: 'families:\n  llama:\n    activation: gelu\n  my_llama:\n    like: llama\n    source: my modeling file\n    naming: { inputNorm: ln1 }\n' });
    assert.deepStrictEqual(ws.problems, []);
    assert.strictEqual(ws.entry('llama')!.facts.activation, 'gelu');
    assert.strictEqual(ws.entry('llama')!.origin, 'workspace');
    assert.strictEqual(ws.entry('my_llama')!.facts.naming.inputNorm, 'ln1');
    assert.strictEqual(ws.entry('my_llama')!.facts.naming.postNorm, 'post_attention_layernorm');
  });

  it('variants: chatglm-6b (v1, position_encoding_2d) is not chatglm2', () => {
    const v1 = catalogue.factsFor('chatglm', 'ChatGLMModel', { position_encoding_2d: true })!;
    assert.strictEqual(v1.norm, 'layer');
    assert.strictEqual(v1.qkvPacking, 'grouped');
    assert.strictEqual(v1.naming.root, 'transformer');
    assert.strictEqual(catalogue.factsFor('chatglm', 'ChatGLMModel', { rmsnorm: true })!.norm, 'rms');
  });

  it('variants: baichuan with 40 layers is alibi, with 32 rope', () => {
    assert.strictEqual(catalogue.factsFor('baichuan', undefined, { num_hidden_layers: 40 })!.position, 'alibi');
    assert.strictEqual(catalogue.factsFor('baichuan', undefined, { num_hidden_layers: 32 })!.position, 'rope');
  });
});

describe('families: every quirk is implemented or refused with a reason, for every target', () => {
  it('each capability is "implemented" or names a message that exists in both languages', () => {
    for (const target of TARGETS) {
      for (const id of QUIRK_IDS) {
        const c = capability(target, id);
        if (c === 'implemented') continue;
        const en = formatMessage({ code: c.refused, args: { detail: 'D', target, quirk: id } }, 'en');
        const zh = formatMessage({ code: c.refused, args: { detail: 'D', target, quirk: id } }, 'zh-cn');
        assert.notStrictEqual(en, c.refused + ' ' + JSON.stringify({ detail: 'D', target, quirk: id }), `${target}/${id}: ${c.refused} has no text`);
        assert.ok(en.includes('D') && zh.includes('D'), `${target}/${id}: the reason does not show the detail`);
      }
    }
  });
});
