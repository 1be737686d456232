// embedding.h — a table of learned vectors, one row per word of the vocabulary.
//
// Teaches: a word is fed to a network as the row of this table at its index; training moves the
// rows. The lookup is the gather op index_select_rows (src/ops/gather.cpp).
#pragma once

#include "ag/nn/module.h"

namespace ag::nn {

class Embedding : public Module {
public:
    // weight N(0, 1), drawn exactly as PyTorch's normal_.
    Embedding(int64_t num_embeddings, int64_t embedding_dim);
    // indices (B, L) of whole numbers in [0, num_embeddings) -> (B, L, embedding_dim).
    // Any index shape works: (S...) -> (S..., embedding_dim).
    Tensor forward(const Tensor& indices) const;

    int64_t num_embeddings, embedding_dim;
    Tensor weight;  // (num_embeddings, embedding_dim)
};

}  // namespace ag::nn
