// Stand-in for atb_speed/utils/model_factory.h: the registry that set_param's model name looks up.
#ifndef STUB_MINDIE_ATB_SPEED_MODEL_FACTORY_H
#define STUB_MINDIE_ATB_SPEED_MODEL_FACTORY_H
#include <functional>
#include <memory>
#include <string>
#include "atb_speed/base/model.h"

namespace atb_speed {
using CreateModelFuncPtr = std::function<std::shared_ptr<atb_speed::Model>(const std::string &)>;

class ModelFactory {
public:
    static bool Register(const std::string &modelName, CreateModelFuncPtr createModel);
    static std::shared_ptr<atb_speed::Model> CreateInstance(const std::string &modelName, const std::string &param);
};

// Same contract as MindIE's macro: registers "<nameSpace>_<modelName>", names ModelFactory
// unqualified (so it must expand inside namespace atb_speed) and needs the complete class.
#define STUB_MODEL_NAME_STRING(x) #x
#define REGISTER_MODEL(nameSpace, modelName)                                                    \
    struct StubRegister_##nameSpace##_##modelName {                                             \
        StubRegister_##nameSpace##_##modelName() noexcept                                       \
        {                                                                                       \
            ModelFactory::Register(STUB_MODEL_NAME_STRING(nameSpace##_##modelName),             \
                [](const std::string &param) { return std::make_shared<modelName>(param); });   \
        }                                                                                       \
    } static stubInstance_##nameSpace##modelName
} // namespace atb_speed
#endif
