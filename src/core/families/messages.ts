import { registerMessages } from '../i18n';

/** Messages of the family catalogue (loading problems, quirk names). */
export default registerMessages({
  en: {
    'families.problem.syntax': '{path}: YAML syntax error ({detail}).',
    'families.problem.not-map': '{path} must be a map.',
    'families.problem.bad-entry': '{path}: family "{id}" must be a map of fields.',
    'families.problem.bad-field': '{path}: family "{id}": {field} must be {expected}.',
    'families.problem.unknown-key': '{path}: family "{id}": unknown field "{key}" (allowed: {allowed}).',
    'families.problem.like-cycle': 'Family "{id}": its `like:` chain loops back to itself.',
    'families.problem.like-unknown': 'Family "{id}" is `like: {like}`, which is not in the catalogue.',
    'families.problem.missing': 'Family "{id}" does not say: {fields} (add them or `like:` a family that does).',
  },
  'zh-cn': {
    'families.problem.syntax': '{path}：YAML 语法错误（{detail}）。',
    'families.problem.not-map': '{path} 必须是映射（map）。',
    'families.problem.bad-entry': '{path}：模型族“{id}”必须是字段映射。',
    'families.problem.bad-field': '{path}：模型族“{id}”：{field} 必须是 {expected}。',
    'families.problem.unknown-key': '{path}：模型族“{id}”：未知字段“{key}”（允许：{allowed}）。',
    'families.problem.like-cycle': '模型族“{id}”：其 `like:` 链循环引用了自身。',
    'families.problem.like-unknown': '模型族“{id}”声明 `like: {like}`，但目录中没有该模型族。',
    'families.problem.missing': '模型族“{id}”缺少：{fields}（请补充，或 `like:` 一个已给出这些字段的模型族）。',
  },
});
