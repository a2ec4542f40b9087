// Stand-in for operations/fusion/embedding/positional_embedding.h: the rotary kinds.
#ifndef STUB_MINDIE_POSITIONAL_EMBEDDING_H
#define STUB_MINDIE_POSITIONAL_EMBEDDING_H
namespace atb_speed {
namespace common {
enum RotaryType : int { NO_ROTARY = 0, HALF_ROTARY, ALL_ROTARY };
} // namespace common
} // namespace atb_speed
#endif
