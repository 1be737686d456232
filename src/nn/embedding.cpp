// embedding.cpp — a lookup table of learned vectors: row i is the vector of word i.
//
// Teaches: an embedding is a Linear applied to a one-hot vector, done the cheap way — pick the
// row. The gather op's backward adds each position's gradient into its row, so a word used twice
// collects both.
#include "ag/nn/embedding.h"

#include <stdexcept>

#include "ag/ops.h"
#include "ag/random.h"

namespace ag::nn {

Embedding::Embedding(int64_t num_embeddings_, int64_t embedding_dim_)
    : num_embeddings(num_embeddings_), embedding_dim(embedding_dim_) {
    if (num_embeddings < 1 || embedding_dim < 1)
        throw std::invalid_argument("Embedding: num_embeddings and embedding_dim must be positive, got " +
                                    std::to_string(num_embeddings) + " and " + std::to_string(embedding_dim));
    weight = randn({num_embeddings, embedding_dim});  // N(0, 1), PyTorch's normal_
    register_parameter("weight", weight);
}

Tensor Embedding::forward(const Tensor& indices) const {
    if (!indices.defined()) throw std::invalid_argument("Embedding: indices are undefined");
    const std::string who =
        "Embedding(" + std::to_string(num_embeddings) + ", " + std::to_string(embedding_dim) + "): ";
    // indices (S...) -> (S..., embedding_dim); the gather op checks every index and we say which
    // module the bad index was given to.
    try {
        return index_select_rows(weight, indices);
    } catch (const std::out_of_range& e) {
        throw std::out_of_range(who + e.what());
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(who + e.what());
    }
}

}  // namespace ag::nn
