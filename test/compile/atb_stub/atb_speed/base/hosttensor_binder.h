#ifndef STUB_ATB_SPEED_HOSTTENSOR_BINDER_H
#define STUB_ATB_SPEED_HOSTTENSOR_BINDER_H
#include <string>
#include <vector>
#include "atb/atb_infer.h"
#include "nlohmann/json.hpp"
#include "atb_speed/utils/operation_util.h"

namespace atb_speed {
class HostTensorBinder {
public:
    HostTensorBinder() = default;
    virtual ~HostTensorBinder() = default;
    virtual void ParseParam(const nlohmann::json &paramJson) = 0;
    virtual void BindTensor(atb::VariantPack &variantPack) = 0;
};

using OperationCreateFunc = atb::Operation *(*)(const nlohmann::json &paramJson);
class OperationRegister {
public:
    OperationRegister(const char *name, OperationCreateFunc func);
};
} // namespace atb_speed

// One registration object per create function; its name is derived from the function's name.
#define REGISTER_OPERATION(nameSpace, operationCreateFunc)                                       \
    static atb_speed::OperationRegister nameSpace##operationCreateFunc##Register(              \
        #nameSpace "_" #operationCreateFunc, &atb_speed::nameSpace::operationCreateFunc)
#endif
