/**
 * The language server's own wording (code action titles, skip notes), in English and Simplified
 * Chinese, registered in the engine's catalogue so the server formats everything one way.
 */
import { registerMessages } from '../core/i18n';

export const serverMessages = registerMessages({
  en: {
    'server.action.quantize.w8a8': 'Quantize layer (W8A8)',
    'server.action.quantize.w8a8sc': 'Sparse-quantize layer (W8A8SC)',
    'server.action.declareSupported': 'Declare "{name}" as supported in .atb-migrate.yaml',
    'server.annotation.declareSupported': 'Operator catalogue override',
    'server.annotation.replaces': 'replaces the existing file',
    'server.annotation.creates': 'new file',
    'server.tooLarge': 'ATB Migrate skipped this file: {size} MB is over the {limit} MB limit for live analysis. Use "ATB: Analyze Operator Support" on its folder instead.',
    'server.quantize.unavailable': 'Quantize layer is not offered for {file}: {reason}',
    'server.quantize.summary': '{input} → {outputs}: {added} tensors added',
    'server.internalError': 'ATB Migrate could not process {file}: {error}',
    'server.notAFile': '{path} is neither a file nor a folder.',
    'server.analysis.noModel': 'No model code found in {path}.',
    'server.report.nothing': 'Nothing to report: no model code was found in {path}.',
  },
  'zh-cn': {
    'server.action.quantize.w8a8': '量化该层（W8A8）',
    'server.action.quantize.w8a8sc': '稀疏量化该层（W8A8SC）',
    'server.action.declareSupported': '在 .atb-migrate.yaml 中声明“{name}”为已支持',
    'server.annotation.declareSupported': '算子目录覆盖配置',
    'server.annotation.replaces': '将替换已有文件',
    'server.annotation.creates': '新文件',
    'server.tooLarge': 'ATB Migrate 跳过了此文件：{size} MB 超过实时分析上限 {limit} MB。请改为对其所在文件夹运行“ATB: 分析算子支持情况”。',
    'server.quantize.unavailable': '{file} 不提供“量化该层”：{reason}',
    'server.quantize.summary': '{input} → {outputs}：新增 {added} 个张量',
    'server.internalError': 'ATB Migrate 无法处理 {file}：{error}',
    'server.notAFile': '{path} 既不是文件也不是文件夹。',
    'server.analysis.noModel': '在 {path} 中未找到模型代码。',
    'server.report.nothing': '没有可导出的内容：在 {path} 中未找到模型代码。',
  },
});
