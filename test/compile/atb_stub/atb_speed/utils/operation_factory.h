#ifndef STUB_ATB_SPEED_OPERATION_FACTORY_H
#define STUB_ATB_SPEED_OPERATION_FACTORY_H
// ATB-Models declares REGISTER_OPERATION here; the stub keeps its one definition in hosttensor_binder.h.
#include "atb_speed/base/hosttensor_binder.h"
#endif
