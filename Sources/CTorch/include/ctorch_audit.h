// CTorch audit device: a test backend on libtorch's PrivateUse1 dispatch key (see audit_device.cpp).
#pragma once
#include "ctorch_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Registers the "audit" device (rs_device type 3) once; later calls do nothing. Its tensors
/// live in host memory and every op computes on the CPU, but an op that receives a CPU tensor
/// of one or more dimensions beside audit tensors fails naming itself and the argument: a model
/// and its inputs on "audit" show any tensor the code creates on the CPU by mistake, as a GPU
/// would, with no GPU at hand. rs::device() calls it for type 3, so no caller has to.
rs_status rs_audit_device_enable(void);

#ifdef __cplusplus
}
#endif
