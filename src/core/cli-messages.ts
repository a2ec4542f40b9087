import { registerMessages } from './i18n';

export default registerMessages({
  en: {
    'cli.transform.summary': 'Quantize old-style ATB C++ layers (W8A8, or W8A8SC with --enable-sparse), or turn a model folder into a MindIE-LLM C++ model (msit flags)',
    'cli.analyze.summary': 'Report which operations of a transformers model map onto ATB',
    'cli.generate.summary': "Generate from a transformers model folder: MindIE torch-like _v3 files, a MindIE C++ model (--target cpp) or an ONNX export script for TPU (--target onnx)",
    'cli.main.usage': 'Usage: atb-migrate <command> [options]',
    'cli.main.commands': 'Commands:',
    'cli.main.more': 'atb-migrate <command> --help for its options.',
    'cli.main.unknown-command': "unknown command '{name}'",
    'cli.usage.needs-value': '{flag} needs a value',
    'cli.usage.no-value': '{flag} takes no value',
    'cli.usage.unknown-option': 'unknown option {flag}',
    'cli.usage.unexpected-argument': 'unexpected argument {arg}',
    'cli.usage.missing-argument': 'missing {what}',
    'cli.usage.one-of': '{flag} must be one of {choices} (not: {value})',
    'cli.usage.positive-integer': '{flag} needs a positive whole number (not: {value})',
    'cli.usage.rewrite-which': 'say which rewrite: --static-shape',
    'cli.usage.analyze-help':
      'Usage: atb-migrate analyze <model dir | modeling_*.py> [options]\n\nOptions:\n  -s, --source <path>    the model folder or Python file (same as the positional argument)\n  -o, --out <dir>        where <ModelClass>/ reports go (default: current directory)\n  --format <list>        json,csv (default: both)\n  --json                 print the summary as JSON on stdout\n  --force                replace existing report files that differ\n  -l, --log-level <lvl>  debug | info | warning | error (default: info)\n  -h, --help             this help',
    'cli.usage.generate-help':
      'Usage: atb-migrate generate <model dir> [options]\n\nReads config.json, generation_config.json, the safetensors index/headers and\nquant_model_description*.json, and writes MindIE-LLM\'s torch-like v3 files to\n<out>/<model_type>/ (flash_causal_<mt>_v3.py, modeling_<mt>_python.py,\nconfig_<mt>.py, router_<mt>.py, __init__.py).\n\nWith --target onnx it writes export_onnx.py and README.md instead: the per-block\nONNX export for TPU-MLIR (embedding, lm_head, block_<i>, block_cache_<i>).\n\nOptions:\n  -o, --out DIR                  atb_llm/models folder or any output folder\n                                 (default: ./atb_llm/models when present, else .;\n                                 onnx: ./<model folder name>-onnx)\n  -t, --model-type NAME          package name (default: config.json model_type)\n      --target torch-like|cpp|onnx   torch-like v3 package (default), a C++ graph model\n                                 (atb_framework/models/<ns>/ + atb_llm/models/<model_type>/ under --out),\n                                 or the per-block ONNX export script for TPU-MLIR\n      --seq-length N             onnx: static sequence length (default {seqLength})\n      --mindie-version V         v3.0.0.beta.1 | v3.0.0 (cpp target; default v3.0.0)\n      --embedding-parallel-threshold N   vocab size from which the embedding is split (default 152064)\n      --quant-disable-names A,B|FILE   quant-disabled (fallback) layers that must stay FLOAT,\n                                 as a comma list or a file with one name per line, as msit\'s\n                                 flag (default lm_head; --fallback-layers is the same)\n      --lm-head NAME             module the lm_head loads (default: from the weights)\n      --force                    replace existing files\n      --dry-run                  show what would be written, write nothing\n      --json                     machine-readable result on stdout\n  -l, --log-level LEVEL          debug | info | warning | error (default info)\n  -h, --help                     this help\n\nExit codes: 0 ok, 1 refused (nothing written), 2 usage error.',
    'cli.usage.rewrite-help':
      'Usage: atb-migrate rewrite <modeling_*.py> --static-shape [options]\n\nApplies the static-shape attention edits for TPU-MLIR (seed 003) to a transformers\nmodeling file, keeping everything else byte for byte:\n  rotary            apply_rotary_pos_emb lays cos/sin out for q/k in [batch, seq, heads, head_dim]\n  repeat-kv         repeat_kv takes [batch, seq, kv_heads, head_dim]\n  attention-layout  q/k/v stay in [batch, seq, heads, head_dim]; past K/V concatenated on dim 1\n  pretraining-tp    removes the pretraining_tp > 1 branches\nrotary, repeat-kv and attention-layout change the layout together and are only applied together.\nAn edit whose pattern is not in the file is not applied, and the reason is printed.\n\nOptions:\n      --static-shape             the edits above (required: the only rewrite so far)\n      --only A,B                 just these edits (default: every one that applies)\n  -o, --out FILE                 write the result there instead of over the input\n      --dry-run                  show what would change, write nothing\n      --json                     machine-readable result on stdout\n  -l, --log-level LEVEL          debug | info | warning | error (default info)\n  -h, --help                     this help\n\nExit codes: 0 ok, 1 nothing applied (nothing written), 2 usage error.',
    'cli.usage.names-none':
      'no layer names given',
    'cli.usage.names-file-empty':
      '{file} names no layer',
    'cli.usage.not-a-name':
      '"{name}" is not a layer name (letters, digits, _ and dots)',
  },
  'zh-cn': {
    'cli.transform.summary': '量化旧式 ATB C++ layer（W8A8；加 --enable-sparse 为 W8A8SC），或把模型目录转换为 MindIE-LLM C++ 模型（msit 参数）',
    'cli.analyze.summary': '分析 transformers 模型中哪些算子可映射到 ATB',
    'cli.generate.summary': '由 transformers 模型目录生成：MindIE torch-like _v3 文件、MindIE C++ 模型（--target cpp）或面向 TPU 的 ONNX 导出脚本（--target onnx）',
    'cli.main.usage': '用法：atb-migrate <命令> [选项]',
    'cli.main.commands': '命令：',
    'cli.main.more': 'atb-migrate <命令> --help 查看该命令的选项。',
    'cli.main.unknown-command': "未知命令 '{name}'",
    'cli.usage.needs-value': '{flag} 需要一个值',
    'cli.usage.no-value': '{flag} 不接受值',
    'cli.usage.unknown-option': '未知选项 {flag}',
    'cli.usage.unexpected-argument': '多余的参数 {arg}',
    'cli.usage.missing-argument': '缺少 {what}',
    'cli.usage.one-of': '{flag} 只能取 {choices} 之一（不是：{value}）',
    'cli.usage.positive-integer': '{flag} 需要一个正整数（不是：{value}）',
    'cli.usage.rewrite-which': '请指定改写方式：--static-shape',
    'cli.usage.analyze-help':
      '用法：atb-migrate analyze <模型目录 | modeling_*.py> [选项]\n\n选项：\n  -s, --source <path>    模型目录或 Python 文件（与位置参数相同）\n  -o, --out <dir>        <ModelClass>/ 报告的输出位置（默认：当前目录）\n  --format <list>        json,csv（默认：两者都输出）\n  --json                 在标准输出上以 JSON 打印摘要\n  --force                替换内容不同的已有报告文件\n  -l, --log-level <lvl>  debug | info | warning | error（默认：info）\n  -h, --help             显示本帮助',
    'cli.usage.generate-help':
      '用法：atb-migrate generate <模型目录> [选项]\n\n读取 config.json、generation_config.json、safetensors 索引/文件头和\nquant_model_description*.json，把 MindIE-LLM 的 torch-like v3 文件写到\n<out>/<model_type>/（flash_causal_<mt>_v3.py、modeling_<mt>_python.py、\nconfig_<mt>.py、router_<mt>.py、__init__.py）。\n\n加 --target onnx 时改为写出 export_onnx.py 和 README.md：面向 TPU-MLIR 的\n逐块 ONNX 导出（embedding、lm_head、block_<i>、block_cache_<i>）。\n\n选项：\n  -o, --out DIR                  atb_llm/models 目录或任意输出目录\n                                 （默认：存在 ./atb_llm/models 时用它，否则为 .；\n                                 onnx：./<模型目录名>-onnx）\n  -t, --model-type NAME          包名（默认：config.json 的 model_type）\n      --target torch-like|cpp|onnx   torch-like v3 包（默认）、C++ 图模型\n                                 （--out 下的 atb_framework/models/<ns>/ + atb_llm/models/<model_type>/），\n                                 或面向 TPU-MLIR 的逐块 ONNX 导出脚本\n      --seq-length N             onnx：静态序列长度（默认 {seqLength}）\n      --mindie-version V         v3.0.0.beta.1 | v3.0.0（cpp 目标；默认 v3.0.0）\n      --embedding-parallel-threshold N   词表大小达到该值时切分 embedding（默认 152064）\n      --quant-disable-names A,B|FILE   关闭量化（回退）、必须保持 FLOAT 的层，\n                                 可为逗号分隔的列表，或每行一个名称的文件，与 msit 的\n                                 同名参数相同（默认 lm_head；--fallback-layers 与之相同）\n      --lm-head NAME             lm_head 加载的模块（默认：由权重决定）\n      --force                    替换已有文件\n      --dry-run                  只显示将写入的内容，不写任何文件\n      --json                     在标准输出上输出机器可读的结果\n  -l, --log-level LEVEL          debug | info | warning | error（默认 info）\n  -h, --help                     显示本帮助\n\n退出码：0 成功，1 拒绝（未写入任何文件），2 用法错误。',
    'cli.usage.rewrite-help':
      '用法：atb-migrate rewrite <modeling_*.py> --static-shape [选项]\n\n对 transformers 建模文件应用面向 TPU-MLIR 的静态形状注意力修改（seed 003），\n其余内容逐字节保留：\n  rotary            apply_rotary_pos_emb 按 [batch, seq, heads, head_dim] 为 q/k 排布 cos/sin\n  repeat-kv         repeat_kv 接受 [batch, seq, kv_heads, head_dim]\n  attention-layout  q/k/v 保持 [batch, seq, heads, head_dim]；历史 K/V 在第 1 维拼接\n  pretraining-tp    删除 pretraining_tp > 1 的分支\nrotary、repeat-kv 和 attention-layout 共同改变排布，只会一起应用。\n文件中找不到对应模式的修改不会应用，并打印原因。\n\n选项：\n      --static-shape             上述修改（必需：目前唯一的改写）\n      --only A,B                 只应用这些修改（默认：所有适用的修改）\n  -o, --out FILE                 把结果写到该文件，而不是覆盖输入\n      --dry-run                  只显示将要的改动，不写任何文件\n      --json                     在标准输出上输出机器可读的结果\n  -l, --log-level LEVEL          debug | info | warning | error（默认 info）\n  -h, --help                     显示本帮助\n\n退出码：0 成功，1 未应用任何修改（未写入任何文件），2 用法错误。',
    'cli.usage.names-none':
      '没有给出层名称',
    'cli.usage.names-file-empty':
      '{file} 中没有任何层名称',
    'cli.usage.not-a-name':
      '"{name}" 不是层名称（只能含字母、数字、_ 和点）',
  },
});
