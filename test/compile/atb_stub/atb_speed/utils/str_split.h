#ifndef STUB_ATB_SPEED_STR_SPLIT_H
#define STUB_ATB_SPEED_STR_SPLIT_H
#include <string>
#include <vector>

namespace atb_speed {
// Declaration-only stand-in for ATB-Models' string helpers (used by old-style layer headers).
std::vector<std::string> StrSplit(const std::string &str, const char expectedDelimiter);
} // namespace atb_speed
#endif
