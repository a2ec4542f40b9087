import { registerMessages } from '../i18n';

export default registerMessages({
  en: {
    'catalog.problem.syntax': '{path}: YAML syntax error ({detail})',
    'catalog.problem.notMap': '{path}: the catalogue must be a map with `entries:` (and optionally `version:`, `ignore:`)',
    'catalog.problem.unknownKey': 'Unknown key `{key}`; allowed: {allowed}',
    'catalog.problem.field': '`{field}` must be {expected}',
    'catalog.problem.entryNotMap': 'Each catalogue entry must be a map with `id`, `verdict` and a match key such as `functions:`',
    'catalog.problem.missing': 'The entry has no `{field}`',
    'catalog.problem.duplicate': 'Entry id `{id}` appears twice in this file; the second one is ignored',
    'catalog.problem.builtinMissing': 'The built-in operator catalogue was not found ({path}); the installation is incomplete',
  },
  'zh-cn': {
    'catalog.problem.syntax': '{path}：YAML 语法错误（{detail}）',
    'catalog.problem.notMap': '{path}：算子目录必须是包含 `entries:` 的映射（可选 `version:`、`ignore:`）',
    'catalog.problem.unknownKey': '未知的键 `{key}`；允许的键：{allowed}',
    'catalog.problem.field': '`{field}` 必须是 {expected}',
    'catalog.problem.entryNotMap': '每个目录条目必须是映射，包含 `id`、`verdict` 以及 `functions:` 等匹配键',
    'catalog.problem.missing': '该条目缺少 `{field}`',
    'catalog.problem.duplicate': '条目 id `{id}` 在此文件中出现两次；第二个被忽略',
    'catalog.problem.builtinMissing': '未找到内置算子目录（{path}），安装不完整',
  },
});
