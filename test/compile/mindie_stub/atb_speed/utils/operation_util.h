// Stand-in for atb_speed/utils/operation_util.h (v3 spelling: status macros).
#ifndef STUB_MINDIE_ATB_SPEED_OPERATION_UTIL_H
#define STUB_MINDIE_ATB_SPEED_OPERATION_UTIL_H
#include "atb/atb_infer.h"
#define CHECK_OPERATION_STATUS_RETURN(atbStatus) \
    do {                                         \
        atb::Status stubStatus = (atbStatus);    \
        if (stubStatus != atb::NO_ERROR) {       \
            return stubStatus;                   \
        }                                        \
    } while (0)
#endif
