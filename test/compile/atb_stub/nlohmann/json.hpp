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
    const json &at(std::size_t index) const; // array access (also what a stray 'multi-char' literal resolves to)
    bool contains(const char *key) const;
    const json &operator[](const char *key) const;
    const json *begin() const;
    const json *end() const;
    const json *find(const char *key) const;
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
