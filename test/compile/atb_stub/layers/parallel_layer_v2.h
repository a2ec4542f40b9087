#ifndef STUB_ATB_SPEED_LAYER_PARALLEL_LAYER_V2_H
#define STUB_ATB_SPEED_LAYER_PARALLEL_LAYER_V2_H
#include <string>
#include "atb/atb_infer.h"
#include "atb_speed/utils/operation_util.h"

namespace atb_speed {
namespace common {
struct QuantParam {
    atb::infer::QuantType quantType = atb::infer::QUANT_UNDEFINED;
    atb::infer::ElewiseParam::ElewiseType elewiseType = atb::infer::ElewiseParam::ELEWISE_UNDEFINED;
    float inputScale = 1.0f;
    int inputOffset = 0;
    int tilingN = 0;
    int tilingK = 0;
    bool isQuantOp = false;
};
struct CommParam {
    int rank = 0;
    int rankSize = 1;
    int rankRoot = 0;
    void *hcclComm = nullptr;
    std::string backend = "hccl";
};
struct ParallelParamV2 {
    bool isBias = false;
    bool transposeA = false;
    bool transposeB = true;
    bool isQuant = false;
    bool isSparse = false;
    bool isAllGatherTranspose = false;
    bool isBF16 = false;
    CommParam commParam;
    QuantParam quantParam;
};
// Inputs: [input, weight, bias, deqScale, index, offset, compressInfo]
atb::Status RowParallelLinearV2(const ParallelParamV2 &param, atb::Operation **operation);
atb::Status ColumnParallelLinearV2(const ParallelParamV2 &param, atb::Operation **operation);
} // namespace common
} // namespace atb_speed
#endif
