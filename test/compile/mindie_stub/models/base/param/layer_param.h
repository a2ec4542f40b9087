// Stand-in for models/base/param/layer_param.h.
#ifndef STUB_MINDIE_BASE_LAYER_PARAM_H
#define STUB_MINDIE_BASE_LAYER_PARAM_H
#include <vector>
#include "models/base/param/param.h"

namespace atb_speed {
namespace base {
class LayerParam : public Param {
public:
    LayerParam() {};
    ~LayerParam() override {};
    void PrintParam() override;
    void CheckParam() override;

    int layerId = 0;
    int numHiddenLayers = 0;
    std::vector<int> packQuantType;
    std::vector<int> linearQuantType;
    std::vector<int> linearTransposeType;
    std::vector<bool> linearHasBias;
};
} // namespace base
} // namespace atb_speed
#endif
