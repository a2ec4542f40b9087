import { registerMessages } from '../i18n';

export default registerMessages({
  en: {
    'quantize.empty': 'The file is empty: there is no layer to quantize.',
    'quantize.not-text': 'The file is not C++ text (binary content): nothing was converted.',
    'quantize.too-large': 'The file is {size} bytes, more than the {limit}-byte limit for a layer file: nothing was converted.',
    'quantize.missing-header': 'The layer has no header next to it ({header}): the param struct and symbols live there, so nothing was converted.',
    'quantize.syntax-error': '{file} does not parse as C++ (near line {line}); fix it first, nothing was converted.',
    'quantize.new-style':
      'This is a new-style layer (DecoderLayer class): quantization is a runtime setting there (packQuantType/linearQuantType), not a separate quant file.',
    'quantize.not-a-layer': 'No old-style layer function (one that fills an atb::GraphParam and resizes opGraph.nodes) was found.',
    'quantize.no-enum': 'No tensor-id enum with IN_ and OUT_ entries was found in the .cpp or the .h.',
    'quantize.already-quantized': 'The layer is already quantized ({evidence}); converting it again would duplicate its quant inputs.',
    'quantize.mixed-branches':
      'The layer already has float and quant branches behind the flag `{flag}`; it is quantized at run time, a separate quant file is not needed.',
    'quantize.v1-helper':
      'Node `{node}` uses the V1 helper {helper}, which has no quant fields; move it to {v2} (its header, param type and slot layout) first.',
    'quantize.model-local-helper':
      'Node `{node}` calls the model-local helper {helper}, not the shared atb_speed::common one of the same name: its fields and input slots differ, so the rewrite leaves it alone. Quantize it by hand following that helper\'s header.',
    'quantize.layer-norm-output':
      'LayerNorm node `{node}` writes {outputs}: a quantizing LayerNorm adds an int8 output next to one intermediate float output, so the rewrite needs exactly one intermediate output there.',
    'quantize.layer-norm-no-bias':
      'LayerNorm node `{node}` has {actual} inputs, no bias: its bias is the quant beta (offset) of the int8 output, so give it a bias input (zeros) first.',
    'quantize.unrolled-mlp':
      'Node `{node}` is part of an unrolled MLP (separate Linear/Activation nodes): its down projection is not a RowParallelLinearV2 (the only linear with its own activation-quant op), so it cannot be quantized without adding a node; use MlpGateLayerV2 or RowParallelLinearV2 first.',
    'quantize.anti-outlier-shared':
      'The anti-outlier sum {tensor} is also read by `{node}`, which stays float: folding the bias into the quantizing norm would change that node\'s input. Give it its own Add first.',
    'quantize.anti-outlier-node-index':
      'The anti-outlier Add node `{node}` is not taken with `opGraph.nodes.at(nodeId++)`: removing it would shift fixed node indices, so fold it into the norm by hand.',
    'quantize.model-local-op':
      'Node `{node}` runs {creator} on the weight {weight}: an operation built outside this layer, with no quant inputs, and no hand-written quant twin shows what quantizing it means, so the rewrite does not guess. Give that operation a quant version (or use the common RowParallelLinearV2 / MlpGateLayerV2) and convert again.',
    'quantize.multi-mlp.no-own-norm':
      'MLP node `{node}` reads {input}, which is not the output of exactly one norm of its own: with several MLPs, each is quantized through the int8 output of the norm in front of it, so that pairing has to be explicit in the graph. Give the MLP its own norm, or quantize it by hand.',
    'quantize.multi-mlp.shared-norm':
      'MLP nodes `{other}` and `{node}` both read the output of norm `{norm}`: with several MLPs the rewrite quantizes each norm -> MLP pair on its own and needs one norm per MLP (experts behind one norm are routed, not paired). Quantize them by hand.',
    'quantize.multi-mlp.same-stem':
      'MLP node `{node}` would get the layer-param scalars {stem}InputScale/{stem}InputOffset, which another MLP node already gets (their names differ only by a `Node` suffix). Rename one of the nodes and convert again.',
    'quantize.plain-linear-param':
      'Node `{node}` is a plain Linear with a float input; it would become a RowParallelLinearV2 (which quantizes its own input), but its param {param} sets `{field}`, which that helper does not mean the same way. Quantize it by hand or make it a RowParallelLinearV2 first.',
    'quantize.float-input-linear':
      'Node `{node}` is a plain Linear reading the float tensor {input}, not the output of a quantizing norm: an INT8 linear there needs its own quant node, which the rewrite does not invent. Make it a RowParallelLinearV2 (it quantizes its own input) or quantize it by hand.',
    'quantize.unsupported-node':
      'Node `{node}` ({creator}) takes weights the rewrite does not know how to quantize; read its helper and quantize it by hand.',
    'quantize.missing-part': 'The layer has no {part}; the W8A8 rewrite needs input norm, QKV linear(s), o_proj, post-attention norm and MLP.',
    'quantize.ambiguous-node': 'Node `{node}` is created or wired more than once (branches); the rewrite cannot tell which one to change.',
    'quantize.shared-param': 'Param `{param}` is shared by `{node}`, which must stay float; give the quantized node its own param first.',
    'quantize.slots.missing-slot':
      'Node `{node}` passes {actual} inputs to {helper}, which takes {expected}; slot {slot} (an input, weight or bias slot) is among the missing ones, so which tensor belongs where is not certain. Fix the float layer\'s input list first.',
    'quantize.slots.misfit':
      'Node `{node}` passes {actual} inputs to {helper}, which takes {expected}, and {tensor} in slot {slot} does not fit that slot of the helper\'s layout, so the missing slots cannot be placed with certainty. Fix the float layer\'s input list first.',
    'quantize.slots.note.padded':
      'line {line}: node `{node}` passes {actual} inputs to {helper}, which takes {expected}, so ATB rejects the float graph at setup. The given inputs match the helper\'s slots and only the last {missing} placeholder slot(s) were missing, so the quant layer passes all {expected} ({holder} there). Fix the float layer too: add {holder} at the end of that list.',
    'quantize.wiring.inputs-twice':
      'The float layer itself is broken: `{node}.inTensorIds` is set on lines {lines}, while {missing} is declared but never wired (no inTensorIds), so ATB would run a graph with a node without inputs. Most likely the later line was meant for {missing}. Fix the float layer first, then convert again.',
    'quantize.wiring.created-twice':
      'The float layer itself is broken: the operation of `{node}` is created on lines {lines}, while {missing} is declared but never gets an operation. Most likely the later line was meant for {missing}. Fix the float layer first, then convert again.',
    'quantize.helper-slots': 'Node `{node}` passes {actual} inputs to {helper}, which takes {expected}.',
    'quantize.unexpected-inputs': 'Node `{node}` has {actual} inputs; expected {expected}.',
    'quantize.no-count': 'The constant {name} was not found; the enum and the counts must agree.',
    'quantize.count-not-literal': '{name} is not a number literal ({text}); update it by hand.',
    'quantize.no-param-struct': 'The param struct {name} was not found in the .h or .cpp.',
    'quantize.no-from-json': 'No from_json for {name} was found; the new quant scalars could not be read.',
    'quantize.note.set-scalars':
      'The layer does not read {struct} from JSON (the model code fills it): set the new fields {names} there from the quant description, or the defaults (scale 1, offset 0) are used.',
    'quantize.name-collision': 'The new tensor name {name} already exists in the enum.',
    'quantize.internal': 'The rewrite failed unexpectedly: {detail}',
    'quantize.skip.quant-name': 'its name contains "quant" (already a quant layer)',
    'quantize.skip.no-header': 'no same-named .h next to it',
    'quantize.skip.header-by-include': 'no same-named .h (folder mode follows msit); its header {header} is found by #include when you convert this file on its own',
    'quantize.skip.not-layer-file': 'not a .cpp or .h file',
    'quantize.skip.missing': 'not found',
    'quantize.skip.no-cpp': 'no same-named .cpp next to this header',
    'quantize.cli.usage': 'Usage: atb-migrate transform -s <file.cpp|dir> [--enable-sparse] [--dry-run] [--out-dir D] [--json] [-l debug|info|warning|error]',
    'quantize.cli.bad-args': 'Bad arguments: {detail}',
    'quantize.cli.need-source': 'Missing -s/--source <file.cpp|dir>.',
    'quantize.cli.wrote': 'Wrote {path}',
    'quantize.cli.would-write': 'Would write {path} (dry run)',
    'quantize.cli.refused': '{input}: refused [{code}] {reason}',
    'quantize.cli.skipped': '{path}: skipped ({reason})',
    'quantize.cli.added': '{input}: added {count} input tensors; IN_TENSOR_COUNT {before} -> {after}',
    'quantize.cli.tensors': '{input}: new input tensors: {names}',
    'quantize.cli.renamed': '{input}: renamed {from} -> {to}',
    'quantize.cli.note': '{input}: note: {note}',
    'quantize.cli.summary': '{converted} converted, {refused} refused, {skipped} skipped.',
    'quantize.cli.nothing-written': 'Nothing was written.',
    'quantize.cli.write-failed': 'Could not write {path}: {detail}',
  },
  'zh-cn': {
    'quantize.empty': '文件为空：没有可量化的 layer。',
    'quantize.not-text': '该文件不是 C++ 文本（二进制内容）：未做任何转换。',
    'quantize.too-large': '文件大小 {size} 字节，超过 layer 文件上限 {limit} 字节：未做任何转换。',
    'quantize.missing-header': '该 layer 旁边没有头文件（{header}）：参数结构体和符号定义在头文件中，因此未做任何转换。',
    'quantize.syntax-error': '{file} 无法按 C++ 解析（第 {line} 行附近）；请先修复，未做任何转换。',
    'quantize.new-style':
      '这是新式 layer（DecoderLayer 类）：量化在运行时配置（packQuantType/linearQuantType），不需要单独的量化文件。',
    'quantize.not-a-layer': '未找到旧式 layer 函数（填充 atb::GraphParam 并调整 opGraph.nodes 大小的函数）。',
    'quantize.no-enum': '在 .cpp 或 .h 中未找到含 IN_ 与 OUT_ 条目的张量 id 枚举。',
    'quantize.already-quantized': '该 layer 已经量化（{evidence}）；再次转换会重复添加量化输入。',
    'quantize.mixed-branches': '该 layer 已在标志 `{flag}` 后同时包含浮点与量化分支；量化在运行时选择，不需要单独的量化文件。',
    'quantize.v1-helper': '节点 `{node}` 使用 V1 辅助函数 {helper}，它没有量化字段；请先改用 {v2}（其头文件、参数类型与输入槽位布局）。',
    'quantize.model-local-helper':
      '节点 `{node}` 调用的是模型自带的辅助函数 {helper}，而不是同名的共享 atb_speed::common 版本：两者的字段和输入槽位不同，改写不会修改它。请参照该辅助函数的头文件手工量化。',
    'quantize.layer-norm-output': 'LayerNorm 节点 `{node}` 的输出为 {outputs}：量化的 LayerNorm 在一个浮点中间输出旁再加一个 int8 输出，因此这里必须恰好有一个中间张量输出。',
    'quantize.layer-norm-no-bias': 'LayerNorm 节点 `{node}` 只有 {actual} 个输入，没有 bias：它的 bias 就是 int8 输出的量化 beta（偏移），请先为它加一个 bias 输入（全零）。',
    'quantize.unrolled-mlp': '节点 `{node}` 属于展开的 MLP（独立的 Linear/Activation 节点）：其 down 投影不是 RowParallelLinearV2（唯一自带激活量化算子的 linear），不新增节点就无法量化；请先改用 MlpGateLayerV2 或 RowParallelLinearV2。',
    'quantize.anti-outlier-shared': '反离群（anti-outlier）加和 {tensor} 还被必须保持浮点的 `{node}` 读取：把 bias 合入量化 norm 会改变该节点的输入。请先为它单独保留一个 Add。',
    'quantize.anti-outlier-node-index': '反离群 Add 节点 `{node}` 不是通过 `opGraph.nodes.at(nodeId++)` 取得的：删除它会打乱固定的节点下标，请手工把它合入 norm。',
    'quantize.model-local-op':
      '节点 `{node}` 对权重 {weight} 执行 {creator}：这是在本 layer 之外构建的算子，没有量化输入，也没有手写的量化版本说明如何量化它，因此改写不做猜测。请先为该算子提供量化版本（或改用通用的 RowParallelLinearV2 / MlpGateLayerV2）后再转换。',
    'quantize.multi-mlp.no-own-norm':
      'MLP 节点 `{node}` 读取 {input}，它不是恰好一个专属 norm 的输出：有多个 MLP 时，每个 MLP 通过其前面 norm 的 int8 输出量化，因此这种配对必须在图中明确。请为该 MLP 提供专属 norm，或手工量化。',
    'quantize.multi-mlp.shared-norm':
      'MLP 节点 `{other}` 与 `{node}` 都读取 norm `{norm}` 的输出：有多个 MLP 时，改写对每个 norm -> MLP 配对分别量化，需要每个 MLP 各有一个 norm（共用一个 norm 的专家是路由关系，而非配对）。请手工量化。',
    'quantize.multi-mlp.same-stem':
      'MLP 节点 `{node}` 将获得层参数标量 {stem}InputScale/{stem}InputOffset，而另一个 MLP 节点已使用同名标量（两者名称只差 `Node` 后缀）。请重命名其中一个节点后再转换。',
    'quantize.plain-linear-param':
      '节点 `{node}` 是输入为浮点的普通 Linear；它本可改为自带输入量化的 RowParallelLinearV2，但其参数 {param} 设置了 `{field}`，该辅助函数对它的含义不同。请手工量化，或先改用 RowParallelLinearV2。',
    'quantize.float-input-linear':
      '节点 `{node}` 是读取浮点张量 {input} 的普通 Linear，而不是量化 norm 的输出：在这里使用 INT8 linear 需要单独的量化节点，改写不会凭空添加。请改用 RowParallelLinearV2（它自带输入量化）或手工量化。',
    'quantize.unsupported-node': '节点 `{node}`（{creator}）使用了改写无法量化的权重；请阅读其辅助函数并手工量化。',
    'quantize.missing-part': '该 layer 缺少 {part}；W8A8 改写需要输入 norm、QKV linear、o_proj、注意力后 norm 与 MLP。',
    'quantize.ambiguous-node': '节点 `{node}` 被多次创建或连接（存在分支）；改写无法判断应修改哪一处。',
    'quantize.shared-param': '参数 `{param}` 同时被必须保持浮点的 `{node}` 使用；请先为量化节点单独声明参数。',
    'quantize.slots.missing-slot':
      '节点 `{node}` 向 {helper} 传入 {actual} 个输入，而它需要 {expected} 个；缺失的槽位中包括第 {slot} 个（输入、权重或偏置槽位），无法确定各张量应放在哪里。请先修正浮点 layer 的输入列表。',
    'quantize.slots.misfit':
      '节点 `{node}` 向 {helper} 传入 {actual} 个输入，而它需要 {expected} 个；第 {slot} 个槽位上的 {tensor} 与该辅助函数的槽位布局不符，无法确定缺失槽位的位置。请先修正浮点 layer 的输入列表。',
    'quantize.slots.note.padded':
      '第 {line} 行：节点 `{node}` 向 {helper} 传入 {actual} 个输入，而它需要 {expected} 个，因此 ATB 在构图时会拒绝该浮点图。已给出的输入与辅助函数的槽位一一对应，只缺末尾 {missing} 个占位槽位，因此量化 layer 传入全部 {expected} 个（缺失处为 {holder}）。请同时修正浮点 layer：在该列表末尾补上 {holder}。',
    'quantize.wiring.inputs-twice':
      '浮点 layer 本身有误：第 {lines} 行都设置了 `{node}.inTensorIds`，而已声明的 {missing} 从未连接（没有 inTensorIds），ATB 将运行一个含无输入节点的图。很可能后一行本应属于 {missing}。请先修复浮点 layer，再重新转换。',
    'quantize.wiring.created-twice':
      '浮点 layer 本身有误：第 {lines} 行都创建了 `{node}` 的算子，而已声明的 {missing} 从未获得算子。很可能后一行本应属于 {missing}。请先修复浮点 layer，再重新转换。',
    'quantize.helper-slots': '节点 `{node}` 向 {helper} 传入 {actual} 个输入，而它需要 {expected} 个。',
    'quantize.unexpected-inputs': '节点 `{node}` 有 {actual} 个输入；期望 {expected} 个。',
    'quantize.no-count': '未找到常量 {name}；枚举与计数必须一致。',
    'quantize.count-not-literal': '{name} 不是数字字面量（{text}）；请手工更新。',
    'quantize.no-param-struct': '在 .h 或 .cpp 中未找到参数结构体 {name}。',
    'quantize.no-from-json': '未找到 {name} 的 from_json；无法读取新增的量化标量。',
    'quantize.note.set-scalars': '该 layer 不从 JSON 读取 {struct}（由模型代码填充）：请在那里按量化描述设置新字段 {names}，否则会使用默认值（scale 1，offset 0）。',
    'quantize.name-collision': '新的张量名 {name} 已存在于枚举中。',
    'quantize.internal': '改写意外失败：{detail}',
    'quantize.skip.quant-name': '文件名包含 "quant"（已是量化 layer）',
    'quantize.skip.no-header': '旁边没有同名 .h 文件',
    'quantize.skip.header-by-include': '没有同名 .h（文件夹模式与 msit 一致）；单独转换此文件时会通过 #include 找到其头文件 {header}',
    'quantize.skip.not-layer-file': '不是 .cpp 或 .h 文件',
    'quantize.skip.missing': '未找到',
    'quantize.skip.no-cpp': '该头文件旁边没有同名 .cpp 文件',
    'quantize.cli.usage': '用法：atb-migrate transform -s <file.cpp|dir> [--enable-sparse] [--dry-run] [--out-dir D] [--json] [-l debug|info|warning|error]',
    'quantize.cli.bad-args': '参数错误：{detail}',
    'quantize.cli.need-source': '缺少 -s/--source <file.cpp|dir>。',
    'quantize.cli.wrote': '已写入 {path}',
    'quantize.cli.would-write': '将写入 {path}（试运行）',
    'quantize.cli.refused': '{input}：拒绝转换 [{code}] {reason}',
    'quantize.cli.skipped': '{path}：已跳过（{reason}）',
    'quantize.cli.added': '{input}：新增 {count} 个输入张量；IN_TENSOR_COUNT {before} -> {after}',
    'quantize.cli.tensors': '{input}：新增输入张量：{names}',
    'quantize.cli.renamed': '{input}：重命名 {from} -> {to}',
    'quantize.cli.note': '{input}：注意：{note}',
    'quantize.cli.summary': '转换 {converted} 个，拒绝 {refused} 个，跳过 {skipped} 个。',
    'quantize.cli.nothing-written': '未写入任何文件。',
    'quantize.cli.write-failed': '无法写入 {path}：{detail}',
  },
});
