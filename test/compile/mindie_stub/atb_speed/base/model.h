// Stand-in for atb_speed/base/model.h (MindIE-LLM v3): the model runtime base class.
#ifndef STUB_MINDIE_ATB_SPEED_BASE_MODEL_H
#define STUB_MINDIE_ATB_SPEED_BASE_MODEL_H
#include <cstdint>
#include <string>
#include <vector>
#include "atb/atb_infer.h"

namespace atb_speed {
class Model {
public:
    struct Node {
        std::shared_ptr<atb::Operation> operation;
        std::vector<atb::Tensor *> inTensors;
        std::vector<atb::Tensor *> outTensors;
    };
    Model(const std::string &modelName, const std::string &param);
    virtual ~Model();
    virtual uint32_t GetInputNum() const = 0;
    virtual uint32_t GetOutputNum() const = 0;
    virtual atb::Status InferShape(const std::vector<atb::TensorDesc> &inTensorDescs,
                                   std::vector<atb::TensorDesc> &outTensorDescs) = 0;

protected:
    virtual int64_t BuildGraph() = 0;
    virtual atb::Status ParseParam(const std::string &param);
    virtual atb::Status BindParamHostTensor(uint32_t nodeId);
    std::string modelName_;
};
} // namespace atb_speed
#endif
