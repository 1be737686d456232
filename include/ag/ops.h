// ops.h — every differentiable operation of the engine, with the shapes it takes and returns.
//
// Teaches: a small set of primitives is enough. Each one lives in src/ops/ with its forward and
// its backward side by side; everything else (losses, layers) is built by composing them.
// Dims may be negative (-1 is the last dim), as in PyTorch.
#pragma once

#include <cstdint>
#include <vector>

#include "ag/tensor.h"

namespace ag {

// ---- elementwise, with NumPy broadcasting (src/ops/elementwise.cpp) ---------------------------
// Shapes are aligned from the right; a size-1 (or missing) dim is repeated to match the other.
// a [..., n] with b [n] -> [..., n];   a [2, 1] with b [1, 3] -> [2, 3]
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor neg(const Tensor& a);             // a [*] -> [*]
Tensor add(const Tensor& a, float s);    // a [*] -> [*]
Tensor mul(const Tensor& a, float s);    // a [*] -> [*]
Tensor div(const Tensor& a, float s);    // a [*] -> [*]

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a);
Tensor operator+(const Tensor& a, float s);
Tensor operator+(float s, const Tensor& a);
Tensor operator-(const Tensor& a, float s);
Tensor operator-(float s, const Tensor& a);
Tensor operator*(const Tensor& a, float s);
Tensor operator*(float s, const Tensor& a);
Tensor operator/(const Tensor& a, float s);
Tensor operator/(float s, const Tensor& a);

// ---- elementwise functions (src/ops/unary.cpp) -----------------------------------------------
// All: x [*] -> [*]
Tensor tanh(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor sigmoid(const Tensor& x);  // 1 / (1 + e^(−x)), in src/ops/sigmoid.cpp (README: "Your turn")
Tensor pow(const Tensor& x, float exponent);
Tensor square(const Tensor& x);

// ---- matrix product (src/ops/matmul.cpp) -----------------------------------------------------
// a [n, k] · b [k, m] -> [n, m]
// a [..., n, k] · b [k, m] -> [..., n, m]   (b shared by every leading index: a Linear on [B, L, in])
// a [B, n, k] · b [B, k, m] -> [B, n, m]    (one product per batch entry)
// a [B, h, n, k] · b [B, h, k, m] -> [B, h, n, m]  (any number of batch dims, equal in a and b: attention's heads)
Tensor matmul(const Tensor& a, const Tensor& b);
// x [..., in] · weightᵀ [in, out] + bias [out] -> [..., out], as one op (see matmul.cpp for why).
// bias may be undefined (no bias).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias);

// ---- reductions (src/ops/reduce.cpp) ---------------------------------------------------------
Tensor sum(const Tensor& x);                                  // [*] -> []
Tensor mean(const Tensor& x);                                 // [*] -> []
Tensor sum(const Tensor& x, int64_t dim, bool keepdim = false);   // [.., d, ..] -> [.., ..] or [.., 1, ..]
Tensor mean(const Tensor& x, int64_t dim, bool keepdim = false);  // as sum, divided by d

// ---- shape and indexing (src/ops/shape.cpp) --------------------------------------------------
Tensor reshape(const Tensor& x, const Shape& shape);          // same values, new shape; one size may be -1
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);  // swaps any two dims: [B, L, h, d], 1, 2 -> [B, h, L, d]
// The slice [start, start+length) of dim: [.., d, ..] -> [.., length, ..]
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);
// One index of dim, the dim removed: x [B, L, H], select(x, 1, t) -> [B, H] (time step t)
Tensor select(const Tensor& x, int64_t dim, int64_t index);
// Joins tensors of one shape along a new dim: n × [B, H], dim 1 -> [B, n, H]
Tensor stack(const std::vector<Tensor>& xs, int64_t dim);
// Joins tensors along an existing dim: [B, 2, H] and [B, 3, H], dim 1 -> [B, 5, H]
Tensor cat(const std::vector<Tensor>& xs, int64_t dim);

// ---- softmax (src/ops/softmax.cpp) -----------------------------------------------------------
// Along dim: softmax(x)_i = e^(x_i − m) / Σ_j e^(x_j − m), log_softmax(x)_i = x_i − m − log Σ_j e^(x_j − m),
// m = the max of the slice (the same numbers, but e^(·) never overflows: inputs of ±1000 are fine).
// x [.., d, ..] -> [.., d, ..]; each slice along dim of softmax sums to 1.
// A slice whose inputs are all −∞ (every entry masked) has no probability to share out: softmax
// gives 0 for each entry (PyTorch gives NaN) and log_softmax −∞; no gradient flows back from it.
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);

