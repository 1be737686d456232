// attention.h — MultiheadAttention: every position looks at every other one in a single step.
//
// Teaches: attention as a weighted average. Each query position scores every key position
// (q·k/√d), a softmax turns the scores into weights that sum to 1, and the output is the
// weighted average of the values. Several heads do this side by side on slices of the width.
// Nothing here is new maths for the engine: linear, reshape, transpose, matmul, masked_fill and
// softmax, so the backward is autograd's. Without the weights (need_weights = false) the middle
// four are one fused op, scaled_dot_product_attention.
//
//   ag::manual_seed(0);
//   ag::nn::MultiheadAttention attention(8, 2);               // embed_dim 8, 2 heads of width 4
//   auto [output, weights] = attention.forward(x, x, x);      // self-attention over x (B, L, 8)
//   auto [causal_out, w] = attention.forward(x, x, x, ag::Tensor(), /*causal=*/true);
#pragma once

#include <tuple>

#include "ag/nn/linear.h"
#include "ag/nn/module.h"

namespace ag::nn {

class MultiheadAttention : public Module {
public:
    // PyTorch's MultiheadAttention(embed_dim, num_heads, batch_first=True) (no dropout, biases on,
    // key and value of width embed_dim). embed_dim must be divisible by num_heads.
    // Initialisation, drawn in PyTorch's order so that after manual_seed(s) the weights are PyTorch's:
    //   out_proj.weight U(−1/√E, 1/√E), out_proj.bias U(−1/√E, 1/√E) and then set to 0 (out_proj is
    //   built as a Linear first), then in_proj_weight Xavier uniform U(−a, a), a = √(6 / (E + 3E));
    //   in_proj_bias 0.
    MultiheadAttention(int64_t embed_dim, int64_t num_heads);

    // query (B, Lq, E), key (B, Lk, E), value (B, Lk, E), batch first
    // -> {output (B, Lq, E), attention weights (B, Lq, Lk), averaged over the heads}
    // mask: optional, PyTorch's boolean attn_mask as 0/1 floats, 1 = query i may NOT see key j;
    //       shape (Lq, Lk) for every batch entry and head, or (B·num_heads, Lq, Lk).
    // causal: also hide every key j > i from query i (as mask = causal_mask(Lq, Lk)).
    // A query that may see no key at all gets weights of 0 (PyTorch gives NaN), so its output is
    // out_proj.bias. The masked scores are −∞ on purpose: anomaly mode (which stops at any Inf)
    // reports them.
    // need_weights = false (PyTorch's name): the weights are not returned (an undefined tensor takes
    // their place), and scores, mask, softmax and average are the one op scaled_dot_product_attention,
    // which is faster and gives the same output and gradients.
    std::tuple<Tensor, Tensor> forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                       const Tensor& mask = Tensor(), bool causal = false,
                                       bool need_weights = true) const;

    int64_t embed_dim, num_heads, head_dim;  // head_dim = embed_dim / num_heads
    // Registered in PyTorch's order: in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias.
    Linear out_proj;       // (E -> E): weight (E, E), bias (E)
    Tensor in_proj_weight;  // (3E, E): rows [0, E) project the query, [E, 2E) the key, [2E, 3E) the value
    Tensor in_proj_bias;    // (3E)
};

}  // namespace ag::nn
