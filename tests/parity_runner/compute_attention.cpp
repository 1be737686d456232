// compute_attention.cpp — the kinds multihead_attention, layer_norm, softmax and cross_entropy
// rebuilt with the engine (tests/parity/README.md).
//
// Teaches: each is checked as the other layers are: load PyTorch's weights into the module, run
// it on the case's inputs, take the loss (the MSE against a target, or the cross-entropy itself),
// backward, and compare the outputs and every gradient. Attention also returns its weights,
// averaged over the heads, and those are compared too.
#include "compute_attention.h"

#include <cmath>

#include "ag/ag.h"
#include "inputs.h"

namespace parity {

namespace {

using ag::Shape;
using ag::Tensor;
using Results = std::map<std::string, Tensor>;

const int64_t kMaxSize = 4096;  // upper bound of a size param: a parity case is small

// A tensor [B, L, E] with any B >= 1 and L >= 1 (read from the file), ready to receive a gradient.
Tensor sequence(Inputs& in, const std::string& name, int64_t E, int64_t B = -1) {
    const TensorText& t = in.text(name);
    if (t.shape.size() != 3 || t.shape[0] < 1 || t.shape[1] < 1 || t.shape[2] != E || (B >= 0 && t.shape[0] != B))
        in.fail(t.line, "tensor " + name + " has shape " + ag::shape_str(t.shape) + " but must be [" +
                            (B >= 0 ? std::to_string(B) : std::string("batch")) + ", length >= 1, " +
                            std::to_string(E) + "]");
    Tensor x = in.tensor(name, t.shape, "");
    x.set_requires_grad(true);
    return x;
}

// A tensor of any shape whose last dim is D (D = -1: any shape of rank 1 or more).
Tensor any_shape(Inputs& in, const std::string& name, int64_t D, const std::string& meaning) {
    const TensorText& t = in.text(name);
    if (t.shape.empty() || (D >= 0 && t.shape.back() != D))
        in.fail(t.line, "tensor " + name + " has shape " + ag::shape_str(t.shape) + " but must be " + meaning);
    return in.tensor(name, t.shape, "");
}

}  // namespace

// ---- multihead_attention -----------------------------------------------------------------------
std::map<std::string, Tensor> compute_multihead_attention(const Case& c) {
    Inputs in(c);
    const int64_t E = in.integer("embed_dim", 1, kMaxSize), heads = in.integer("num_heads", 1, kMaxSize);
    const bool causal = in.integer("causal", 0, 1) == 1, self = in.integer("self_attention", 0, 1) == 1;
    // optional: need_weights 0 runs the layer without its weights (the fused attention op)
    const bool need_weights = !in.has_param("need_weights") || in.integer("need_weights", 0, 1) == 1;
    if (E % heads != 0)
        in.fail(c.kind_line, "embed_dim " + std::to_string(E) + " is not divisible by num_heads " +
                                    std::to_string(heads));
    Tensor query, key, value;  // one tensor `input` for self-attention
    if (self) {
        query = key = value = sequence(in, "input", E);
    } else {
        query = sequence(in, "query", E);
        key = sequence(in, "key", E, query.size(0));
        value = sequence(in, "value", E, query.size(0));
        if (value.shape() != key.shape())
            in.fail(in.text("value").line, "tensor value has shape " + ag::shape_str(value.shape()) +
                                               " but must be key's, " + ag::shape_str(key.shape()));
    }
    Tensor target = in.tensor("target", query.shape(), "(the query's shape [B, Lq, E])");
    in.require_given(4 * E * (E + 1), "MultiheadAttention(" + std::to_string(E) + ", " + std::to_string(heads) + ")");
    ag::nn::MultiheadAttention attention(E, heads);
    load_parameters(in, attention);
    in.finish();

    auto [output, weights] = attention.forward(query, key, value, Tensor(), causal, need_weights);
    Tensor loss = ag::nn::mse_loss(output, target);
    loss.backward();
    Results r{{"output", output}, {"loss", loss}};
    if (need_weights) r["attn_weights"] = weights;
    if (self) {
        r["grad:input"] = grad_or_zeros(query);
    } else {
        r["grad:query"] = grad_or_zeros(query);
        r["grad:key"] = grad_or_zeros(key);
        r["grad:value"] = grad_or_zeros(value);
    }
    for (auto& [name, p] : attention.named_parameters()) r["grad:" + name] = grad_or_zeros(p);
    return r;
}

// ---- layer_norm --------------------------------------------------------------------------------
std::map<std::string, Tensor> compute_layer_norm(const Case& c) {
    Inputs in(c);
    const int64_t D = in.integer("normalized_shape", 1, kMaxSize);
    const ParamText& eps = in.param("eps");
    if (!(eps.value >= 0)) in.fail(eps.line, "param eps = " + eps.text + " must be >= 0");
    Tensor input = any_shape(in, "input", D, "[..., " + std::to_string(D) + "] (normalized_shape last)");
    Tensor target = in.tensor("target", input.shape(), "(the input's shape)");
    ag::nn::LayerNorm norm(D, static_cast<float>(eps.value));
    load_parameters(in, norm);
    in.finish();

    input.set_requires_grad(true);
    Tensor output = norm.forward(input);
    Tensor loss = ag::nn::mse_loss(output, target);
    loss.backward();
    return {{"output", output},
            {"loss", loss},
            {"grad:input", grad_or_zeros(input)},
            {"grad:weight", grad_or_zeros(norm.weight)},
            {"grad:bias", grad_or_zeros(norm.bias)}};
}

// ---- softmax -----------------------------------------------------------------------------------
std::map<std::string, Tensor> compute_softmax(const Case& c) {
    Inputs in(c);
    const bool log = in.integer("log", 0, 1) == 1;
    Tensor input = any_shape(in, "input", -1, "of rank 1 or more");
    const int64_t rank = input.dim();
    const int64_t dim = in.integer("dim", -rank, rank - 1);
    Tensor target = in.tensor("target", input.shape(), "(the input's shape)");
    in.finish();

    input.set_requires_grad(true);
    Tensor output = log ? ag::log_softmax(input, dim) : ag::softmax(input, dim);
    Tensor loss = ag::nn::mse_loss(output, target);
    loss.backward();
    return {{"output", output}, {"loss", loss}, {"grad:input", grad_or_zeros(input)}};
}

// ---- cross_entropy -----------------------------------------------------------------------------
std::map<std::string, Tensor> compute_cross_entropy(const Case& c) {
    Inputs in(c);
    const TensorText& lt = in.text("logits");
    if (lt.shape.size() != 2 || lt.shape[0] < 1 || lt.shape[1] < 1)
        in.fail(lt.line, "tensor logits has shape " + ag::shape_str(lt.shape) +
                             " but must be [N, C] (N >= 1 examples, C >= 1 classes)");
    Tensor logits = in.tensor("logits", lt.shape, "");
    const int64_t C = lt.shape[1];
    const TensorText& tt = in.text("targets");
    for (size_t i = 0; i < tt.values.size(); ++i) {
        const double v = tt.values[i];
        if (v != std::floor(v) || v < 0 || v >= double(C))
            in.fail(tt.line + 1, "target " + std::to_string(v) + " (value " + std::to_string(i) +
                                     ") is not a whole number in [0, " + std::to_string(C) + ")");
    }
    Tensor targets = in.tensor("targets", {lt.shape[0]}, "[N] (one class index per row of logits)");
    in.finish();

    logits.set_requires_grad(true);
    Tensor loss = ag::nn::CrossEntropyLoss()(logits, targets);
    loss.backward();
    return {{"loss", loss}, {"grad:logits", grad_or_zeros(logits)}};
}

}  // namespace parity
