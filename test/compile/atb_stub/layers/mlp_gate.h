#ifndef STUB_ATB_SPEED_LAYER_MLP_GATE_H
#define STUB_ATB_SPEED_LAYER_MLP_GATE_H
#include <string>
#include "atb/atb_infer.h"
#include "layers/parallel_layer.h"

namespace atb_speed {
namespace common {
// V1 helper: inputs [input, weightUp, weightGate, weightDown(, biasUp, biasGate, biasDown)], no quant fields.
struct MlpGateParam {
    int rank = 0;
    int rankSize = 1;
    int rankRoot = 0;
    void *hcclComm = nullptr;
    atb::infer::ActivationType activationType = atb::infer::ACTIVATION_UNDEFINED;
    bool transposeB = false;
    bool isBias = false;
    bool isPack = false;
    bool isBF16 = false;
    std::string backend = "hccl";
};
atb::Status MlpGateLayer(const MlpGateParam &param, atb::Operation **operation);
} // namespace common
} // namespace atb_speed
#endif
