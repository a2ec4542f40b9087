#ifndef STUB_ATB_SVECTOR_H
#define STUB_ATB_SVECTOR_H
#include <vector>
namespace atb {
template <typename T> class SVector : public std::vector<T> {
public:
    using std::vector<T>::vector;
};
} // namespace atb
#endif
