// Stand-in for operations/fusion/attention/fusion_attention.h: the fields a layer override sets.
#ifndef STUB_MINDIE_FUSION_ATTENTION_H
#define STUB_MINDIE_FUSION_ATTENTION_H
#include "atb/atb_infer.h"
#include "operations/fusion/embedding/positional_embedding.h"

namespace atb_speed {
namespace common {
template <typename NormParamType>
struct FusionAttentionParam {
    bool isFA = true;
    bool isPrefill = false;
    bool isBF16 = false;
    bool useQKNorm = false;
    bool enableNormQuantOp = true;
    RotaryType rotaryType = ALL_ROTARY;
    atb::infer::RopeParam ropeParam;
    atb::infer::SelfAttentionParam selfAttentionParam;
    atb::infer::PagedAttentionParam pageAttentionParam;
    NormParamType normParamType;
    NormParamType normQuantParamType;
};
} // namespace common
} // namespace atb_speed
#endif
