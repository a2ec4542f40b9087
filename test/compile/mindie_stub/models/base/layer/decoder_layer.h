// Stand-in for models/base/layer/decoder_layer.h: the layer hooks a model-specific layer overrides.
#ifndef STUB_MINDIE_BASE_DECODER_LAYER_H
#define STUB_MINDIE_BASE_DECODER_LAYER_H
#include <map>
#include <string>
#include <vector>
#include "atb/atb_infer.h"
#include "models/base/param/layer_param.h"
#include "operations/fusion/attention/fusion_attention.h"

namespace atb_speed {
namespace base {
template <typename NormType>
class DecoderLayer {
public:
    explicit DecoderLayer(const LayerParam &param);
    virtual ~DecoderLayer() {};
    virtual atb::Status BuildGraph(atb::Operation **operation);

protected:
    virtual void ConstructInTensorMap();
    virtual void ConstructInternalTensorMap();
    virtual void SetFusionAttentionParam(atb_speed::common::FusionAttentionParam<NormType> &fusionAttentionParam);
    virtual void SetFusionAttentionNormParam(atb_speed::common::FusionAttentionParam<NormType> &fusionAttentionParam);
    virtual void SetFusionAttentionLinearParam(atb_speed::common::FusionAttentionParam<NormType> &fusionAttentionParam);
    virtual std::map<unsigned int, std::vector<std::string>> GetAttentionIntensor();
    virtual std::map<unsigned int, std::vector<std::string>> GetMlpIntensor();
    virtual atb::Status AddOperationToGraph();

    std::map<std::string, uint32_t> tensorMap = {};
    LayerParam param;
    atb::GraphParam graph;
};
} // namespace base
} // namespace atb_speed
#endif
