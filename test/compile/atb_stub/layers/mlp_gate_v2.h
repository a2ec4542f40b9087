#ifndef STUB_ATB_SPEED_LAYER_MLP_GATE_V2_H
#define STUB_ATB_SPEED_LAYER_MLP_GATE_V2_H
#include "atb/atb_infer.h"
#include "layers/parallel_layer_v2.h"

namespace atb_speed {
namespace common {
struct MlpGateParamV2 {
    atb::infer::ActivationType activationType = atb::infer::ACTIVATION_UNDEFINED;
    bool transposeB = true;
    bool isBias = false;
    bool isPack = false;
    bool isQuant = false;
    bool isSparse = false;
    bool noGate = false;
    bool isBF16 = false;
    CommParam commDownParam;
    QuantParam quantUpParam;
    QuantParam quantGateParam;
    QuantParam quantDownParam;
};
// Inputs: [input, weightUp, weightGate, weightDown, deqUp, deqGate, deqDown, biasUp, biasGate, biasDown,
//          indexUp, indexGate, indexDown, offsetUp, offsetGate, offsetDown, compressInfoUp, ...Gate, ...Down]
atb::Status MlpGateLayerV2(const MlpGateParamV2 &param, atb::Operation **operation);
} // namespace common
} // namespace atb_speed
#endif
