#ifndef STUB_ATB_SPEED_LOG_H
#define STUB_ATB_SPEED_LOG_H
#include <cmath>
#include <ostream>
#include <string>
#include "nlohmann/json.hpp"

namespace atb_speed {
std::ostream &LogStream(int level);
enum LogLevel : int { DEBUG = 0, INFO, WARN, ERROR };
} // namespace atb_speed
#define ATB_LOG(level) atb_speed::LogStream(atb_speed::level)
std::string GetFuncNameAndNameSpace(const std::string &inputStr);
#endif
