#ifndef STUB_ATB_ATB_INFER_H
#define STUB_ATB_ATB_INFER_H
#include "atb/types.h"
#include "atb/infer_op_params.h"
#endif
