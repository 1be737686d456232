// compute_gates.cpp — the kinds lstm and gru rebuilt with the engine (tests/parity/README.md).
//
// Teaches: a gated layer is checked exactly as the RNN is: load PyTorch's weights into the
// module, run it on the case's input (and initial state), take the MSE loss, backward, and
// compare the outputs, the final states and every gradient. The LSTM's loss adds 0.1·mean(c_n²),
// so that the gradient reaching the last cell state is checked too.
#include "compute_gates.h"

#include "ag/ag.h"
#include "inputs.h"

namespace parity {

namespace {

using ag::Tensor;

const int64_t kMaxSize = 4096;  // upper bound of a size param: a parity case is small

// What both kinds share: the sizes, the input and the target.
struct Setup {
    int64_t in = 0, H = 0, layers = 0, B = 0, L = 0;
    Tensor input, target;
};

// gates: 4 for the LSTM, 3 for the GRU (the blocks of rows of every weight).
Setup read_setup(Inputs& in, int64_t gates, const std::string& module) {
    Setup s;
    s.in = in.integer("input_size", 1, kMaxSize);
    s.H = in.integer("hidden_size", 1, kMaxSize);
    s.layers = in.integer("num_layers", 1, 64);
    in.require_given(recurrent_values(gates, s.in, s.H, s.layers),
                     module + "(" + std::to_string(s.in) + ", " + std::to_string(s.H) + ", " +
                         std::to_string(s.layers) + ")");
    const TensorText& x = in.text("input");
    if (x.shape.size() != 3 || x.shape[1] < 1 || x.shape[2] != s.in)
        in.fail(x.line, "tensor input has shape " + ag::shape_str(x.shape) + " but must be [batch, length >= 1, " +
                            std::to_string(s.in) + "]");
    s.B = x.shape[0];
    s.L = x.shape[1];
    s.input = in.tensor("input", x.shape, "");
    s.target = in.tensor("target", {s.B, s.L, s.H}, "[batch, length, hidden_size]");
    return s;
}

// The optional initial state `name` (num_layers, B, H), ready to receive a gradient.
Tensor initial_state(Inputs& in, const std::string& name, const Setup& s) {
    if (!in.has_tensor(name)) return Tensor();
    Tensor t = in.tensor(name, {s.layers, s.B, s.H}, "[num_layers, batch, hidden_size]");
    t.set_requires_grad(true);
    return t;
}

}  // namespace

std::map<std::string, Tensor> compute_lstm(const Case& c) {
    Inputs in(c);
    Setup s = read_setup(in, 4, "LSTM");
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
    Inputs in(c);
    Setup s = read_setup(in, 3, "GRU");
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
