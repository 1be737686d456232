// ag.h — the whole engine in one include: tensors and autograd, the ops, the layers, the losses,
// the optimizers and the seeded random numbers behind initialisation.
#pragma once

#include "ag/autograd.h"
#include "ag/gradcheck.h"
#include "ag/nn/embedding.h"
#include "ag/nn/linear.h"
#include "ag/nn/loss.h"
#include "ag/nn/module.h"
#include "ag/nn/positional_encoding.h"
#include "ag/nn/rnn.h"
#include "ag/ops.h"
#include "ag/optim/optimizer.h"
#include "ag/random.h"
#include "ag/tensor.h"
