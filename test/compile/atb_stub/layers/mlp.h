#ifndef STUB_ATB_SPEED_LAYER_MLP_H
#define STUB_ATB_SPEED_LAYER_MLP_H
#include "atb/atb_infer.h"

namespace atb_speed {
namespace common {
// Inputs: [input, weightUp, weightDown(, biasUp, biasDown)]: up Linear, activation, RowParallelLinear down.
struct MlpParam {
    int rank = 0;
    int rankSize = 1;
    int rankRoot = 0;
    void *hcclComm = nullptr;
    atb::infer::ActivationType activationType;
    bool transpose = true;
    bool isBias = false;
};
atb::Status MlpLayer(const MlpParam &param, atb::Operation **operation);
} // namespace common
} // namespace atb_speed
#endif
