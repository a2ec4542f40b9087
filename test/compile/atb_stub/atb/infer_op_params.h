// Declarations of the ATB infer params old-style layers use (as of ATB 1.0.RC1-RC2).
#ifndef STUB_ATB_INFER_OP_PARAMS_H
#define STUB_ATB_INFER_OP_PARAMS_H
#include <cstdint>
#include <string>

// HCCL's communicator handle (hccl/hccl_types.h): an opaque pointer.
typedef void *HcclComm;

namespace atb {
namespace infer {
enum QuantType : int { QUANT_UNDEFINED = 0, QUANT_INT4, QUANT_INT8, QUANT_INT16, QUANT_FLOAT8, QUANT_FLOAT16 };
enum LinearType : int { LINEAR_UNDEFINED = 0, LINEAR_FP16FP16_FP32_FP16, LINEAR_INT8INT8_INT32_FP16 };
enum ActivationType : int {
    ACTIVATION_UNDEFINED = 0,
    ACTIVATION_RELU,
    ACTIVATION_GELU,
    ACTIVATION_FAST_GELU,
    ACTIVATION_SWISH,
};

struct ActivationParam {
    ActivationType activationType = ACTIVATION_UNDEFINED;
    float scale = 1.0f;
};

struct ElewiseParam {
    enum ElewiseType : int {
        ELEWISE_UNDEFINED = 0,
        ELEWISE_CAST,
        ELEWISE_MULS,
        ELEWISE_COS,
        ELEWISE_SIN,
        ELEWISE_NEG,
        ELEWISE_QUANT,
        ELEWISE_LOGICAL_NOT,
        ELEWISE_ADD,
        ELEWISE_MUL,
    };
    struct MulsParam {
        float varAttr = 0.0f;
    };
    struct QuantParam {
        float inputScale = 1.0f;
        int inputOffset = 0;
    };
    ElewiseType elewiseType = ELEWISE_UNDEFINED;
    MulsParam mulsParam;
    QuantParam quantParam;
};

struct RmsNormParam {
    enum RmsNormType : int { RMS_NORM_UNDEFINED = 0, RMS_NORM_NORM, RMS_NORM_PRENORM, RMS_NORM_POSTNORM };
    struct NormParam {
        QuantType quantType = QUANT_UNDEFINED;
        float epsilon = 1e-5;
    };
    RmsNormType layerType = RMS_NORM_UNDEFINED;
    NormParam normParam;
};

struct LayerNormParam {
    enum LayerNormType : int { LAYER_NORM_UNDEFINED = 0, LAYER_NORM_NORM, LAYER_NORM_PRENORM, LAYER_NORM_POSTNORM };
    struct NormParam {
        QuantType quantType = QUANT_UNDEFINED;
        float epsilon = 1e-5;
        int32_t beginNormAxis = 0;
        int32_t beginParamsAxis = 0;
    };
    LayerNormType layerType = LAYER_NORM_UNDEFINED;
    NormParam normParam;
};

// Old ATB: linearType selects the int8 kernel (removed from current ATB).
struct LinearParam {
    bool transposeA = false;
    bool transposeB = true;
    bool hasBias = true;
    LinearType linearType = LINEAR_UNDEFINED;
};

// No hasBias and no linearType: setting them must not compile.
struct LinearSparseParam {
    bool transposeA = false;
    bool transposeB = true;
    uint32_t tilingK = 1;
    uint32_t tilingN = 1;
};

struct SplitParam {
    int32_t splitDim = 0;
    int32_t splitNum = 2;
};

struct SliceParam {
    SVector<int64_t> offsets;
    SVector<int64_t> size;
};

struct RopeParam {
    int32_t rotaryCoeff = 4;
    int32_t cosFormat = 0;
};

struct SelfAttentionParam {
    enum CalcType : int { UNDEFINED = 0, ENCODER, DECODER, PA_ENCODER };
    enum MaskType : int { MASK_TYPE_UNDEFINED = 0, MASK_TYPE_NORM, MASK_TYPE_ALIBI };
    int32_t headNum = 0;
    int32_t kvHeadNum = 0;
    float qScale = 1.0f;
    float qkScale = 1.0f;
    int32_t headDim = 0;
    bool isTriuMask = false;
    uint32_t isClamp = 0;
    float clampMin = 0;
    float clampMax = 0;
    CalcType calcType = UNDEFINED;
    // Older ATB releases (the old-style layers' era) spelled it coderType / CoderType, same values.
    using CoderType = CalcType;
    CoderType coderType = UNDEFINED;
    MaskType maskType = MASK_TYPE_UNDEFINED;
    // Fields of the early-2024 releases that the paged and flash layers of that era set.
    enum ClampType : int { CLAMP_TYPE_UNDEFINED = 0, CLAMP_TYPE_MIN_MAX };
    ClampType clampType = CLAMP_TYPE_UNDEFINED;
    bool isEncoder = false;
    bool isSupportAlibi = false;
};

struct PagedAttentionParam {
    enum MaskType : int { UNDEFINED = 0, MASK_TYPE_NORM, MASK_TYPE_ALIBI };
    int32_t headNum = 0;
    float qkScale = 1.0f;
    int32_t kvHeadNum = 0;
    MaskType maskType = UNDEFINED;
    bool isSupportAlibi = false;
};

struct ConcatParam {
    int concatDim = 0;
};

struct TransposeParam {
    SVector<int32_t> perm;
};

struct ReshapeAndCacheParam {};

// Plain matmul of the 2024 ATB releases (no bias; later replaced by LinearParam).
struct MatmulParam {
    bool transposeA = false;
    bool transposeB = false;
};

// Linear + communication in one op; "RowParallel" all-reduces the per-rank products.
struct LinearParallelParam {
    bool transWeight = true;
    int rank = 0;
    int rankSize = 0;
    int rankRoot = 0;
    std::string bias = "None";
    std::string parallelType = "RowParallel";
    std::string backend = "hccl";
    HcclComm hcclComm = nullptr;
    std::string rankTableFile;
};

struct AllReduceParam {
    int rank = 0;
    int rankSize = 0;
    int rankRoot = 0;
    std::string allReduceType = "sum";
    std::string backend = "hccl";
    HcclComm hcclComm = nullptr;
    std::string rankTableFile;
};
} // namespace infer
} // namespace atb
#endif
