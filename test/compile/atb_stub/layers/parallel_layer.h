#ifndef STUB_ATB_SPEED_LAYER_PARALLEL_LAYER_H
#define STUB_ATB_SPEED_LAYER_PARALLEL_LAYER_H
#include <string>
#include "atb/atb_infer.h"
#include "atb_speed/utils/operation_util.h"

namespace atb_speed {
namespace common {
// V1 helper: no quant fields.
struct ParallelParam {
    int rank = 0;
    int rankSize = 1;
    int rankRoot = 0;
    void *hcclComm = nullptr;
    bool isBias = false;
    bool transposeA = false;
    bool transposeB = true;
    std::string backend = "hccl";
    bool isBF16 = false;
};
atb::Status RowParallelLinear(const ParallelParam &param, atb::Operation **operation);
atb::Status ColumnParallelLinear(const ParallelParam &param, atb::Operation **operation);
} // namespace common
} // namespace atb_speed
#endif
