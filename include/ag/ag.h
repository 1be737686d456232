// ag.h — the whole engine in one include.
#pragma once

#include "ag/autograd.h"
#include "ag/ops.h"
#include "ag/tensor.h"
