// CTorch: a flat C interface to libtorch for Swift. See ctorch_core.h for the conventions.
#pragma once
#include "ctorch_core.h"
#include "ctorch_audit.h"
#include "ctorch_ops.h"
#include "ctorch_autograd.h"
#include "ctorch_nn.h"
#include "ctorch_optim.h"
#include "ctorch_io.h"
#include "ctorch_bench.h"
#include "ctorch_distributed.h"
#include "ctorch_cuda.h"
#include "ctorch_flops.h"
#include "ctorch_profile.h"
