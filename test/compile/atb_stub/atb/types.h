#ifndef STUB_ATB_TYPES_H
#define STUB_ATB_TYPES_H
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>
#include "atb/svector.h"

namespace atb {
using Status = int32_t;
constexpr Status NO_ERROR = 0;
struct Dims {
    int64_t dims[8];
    uint64_t dimNum = 0;
};
struct TensorDesc {
    Dims shape;
};
struct Tensor {
    TensorDesc desc;
    void *deviceData = nullptr;
    void *hostData = nullptr;
};
struct VariantPack {
    SVector<Tensor> inTensors;
    SVector<Tensor> outTensors;
};
class Operation {
public:
    virtual ~Operation() = default;
    virtual std::string GetName() const = 0;
    virtual uint32_t GetInputNum() const = 0;
    virtual uint32_t GetOutputNum() const = 0;
};
using ReshapeFunc = std::function<void(const Dims &oldShape, Dims &newShape)>;
using InferShapeFunc = std::function<Status(const SVector<TensorDesc> &inTensorDescs, SVector<TensorDesc> &outTensorDescs)>;
struct Node {
    Operation *operation = nullptr;
    SVector<uint32_t> inTensorIds;
    SVector<uint32_t> outTensorIds;
    SVector<ReshapeFunc> inTensorReshapeFuncs;
};
struct GraphParam {
    std::string name;
    uint32_t inTensorNum = 0;
    uint32_t outTensorNum = 0;
    uint32_t internalTensorNum = 0;
    std::vector<Node> nodes;
    InferShapeFunc inferShapeFunc;
};
template <typename OpParam> Status CreateOperation(const OpParam &opParam, Operation **operation);
} // namespace atb
#endif
