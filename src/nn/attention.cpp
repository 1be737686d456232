// attention.cpp — multi-head scaled dot-product attention, batch first, built from engine ops.
//
// Teaches: the whole layer is a few lines of shapes. Project x to queries, keys and values,
// split the width into heads (reshape, then swap the length and head dims), score every query
// against every key, softmax over the keys, average the values with those weights, join the
// heads again and project back.
#include "ag/nn/attention.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "ag/ops.h"
#include "ag/random.h"

namespace ag::nn {

// embed_dim, checked before out_proj (the first member that draws) is built from it.
static int64_t checked_embed_dim(int64_t embed_dim, int64_t num_heads) {
    if (embed_dim < 1 || num_heads < 1 || embed_dim % num_heads != 0)
        throw std::invalid_argument("MultiheadAttention: embed_dim (" + std::to_string(embed_dim) +
                                    ") must be positive and divisible by num_heads (" +
                                    std::to_string(num_heads) + ")");
    return embed_dim;
}

MultiheadAttention::MultiheadAttention(int64_t embed_dim_, int64_t num_heads_)
    : embed_dim(checked_embed_dim(embed_dim_, num_heads_)), num_heads(num_heads_),
      head_dim(embed_dim_ / num_heads_), out_proj(embed_dim_, embed_dim_) {
    // out_proj has drawn its weight and then its bias, U(−1/√E, 1/√E) each, as PyTorch's Linear does;
    // PyTorch then sets that bias to 0.
    for (float& b : out_proj.bias.mutable_values()) b = 0.0f;
    // Xavier uniform for the stacked [3E, E] projection: fan_in = E, fan_out = 3E.
    const double a = std::sqrt(6.0 / static_cast<double>(embed_dim + 3 * embed_dim));
    in_proj_weight = rand_uniform({3 * embed_dim, embed_dim}, static_cast<float>(-a), static_cast<float>(a));
    in_proj_bias = Tensor::zeros({3 * embed_dim});
    register_parameter("in_proj_weight", in_proj_weight);
    register_parameter("in_proj_bias", in_proj_bias);
    register_module("out_proj", out_proj);
}

std::tuple<Tensor, Tensor> MultiheadAttention::forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                                       const Tensor& mask, bool causal, bool need_weights) const {
    const int64_t E = embed_dim, h = num_heads, d = head_dim;
    const std::string who = "MultiheadAttention(" + std::to_string(E) + ", " + std::to_string(h) + "): ";
    if (!query.defined() || !key.defined() || !value.defined())
        throw std::invalid_argument(who + "query, key or value is undefined");
    auto is_ble = [&](const Tensor& t) { return t.dim() == 3 && t.size(2) == E; };
    if (!is_ble(query) || !is_ble(key) || !is_ble(value) || key.size(0) != query.size(0) ||
        value.shape() != key.shape())
        throw std::invalid_argument(who + "query " + shape_str(query.shape()) + ", key " + shape_str(key.shape()) +
                                    " and value " + shape_str(value.shape()) + " must be [B, Lq, " +
                                    std::to_string(E) + "], [B, Lk, " + std::to_string(E) + "] and [B, Lk, " +
                                    std::to_string(E) + "] (batch first)");
    const int64_t B = query.size(0), Lq = query.size(1), Lk = key.size(1);
    if (mask.defined() && mask.shape() != Shape{Lq, Lk} && mask.shape() != Shape{B * h, Lq, Lk})
        throw std::invalid_argument(who + "mask of shape " + shape_str(mask.shape()) + " must be [" +
                                    std::to_string(Lq) + ", " + std::to_string(Lk) + "] (Lq, Lk) or [" +
                                    std::to_string(B * h) + ", " + std::to_string(Lq) + ", " +
                                    std::to_string(Lk) + "] (B·num_heads, Lq, Lk)");

    // q = query·W_qᵀ + b_q, k = key·W_kᵀ + b_k, v = value·W_vᵀ + b_v: the three row blocks of in_proj.
    auto project = [&](const Tensor& x, int64_t block) {  // (B, L, E) -> (B, L, E)
        return linear(x, narrow(in_proj_weight, 0, block * E, E), narrow(in_proj_bias, 0, block * E, E));
    };
    // Heads: the E columns become h slices of width d, and each head gets its own (L, d) matrix.
    auto split_heads = [&](const Tensor& x) {  // (B, L, E) -> (B, L, h, d) -> (B, h, L, d)
        return transpose(reshape(x, {B, x.size(1), h, d}), 1, 2);
    };
    Tensor q = split_heads(project(query, 0));  // (B, h, Lq, d)
    Tensor k = split_heads(project(key, 1));    // (B, h, Lk, d)
    Tensor v = split_heads(project(value, 2));  // (B, h, Lk, d)

    const Tensor head_mask = !mask.defined() || mask.dim() == 2 ? mask : reshape(mask, {B, h, Lq, Lk});

    Tensor weights, heads;  // (B, h, Lq, Lk) and (B, h, Lq, d)
    if (need_weights) {
        // scores[b, head, i, j] = q_i · k_j / √d: how well query i matches key j (scaling q first is cheaper).
        Tensor scores = matmul(q * static_cast<float>(1.0 / std::sqrt(static_cast<double>(d))),
                               transpose(k, 2, 3));  // (B, h, Lq, d)·(B, h, d, Lk) -> (B, h, Lq, Lk)
        const float minus_inf = -std::numeric_limits<float>::infinity();
        if (mask.defined())  // a hidden key scores −∞, which the softmax turns into a weight of 0
            scores = masked_fill(scores, head_mask, minus_inf);
        if (causal) scores = masked_fill(scores, causal_mask(Lq, Lk), minus_inf);
        weights = softmax(scores, -1);  // (B, h, Lq, Lk): each query's weights over the keys sum to 1
        // Each query's output is the weighted average of the values.
        heads = matmul(weights, v);  // (B, h, Lq, d)
    } else {
        // The same four steps as one op, which keeps no scores (src/ops/scaled_dot_product_attention.cpp).
        heads = scaled_dot_product_attention(q, k, v, head_mask, causal);  // (B, h, Lq, d)
    }

    // The heads are put side by side again.
    Tensor joined = reshape(transpose(heads, 1, 2), {B, Lq, E});           // (B, Lq, h, d) -> (B, Lq, E)
    Tensor output = out_proj.forward(joined);                              // (B, Lq, E)
    if (!need_weights) return {output, Tensor()};
    return {output, mean(weights, 1)};  // the weights averaged over the heads: (B, Lq, Lk)
}

}  // namespace ag::nn
