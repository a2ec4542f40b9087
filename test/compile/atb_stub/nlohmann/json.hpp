// Stand-in for nlohmann::json: only the calls layer files make.
#ifndef STUB_NLOHMANN_JSON_HPP
#define STUB_NLOHMANN_JSON_HPP
#include <string>
#include <type_traits>
#include <vector>

namespace nlohmann {
class json {
public:
    const json &at(const char *key) const;
    bool contains(const char *key) const;
    const json &operator[](const char *key) const;
    const json *begin() const;
    const json *end() const;
    template <typename T> void get_to(T &value) const;
    template <typename T> T get() const
    {
        T value{};
        if constexpr (std::is_arithmetic_v<T> || std::is_same_v<T, std::string>) {
            get_to(value);
        } else {
            from_json(*this, value);
        }
        return value;
    }
};
} // namespace nlohmann
#endif
