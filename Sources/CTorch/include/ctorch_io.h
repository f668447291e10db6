// CTorch io: filled in by its area.
#pragma once
#include "ctorch_core.h"
