import { registerMessages } from '../i18n';

/** Messages of the lowering of model-local ops, LinearParallel nodes and borrowed enums (localOps.ts). */
export default registerMessages({
  en: {
    'quantize.local-op.moe':
      'Node `{node}` runs the mixture-of-experts op {creator}: the old-style ATB generation has no quantized form of it (its gate, routing masks and expert linears are built inside the op with MatmulParam / LinearParam and no quant inputs), so this layer stays float; nothing was converted. The same models\' new-style DecoderLayer (models/deepseek/16b_dense/layer/decoder_layer.cpp, models/mixtral/7b_dense/layer/decoder_layer.cpp) quantizes the attention linears at run time (linearQuantType / packQuantType) and keeps the experts float: use it for W8A8 attention.',
    'quantize.local-op.source-missing':
      'Node `{node}` runs the model-local op {creator}; its source was not found ({file}), so what it computes cannot be read and nothing was converted. Convert the layer with the model\'s folder tree in place (the op\'s .h and .cpp where the #include points).',
    'quantize.local-op.unknown-shape':
      'Node `{node}` runs the model-local op {creator} ({file}), whose graph is not one the rewrite knows to inline exactly (known: a packed linear + split, a packed SwiGLU MLP); it found: {signature}. Quantize that op by hand.',
    'quantize.local-op.param':
      'The model-local op {creator} ({file}) depends on `{expr}`, which the layer\'s param `{param}` does not set field by field and whose default its header does not give; inline it by hand.',
    'quantize.local-op.wiring':
      'Node `{node}` passes {actual} inputs/outputs to {creator} ({file}), which takes {expected}: the op cannot be inlined without guessing.',
    'quantize.local-op.linear-parallel':
      'Node `{node}` is an atb::infer::LinearParallelParam with `{field}` = {value} (expected {expected}): only a RowParallel linear without bias, with communication fields only, is a linear followed by an all-reduce. Quantize it by hand.',
    'quantize.local-op.name-taken': 'Inlining node `{node}` needs the new name {name}, which the layer already uses; rename it first.',
    'quantize.local-op.reshape':
      'Node `{node}` reshapes its inputs; inlining its model-local op would move that reshape onto the op\'s first node only, so the rewrite leaves it alone.',
    'quantize.local-op.node-index':
      'Node `{node}` is not taken with `opGraph.nodes.at(nodeId++)`: inlining its op adds nodes after it, which would shift fixed node indices. Inline it by hand.',
    'quantize.local-op.enum-namespace':
      'The layer uses the tensor-id enum of {file} (namespace {ns}), but its counts sit in another namespace, so the enum cannot be copied next to them.',
    'quantize.local-op.enum-counts':
      'The layer uses the tensor-id enum of {file}, but its {kind} is {count} where that enum has {entries}: the header is not the one this layer was written against (another commit?), so its ids cannot be trusted. Use the header of the layer\'s own commit.',
    'quantize.local-op.skip-op': 'a graph op of the model\'s own that {user} uses, not a layer: it is inlined when that layer is quantized',
    'quantize.local-op.enum-header-shared':
      'The layer uses the tensor-id enum of {file} and also `{name}` from that header: the quant layer needs an enum of its own (it adds inputs), which cannot sit next to that header\'s enum in one file. Give the layer its own enum first.',
  },
  'zh-cn': {
    'quantize.local-op.moe':
      '节点 `{node}` 执行混合专家（MoE）算子 {creator}：旧式 ATB 这一代没有它的量化形式（门控、路由掩码与专家 linear 都在算子内部用 MatmulParam / LinearParam 构建，没有量化输入），因此该 layer 保持浮点，未做任何转换。同一模型的新式 DecoderLayer（models/deepseek/16b_dense/layer/decoder_layer.cpp、models/mixtral/7b_dense/layer/decoder_layer.cpp）在运行时量化注意力部分的 linear（linearQuantType / packQuantType），专家保持浮点：需要 W8A8 注意力时请使用它。',
    'quantize.local-op.source-missing':
      '节点 `{node}` 执行模型自带算子 {creator}；未找到其源码（{file}），无法读出它的计算内容，未做任何转换。请在模型目录树完整（#include 指向处有该算子的 .h 与 .cpp）时转换此 layer。',
    'quantize.local-op.unknown-shape':
      '节点 `{node}` 执行模型自带算子 {creator}（{file}），其计算图不是改写能精确内联的形式（已知：打包 linear + split、打包 SwiGLU MLP）；实际为：{signature}。请手工量化该算子。',
    'quantize.local-op.param':
      '模型自带算子 {creator}（{file}）依赖 `{expr}`，而 layer 的参数 `{param}` 没有逐字段设置它，其头文件也没有给出默认值；请手工内联。',
    'quantize.local-op.wiring': '节点 `{node}` 向 {creator}（{file}）传入 {actual} 个输入/输出，而它需要 {expected} 个：不做猜测就无法内联该算子。',
    'quantize.local-op.linear-parallel':
      '节点 `{node}` 是 atb::infer::LinearParallelParam，其 `{field}` = {value}（期望 {expected}）：只有不带 bias、只设置通信字段的 RowParallel linear 才等于 linear 加 all-reduce。请手工量化。',
    'quantize.local-op.name-taken': '内联节点 `{node}` 需要新名字 {name}，但 layer 中已有同名标识符；请先改名。',
    'quantize.local-op.reshape': '节点 `{node}` 对其输入做了 reshape；内联其模型自带算子会把该 reshape 只留给算子的第一个节点，因此改写不处理它。',
    'quantize.local-op.node-index':
      '节点 `{node}` 不是通过 `opGraph.nodes.at(nodeId++)` 取得的：内联其算子会在它之后新增节点，从而打乱固定的节点下标。请手工内联。',
    'quantize.local-op.enum-namespace': '该 layer 使用 {file} 中的张量 id 枚举（命名空间 {ns}），但其计数常量位于另一个命名空间，无法把枚举复制到它们旁边。',
    'quantize.local-op.enum-counts':
      '该 layer 使用 {file} 中的张量 id 枚举，但其 {kind} 为 {count}，而该枚举有 {entries}：这个头文件不是该 layer 编写时对应的版本（可能来自另一个提交），其 id 不可信。请使用与该 layer 同一提交的头文件。',
    'quantize.local-op.skip-op': '这是 {user} 使用的模型自带计算图算子，不是 layer：量化该 layer 时会内联它',
    'quantize.local-op.enum-header-shared':
      '该 layer 使用 {file} 中的张量 id 枚举，同时还使用该头文件中的 `{name}`：量化 layer 需要自己的枚举（要新增输入），无法与该头文件的枚举同处一个文件。请先为 layer 声明自己的枚举。',
  },
});
