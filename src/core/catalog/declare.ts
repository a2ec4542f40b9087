/**
 * Quick fix "declare this operation supported": edits `.atb-migrate.yaml` through yaml's Document
 * API so the user's comments and layout survive.
 */
import { isMap, isSeq, parseDocument, YAMLMap, YAMLSeq, type Document } from 'yaml';
import type { OpUse } from '../analysis/types';
import type { MatchKey } from './index';

const KEY_OF_KIND: Record<OpUse['kind'], MatchKey> = {
  module: 'modules',
  function: 'functions',
  method: 'methods',
  operator: 'operators',
  idiom: 'idioms',
};

/** The match value a use was looked up with (methods are displayed as `Tensor.view`). */
export function matchName(use: Pick<OpUse, 'kind' | 'name'>): string {
  return use.kind === 'method' ? use.name.replace(/^Tensor\./, '') : use.name;
}

/**
 * Returns the new override text declaring `use` supported (verdict native). A use that came from a
 * catalogue entry patches that entry by id; an uncatalogued one gets a `user.<name>` entry.
 * Text that is not a valid override (syntax errors, not a map) is left as it is, with the new
 * entry appended as a separate document would be wrong, so the caller gets the original back.
 */
export function declareSupported(overrideText: string | undefined, use: OpUse): string {
  const text = overrideText ?? '';
  const parsed = parseDocument(text);
  if (parsed.errors.length) return text;
  const doc = parsed as unknown as Document;
  if (doc.contents === null || doc.contents === undefined || (!isMap(doc.contents) && String((doc.contents as { value?: unknown }).value ?? '') === '')) {
    doc.contents = doc.createNode({});
    if (!overrideText) doc.commentBefore = ' atb-migrate workspace catalogue (schema: schemas/atb-migrate.schema.json)';
  }
  if (!isMap(doc.contents)) return text;
  const root = doc.contents as YAMLMap;
  let entries: unknown = root.get('entries', true);
  if (!isSeq(entries)) {
    entries = new YAMLSeq();
    root.set('entries', entries);
  }
  const seq = entries as YAMLSeq;
  const id = use.catalogId ?? `user.${matchName(use)}`;
  const existing = seq.items.find((item) => isMap(item) && item.get('id') === id) as YAMLMap | undefined;
  if (existing) {
    existing.set('verdict', 'native');
  } else {
    const entry: Record<string, unknown> = { id };
    if (!use.catalogId) entry[KEY_OF_KIND[use.kind]] = [matchName(use)];
    entry.verdict = 'native';
    if (use.atbOp) entry.atbOp = use.atbOp;
    entry.note = { en: 'Declared supported in this workspace.', 'zh-cn': '已在本工作区声明为支持。' };
    const node = doc.createNode(entry) as YAMLMap;
    const list = node.get(KEY_OF_KIND[use.kind], true);
    if (isSeq(list)) list.flow = true;
    seq.items.push(node);
  }
  if (!root.has('version')) root.items.unshift(doc.createPair('version', 1));
  return doc.toString();
}
