#ifndef STUB_ATB_SPEED_OPERATION_UTIL_H
#define STUB_ATB_SPEED_OPERATION_UTIL_H
#include "atb/atb_infer.h"
#define CREATE_OPERATION(param, operation)                                  \
    do {                                                                    \
        atb::Status atbCreateStatus = atb::CreateOperation(param, operation); \
        if (atbCreateStatus != atb::NO_ERROR) {                             \
            return atbCreateStatus;                                         \
        }                                                                   \
    } while (0)
#endif
