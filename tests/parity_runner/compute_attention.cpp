// compute_attention.cpp — the kinds multihead_attention, layer_norm, softmax and cross_entropy
// rebuilt with the engine (tests/parity/README.md).
//
// Teaches: each is checked as the other layers are: load PyTorch's weights into the module, run
// it on the case's inputs, take the loss (the MSE against a target, or the cross-entropy itself),
// backward, and compare the outputs and every gradient. Attention also returns its weights,
// averaged over the heads, and those are compared too.
#include "compute_attention.h"

#include <cmath>
#include <set>

#include "ag/ag.h"

namespace parity {

namespace {

using ag::Shape;
using ag::Tensor;
using Results = std::map<std::string, Tensor>;

// Reads the case's params and tensors by name and shape; anything missing, misshapen or left
// unread is refused with "file:line: reason".
class CaseInputs {
public:
    explicit CaseInputs(const Case& c) : c_(c) {}

    [[noreturn]] void fail(int line, const std::string& reason) const {
        throw CaseError(c_.file + ":" + std::to_string(line) + ": " + reason);
    }

    const ParamText& param(const std::string& name) {
        auto it = c_.params.find(name);
        if (it == c_.params.end()) fail(c_.kind_line, "case " + c_.kind + " needs 'param " + name + "' (missing)");
        used_.insert("param " + name);
        return it->second;
    }

    // A whole number in [lo, hi].
    int64_t integer(const std::string& name, int64_t lo, int64_t hi) {
        const ParamText& p = param(name);
        if (p.value != std::floor(p.value) || p.value < double(lo) || p.value > double(hi))
            fail(p.line, "param " + name + " = " + p.text + " must be a whole number in [" + std::to_string(lo) +
                             ", " + std::to_string(hi) + "]");
        return static_cast<int64_t>(p.value);
    }

    const TensorText* find(const std::string& name) const {
        for (const auto& t : c_.tensors)
            if (t.first == name) return &t.second;
        return nullptr;
    }

    // The header of tensor `name`, which must be there (its shape is checked by the caller).
    const TensorText& text(const std::string& name) {
        const TensorText* t = find(name);
        if (!t) fail(c_.kind_line, "case " + c_.kind + " needs 'tensor " + name + "' (missing)");
        return *t;
    }

    // The tensor `name` of shape `want` (`meaning` spells the dims out).
    Tensor tensor(const std::string& name, const Shape& want, const std::string& meaning) {
        const TensorText& t = text(name);
        used_.insert("tensor " + name);
        if (t.shape != want)
            fail(t.line, "tensor " + name + " has shape " + ag::shape_str(t.shape) + " but this case needs " +
                             ag::shape_str(want) + " " + meaning);
        return Tensor(std::vector<float>(t.values.begin(), t.values.end()), t.shape);
    }

    // A module about to be built holds `count` values that must all come from the file: refuse a
    // size the file cannot fill before allocating it.
    void require_given(int64_t count, const std::string& what) const {
        int64_t given = 0;
        for (const auto& t : c_.tensors) given += static_cast<int64_t>(t.second.values.size());
        if (count > given)
            fail(c_.kind_line, what + " has " + std::to_string(count) + " parameter values but the file gives only " +
                                   std::to_string(given) + " values in all");
    }

    // Everything in the file must have been read by now.
    void finish() const {
        for (const auto& p : c_.params)
            if (!used_.count("param " + p.first))
                fail(p.second.line, "param '" + p.first + "' is not used by a case of kind " + c_.kind);
        for (const auto& t : c_.tensors)
            if (!used_.count("tensor " + t.first))
                fail(t.second.line, "tensor '" + t.first + "' is not used by a case of kind " + c_.kind);
        if (!c_.modules.empty())
            fail(c_.modules[0].line, "'module' lines belong to init cases, not to kind " + c_.kind);
    }

    int kind_line() const { return c_.kind_line; }

private:
    const Case& c_;
    std::set<std::string> used_;
};

const int64_t kMaxSize = 4096;  // upper bound of a size param: a parity case is small

Tensor grad_or_zeros(const Tensor& t) { return t.has_grad() ? t.grad() : Tensor::zeros(t.shape()); }

// Copies the case's tensor for every parameter of `m` into it (PyTorch's names).
void load_parameters(CaseInputs& in, ag::nn::Module& m) {
    for (auto& [name, p] : m.named_parameters())
        p.mutable_values() = in.tensor(name, p.shape(), "(the shape of " + name + ")").values();
}

// A tensor [B, L, E] with any B >= 1 and L >= 1 (read from the file), ready to receive a gradient.
Tensor sequence(CaseInputs& in, const std::string& name, int64_t E, int64_t B = -1) {
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
Tensor any_shape(CaseInputs& in, const std::string& name, int64_t D, const std::string& meaning) {
    const TensorText& t = in.text(name);
    if (t.shape.empty() || (D >= 0 && t.shape.back() != D))
        in.fail(t.line, "tensor " + name + " has shape " + ag::shape_str(t.shape) + " but must be " + meaning);
    return in.tensor(name, t.shape, "");
}

}  // namespace

// ---- multihead_attention -----------------------------------------------------------------------
std::map<std::string, Tensor> compute_multihead_attention(const Case& c) {
    CaseInputs in(c);
    const int64_t E = in.integer("embed_dim", 1, kMaxSize), heads = in.integer("num_heads", 1, kMaxSize);
    const bool causal = in.integer("causal", 0, 1) == 1, self = in.integer("self_attention", 0, 1) == 1;
    // optional: need_weights 0 runs the layer without its weights (the fused attention op)
    const bool need_weights = !c.params.count("need_weights") || in.integer("need_weights", 0, 1) == 1;
    if (E % heads != 0)
        in.fail(in.kind_line(), "embed_dim " + std::to_string(E) + " is not divisible by num_heads " +
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
    CaseInputs in(c);
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
    CaseInputs in(c);
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
    CaseInputs in(c);
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
