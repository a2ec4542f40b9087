import { registerMessages } from '../i18n';

export default registerMessages({
  en: {
    'layer.count-mismatch.in': '{name} is {value} but the enum has {actual} input entries (IN_...).',
    'layer.count-mismatch.out': '{name} is {value} but the enum has {actual} output entries (OUT_...).',
    'layer.count-mismatch.inter': '{name} is {value} but the enum has {actual} intermediate entries.',
    'layer.node-count-mismatch': '{name} is {value} but the layer function takes {actual} nodes.',
    'layer.unused-tensor': 'Tensor id {name} is declared but never used.',
    'layer.unproduced-tensor': 'Tensor id {name} is used as a node input but no node produces it.',
    'layer.removed-param': '{name} no longer exists in current ATB (removed in 2024, after ATB 1.0.RC1); use {replacement} when moving to a current release.',
    'layer.removed-field': '{type}::{field} no longer exists in current ATB (removed in 2024, after ATB 1.0.RC1); it compiles only against old ATB releases.',
  },
  'zh-cn': {
    'layer.count-mismatch.in': '{name} 为 {value}，但枚举中有 {actual} 个输入条目（IN_...）。',
    'layer.count-mismatch.out': '{name} 为 {value}，但枚举中有 {actual} 个输出条目（OUT_...）。',
    'layer.count-mismatch.inter': '{name} 为 {value}，但枚举中有 {actual} 个中间张量条目。',
    'layer.node-count-mismatch': '{name} 为 {value}，但 layer 函数使用了 {actual} 个节点。',
    'layer.unused-tensor': '张量 id {name} 已声明但从未使用。',
    'layer.unproduced-tensor': '张量 id {name} 被用作节点输入，但没有任何节点产生它。',
    'layer.removed-param': '{name} 在当前 ATB 中已不存在（2024 年 ATB 1.0.RC1 之后移除）；迁移到新版本时请改用 {replacement}。',
    'layer.removed-field': '{type}::{field} 在当前 ATB 中已不存在（2024 年 ATB 1.0.RC1 之后移除）；只能在旧版 ATB 上编译。',
  },
});