// ---- masking (src/ops/masked_fill.cpp) -------------------------------------------------------
// value where mask is 1, x where mask is 0. mask holds only 0 and 1 (PyTorch's False and True, as
// floats) and broadcasts to x's shape: x [B, heads, Lq, Lk] with mask [Lq, Lk] -> [B, heads, Lq, Lk].
// value may be −infinity (a score that a softmax then turns into a weight of exactly 0).
Tensor masked_fill(const Tensor& x, const Tensor& mask, float value);
// [rows, cols] (cols = -1: square): 1 where j > i, 0 elsewhere. As an attention mask, query i
// then sees keys 0..i only, never a later one (PyTorch's boolean upper-triangular attn_mask).
Tensor causal_mask(int64_t rows, int64_t cols = -1);

// ---- attention (src/ops/scaled_dot_product_attention.cpp) ------------------------------------
// softmax(q·kᵀ/√d, hidden keys at −∞)·v as one op, for each leading index (batch entry, head):
// q [..., Lq, d], k [..., Lk, d], v [..., Lk, dv] -> [..., Lq, dv], the leading dims equal.
// mask as masked_fill's (1 = hidden; PyTorch's F.scaled_dot_product_attention takes True = may
// attend), [Lq, Lk] for every head or [..., Lq, Lk]; causal also hides key j > i from query i.
// A query that may see no key gets weights of 0 and an output of 0, as with softmax above.
// Equal to matmul(softmax(masked_fill(matmul(q, transpose(k, -2, -1)) / √d, mask, −∞), -1), v).
Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                    const Tensor& mask = Tensor(), bool causal = false);

// ---- layer normalisation (src/ops/layer_norm.cpp) --------------------------------------------
// Over the last dim: y = (x − mean) / √(var + eps) · weight + bias, var biased (divided by D).
// x [..., D], weight [D], bias [D] -> [..., D]. An undefined weight counts as 1, bias as 0.
// One op with its backward written out (equal to the composed ops; see layer_norm.cpp).
Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps = 1e-5f);

// ---- gather (src/ops/gather.cpp) -------------------------------------------------------------
// Rows of a table picked by integer indices: table [N, D], indices (any shape S, integral values
// in [0, N)) -> [S..., D]. A row picked twice gets both gradients added (Embedding needs this).
Tensor index_select_rows(const Tensor& table, const Tensor& indices);

// ---- recurrent step (src/ops/rnn_step.cpp) ---------------------------------------------------
// tanh and relu as in PyTorch; identity is ours, to show what the squashing does to gradients.
enum class Nonlinearity { Tanh, ReLU, Identity };
// One Elman RNN step as a single op (fused for speed and memory; equal to the composed ops):
// h = act(xw[:, t, :] + h_prev·W_hhᵀ)
// xw [B, L, H] (the input sequence already projected, with both biases: x·W_ihᵀ + b_ih + b_hh),
// h_prev [B, H], w_hh [H, H] -> [B, H]
Tensor rnn_step(const Tensor& xw, int64_t t, const Tensor& h_prev, const Tensor& w_hh,
                Nonlinearity act = Nonlinearity::Tanh);

// ---- gated recurrent steps (src/ops/lstm_step.cpp, src/ops/gru_step.cpp) ----------------------
// One LSTM step as two ops (fused, as rnn_step; equal to the composed ops). Gate rows i, f, g, o:
// a = xw[:, t, :] + h_prev·W_hhᵀ;  i, f, o = σ(a_i), σ(a_f), σ(a_o);  g = tanh(a_g)
// lstm_cell: c = f ⊙ c_prev + i ⊙ g, returned beside the output gate o.
// xw [B, L, 4H] (x·W_ihᵀ + b_ih + b_hh for the whole sequence), h_prev [B, H], c_prev [B, H],
// w_hh [4H, H] -> [B, 2H] = [c | o]
Tensor lstm_cell(const Tensor& xw, int64_t t, const Tensor& h_prev, const Tensor& c_prev, const Tensor& w_hh);
// lstm_hidden: h = o ⊙ tanh(c), o read from lstm_cell's output, c the tensor narrowed out of it (so
// that c's gradient includes the path through h). co [B, 2H], c [B, H] -> [B, H]
Tensor lstm_hidden(const Tensor& co, const Tensor& c);
// One GRU step as a single op. Gate rows r, z, n:  gh = h_prev·W_hhᵀ + b_hh
// r = σ(xw_r + gh_r);  z = σ(xw_z + gh_z);  n = tanh(xw_n + r ⊙ gh_n);  h = (1 − z) ⊙ n + z ⊙ h_prev
// xw [B, L, 3H] (x·W_ihᵀ + b_ih: b_hh stays in the step, since b_hn sits inside r ⊙ (…)),
// h_prev [B, H], w_hh [3H, H], b_hh [3H] -> [B, H]
Tensor gru_step(const Tensor& xw, int64_t t, const Tensor& h_prev, const Tensor& w_hh, const Tensor& b_hh);

}  // namespace ag
