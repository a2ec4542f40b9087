import { registerMessages } from './i18n';

export default registerMessages({
  en: {
    'cli.transform.summary': 'Quantize old-style ATB C++ layers (W8A8, or W8A8SC with --enable-sparse)',
    'cli.analyze.summary': 'Report which operations of a transformers model map onto ATB',
    'cli.generate.summary': "Generate MindIE's torch-like _v3 files from a transformers model folder",
  },
  'zh-cn': {
    'cli.transform.summary': '量化旧式 ATB C++ layer（W8A8；加 --enable-sparse 为 W8A8SC）',
    'cli.analyze.summary': '分析 transformers 模型中哪些算子可映射到 ATB',
    'cli.generate.summary': '由 transformers 模型目录生成 MindIE torch-like _v3 模型文件',
  },
});
