// Stand-in for models/base/param/param.h: flags shared by model and layer params.
#ifndef STUB_MINDIE_BASE_PARAM_H
#define STUB_MINDIE_BASE_PARAM_H
#include <cstdint>
#include <string>
#include <vector>

namespace atb_speed {
namespace base {
enum NormType : uint32_t { RMS_NORM = 0, LAYER_NORM };
enum PositionEmbeddingType : uint32_t { ROPE = 0, ALIBI, ABSOLUTE };

class Param {
public:
    Param() {};
    virtual ~Param() {};
    virtual void PrintParam();
    virtual void CheckParam();

    bool isFA = true;
    bool isUnpadInputs = true;
    bool isPrefill = false;
    bool isBF16 = false;
    bool isEdgeHardware = false;
    bool enableSwiGLU = false;
    bool useQKNorm = false;
    PositionEmbeddingType positionEmbeddingType = ROPE;
    NormType normType = RMS_NORM;
    float normEps = 0;
    uint32_t numAttentionHeadsPerRank = 0;
    uint32_t hiddenSizePerAttentionHead = 0;
    uint32_t numKeyValueHeadsPerRank = 0;
    int rank = 0;
    int worldSize = 1;
    std::string backend = "hccl";
};
} // namespace base
} // namespace atb_speed
#endif
