// Stand-in for models/base/model/decoder_model.h: the model hooks a generated model may override.
#ifndef STUB_MINDIE_BASE_DECODER_MODEL_H
#define STUB_MINDIE_BASE_DECODER_MODEL_H
#include <map>
#include <string>
#include <vector>
#include "atb_speed/base/model.h"
#include "atb_speed/utils/operation_util.h"
#include "models/base/param/layer_param.h"
#include "models/base/param/model_param.h"
#include "models/base/layer/decoder_layer.h"

namespace atb_speed {
namespace base {
class DecoderModel : public Model {
public:
    explicit DecoderModel(const std::string &param);
    ~DecoderModel() override;
    uint32_t GetInputNum() const override;
    uint32_t GetOutputNum() const override;
    atb::Status InferShape(const std::vector<atb::TensorDesc> &inTensorDescs,
                           std::vector<atb::TensorDesc> &outTensorDescs) override;

protected:
    virtual void ConstructInTensorMap();
    virtual uint32_t CalcWeightTensorSize();
    atb::Status ParseParam(const std::string &paramString) override;
    atb::Status BindParamHostTensor(uint32_t nodeId) override;
    virtual void SetLayerParam(LayerParam &layerParam, uint32_t layerId);
    virtual atb::Status CreateLayerOperation(atb::Operation **op, uint32_t layerId);
    int64_t BuildGraph() override;

    std::map<std::string, std::vector<std::string>> inTensorCandidates = {};
    std::map<std::string, uint32_t> inTensorMap = {};
    uint32_t weightCountPerLayer = 50;
    uint32_t weightCountWordEmbedding = 1;
    uint32_t weightCountFinalNorm = 1;
    uint32_t weightCountLmHead = 1;
    ModelParam param;
};
} // namespace base
} // namespace atb_speed
#endif
