// ag.h — the whole engine in one include: tensors and autograd, the ops, the layers, the losses,
// gradient clipping, the optimizers, the seeded random numbers behind initialisation, and saving
// and loading weights (safetensors).
//
// Teaches: where to start reading. tensor.h and autograd.h are the engine, ops.h lists every
// differentiable op, nn/ and optim/ are built on top; README.md's "Reading guide" gives the order.
#pragma once

#include "ag/autograd.h"
#include "ag/gradcheck.h"
#include "ag/nn/attention.h"
#include "ag/nn/embedding.h"
#include "ag/nn/gru.h"
#include "ag/nn/layer_norm.h"
#include "ag/nn/linear.h"
#include "ag/nn/loss.h"
#include "ag/nn/lstm.h"
#include "ag/nn/module.h"
#include "ag/nn/positional_encoding.h"
#include "ag/nn/rnn.h"
#include "ag/nn/utils.h"
#include "ag/ops.h"
#include "ag/optim/optimizer.h"
#include "ag/random.h"
#include "ag/safetensors.h"
#include "ag/tensor.h"
