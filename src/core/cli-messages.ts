import { registerMessages } from './i18n';

export default registerMessages({
  en: {
    'cli.transform.summary': 'Quantize old-style ATB C++ layers (W8A8, or W8A8SC with --enable-sparse), or turn a model folder into a MindIE-LLM C++ model (msit flags)',
    'cli.analyze.summary': 'Report which operations of a transformers model map onto ATB',
    'cli.generate.summary': "Generate from a transformers model folder: MindIE torch-like _v3 files, a MindIE C++ model (--target cpp) or an ONNX export script for TPU (--target onnx)",
  },
  'zh-cn': {
    'cli.transform.summary': '量化旧式 ATB C++ layer（W8A8；加 --enable-sparse 为 W8A8SC），或把模型目录转换为 MindIE-LLM C++ 模型（msit 参数）',
    'cli.analyze.summary': '分析 transformers 模型中哪些算子可映射到 ATB',
    'cli.generate.summary': '由 transformers 模型目录生成：MindIE torch-like _v3 文件、MindIE C++ 模型（--target cpp）或面向 TPU 的 ONNX 导出脚本（--target onnx）',
  },
});
