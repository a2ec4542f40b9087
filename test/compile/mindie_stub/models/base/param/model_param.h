// Stand-in for models/base/param/model_param.h: FromString -> protected ParseParam(json) chain.
#ifndef STUB_MINDIE_BASE_MODEL_PARAM_H
#define STUB_MINDIE_BASE_MODEL_PARAM_H
#include <string>
#include <vector>
#include "nlohmann/json.hpp"
#include "models/base/param/param.h"

namespace atb_speed {
namespace base {
nlohmann::json StringToJson(const std::string &param);

class ModelParam : public Param {
public:
    ModelParam() {};
    ~ModelParam() override {};
    void FromString(const std::string &param);
    void PrintParam() override;
    void CheckParam() override;

    uint32_t numHiddenLayers = 0;
    int lmHeadTransposeType = -1;
    bool skipWordEmbedding = false;
    std::vector<std::vector<int>> packQuantType;
    std::vector<std::vector<int>> linearQuantType;
    std::vector<std::vector<int>> linearTransposeType;
    std::vector<std::vector<bool>> linearHasBias;

protected:
    virtual void ParseParam(const nlohmann::json &paramJson);
};
} // namespace base
} // namespace atb_speed
#endif
