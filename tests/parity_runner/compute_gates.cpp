// compute_gates.cpp — the kinds lstm and gru rebuilt with the engine (tests/parity/README.md).
//
// Teaches: a gated layer is checked exactly as the RNN is: load PyTorch's weights into the
// module, run it on the case's input (and initial state), take the MSE loss, backward, and
// compare the outputs, the final states and every gradient. The LSTM's loss adds 0.1·mean(c_n²),
// so that the gradient reaching the last cell state is checked too.
#include "compute_gates.h"

#include <cmath>
#include <set>

#include "ag/ag.h"

namespace parity {

namespace {

using ag::Shape;
using ag::Tensor;

// Reads the case's params and tensors by name and shape; anything missing, misshapen or left
// unread is refused with "file:line: reason".
class GateInputs {
public:
    explicit GateInputs(const Case& c) : c_(c) {}

    [[noreturn]] void fail(int line, const std::string& reason) const {
        throw CaseError(c_.file + ":" + std::to_string(line) + ": " + reason);
    }

    int64_t integer(const std::string& name, int64_t lo, int64_t hi) {
        auto it = c_.params.find(name);
        if (it == c_.params.end()) fail(c_.kind_line, "case " + c_.kind + " needs 'param " + name + "' (missing)");
        used_.insert("param " + name);
        const ParamText& p = it->second;
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

    // The tensor `name` of shape `want` (`meaning` spells the dims out).
    Tensor tensor(const std::string& name, const Shape& want, const std::string& meaning) {
        const TensorText* t = find(name);
        if (!t) fail(c_.kind_line, "case " + c_.kind + " needs 'tensor " + name + "' (missing)");
        used_.insert("tensor " + name);
        if (t->shape != want)
            fail(t->line, "tensor " + name + " has shape " + ag::shape_str(t->shape) + " but this case needs " +
                              ag::shape_str(want) + " " + meaning);
        return Tensor(std::vector<float>(t->values.begin(), t->values.end()), t->shape);
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

private:
    const Case& c_;
    std::set<std::string> used_;
};

const int64_t kMaxSize = 4096;  // upper bound of a size param: a parity case is small

Tensor grad_or_zeros(const Tensor& t) { return t.has_grad() ? t.grad() : Tensor::zeros(t.shape()); }

// What both kinds share: the sizes, the input and target, the initial states, the weights.
struct Setup {
    int64_t in = 0, H = 0, layers = 0, B = 0, L = 0;
    Tensor input, target;
};

// gates: 4 for the LSTM, 3 for the GRU (the blocks of rows of every weight).
Setup read_setup(GateInputs& in, const Case& c, int64_t gates, const std::string& module) {
    Setup s;
    s.in = in.integer("input_size", 1, kMaxSize);
    s.H = in.integer("hidden_size", 1, kMaxSize);
    s.layers = in.integer("num_layers", 1, 64);
    in.require_given(gates * s.H * (s.in + s.H + 2) + (s.layers - 1) * gates * s.H * (2 * s.H + 2),
                     module + "(" + std::to_string(s.in) + ", " + std::to_string(s.H) + ", " +
                         std::to_string(s.layers) + ")");
    const TensorText* x = in.find("input");
    if (!x) in.fail(c.kind_line, "case " + c.kind + " needs 'tensor input' (missing)");
    if (x->shape.size() != 3 || x->shape[1] < 1 || x->shape[2] != s.in)
        in.fail(x->line, "tensor input has shape " + ag::shape_str(x->shape) + " but must be [batch, length >= 1, " +
                             std::to_string(s.in) + "]");
    s.B = x->shape[0];
    s.L = x->shape[1];
    s.input = in.tensor("input", x->shape, "");
    s.target = in.tensor("target", {s.B, s.L, s.H}, "[batch, length, hidden_size]");
    return s;
}

// Copies the case's tensor for every parameter of `m` into it (PyTorch's names).
void load_parameters(GateInputs& in, ag::nn::Module& m) {
    for (auto& [name, p] : m.named_parameters())
        p.mutable_values() = in.tensor(name, p.shape(), "(the shape of " + name + ")").values();
}

// The optional initial state `name` (num_layers, B, H), ready to receive a gradient.
Tensor initial_state(GateInputs& in, const std::string& name, const Setup& s) {
    if (!in.find(name)) return Tensor();
    Tensor t = in.tensor(name, {s.layers, s.B, s.H}, "[num_layers, batch, hidden_size]");
    t.set_requires_grad(true);
    return t;
}

}  // namespace

std::map<std::string, Tensor> compute_lstm(const Case& c) {
    GateInputs in(c);
    Setup s = read_setup(in, c, 4, "LSTM");
    Tensor h0 = initial_state(in, "h0", s), c0 = initial_state(in, "c0", s);
    ag::nn::LSTM lstm(s.in, s.H, s.layers);
    load_parameters(in, lstm);
    in.finish();

    s.input.set_requires_grad(true);
    auto [output, h_n, c_n] = lstm.forward(s.input, h0, c0);
    // loss = MSE(output, target) + 0.1·mean(c_n²)
    Tensor loss = ag::nn::mse_loss(output, s.target) + 0.1f * ag::mean(c_n * c_n);
    loss.backward();
    std::map<std::string, Tensor> r{{"output", output}, {"h_n", h_n}, {"c_n", c_n}, {"loss", loss},
                                    {"grad:input", grad_or_zeros(s.input)}};
    if (h0.defined()) r["grad:h0"] = grad_or_zeros(h0);
    if (c0.defined()) r["grad:c0"] = grad_or_zeros(c0);
    for (auto& [name, p] : lstm.named_parameters()) r["grad:" + name] = grad_or_zeros(p);
    return r;
}

std::map<std::string, Tensor> compute_gru(const Case& c) {
    GateInputs in(c);
    Setup s = read_setup(in, c, 3, "GRU");
    Tensor h0 = initial_state(in, "h0", s);
    ag::nn::GRU gru(s.in, s.H, s.layers);
    load_parameters(in, gru);
    in.finish();

    s.input.set_requires_grad(true);
    auto [output, h_n] = gru.forward(s.input, h0);
    Tensor loss = ag::nn::mse_loss(output, s.target);
    loss.backward();
    std::map<std::string, Tensor> r{{"output", output}, {"h_n", h_n}, {"loss", loss},
                                    {"grad:input", grad_or_zeros(s.input)}};
    if (h0.defined()) r["grad:h0"] = grad_or_zeros(h0);
    for (auto& [name, p] : gru.named_parameters()) r["grad:" + name] = grad_or_zeros(p);
    return r;
}

}  // namespace parity
