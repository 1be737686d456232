// compute.cpp — each case kind rebuilt with the engine: the same modules, the same loss, the same
// optimizer steps as the PyTorch script that wrote the expected numbers.
//
// Teaches: what each parity case checks, in a few lines of engine code per kind. The inputs are
// checked against the kind first (names, shapes, ranges), so a wrong file says which line is wrong.
#include <cmath>
#include <functional>
#include <memory>

#include "ag/ag.h"
#include "compute_attention.h"
#include "compute_gates.h"
#include "inputs.h"
#include "parity.h"

namespace parity {

namespace {

using ag::Shape;
using ag::Tensor;

using Results = std::map<std::string, Tensor>;

const int64_t kMaxSize = 1 << 20;  // upper bound of any size param: keeps a typo from eating memory
// A model of up to this many values is built even when the file cannot fill it: small models are
// cheap, and the tensor the file lacks is then named (Inputs::require_given).
const int64_t kCheapModel = 1000000;

// ---- linear ------------------------------------------------------------------------------------
Results run_linear(Inputs& in) {
    const int64_t n_in = in.integer("in_features", 1, kMaxSize),
                  n_out = in.integer("out_features", 1, kMaxSize);
    const bool has_bias = in.has_tensor("bias");
    in.require_given(n_out * n_in + (has_bias ? n_out : 0),
                     "Linear(" + std::to_string(n_in) + ", " + std::to_string(n_out) + ")", kCheapModel);
    const TensorText& xt = in.text("input");
    if (xt.shape.empty() || xt.shape.back() != n_in)
        in.fail(xt.line, "tensor input has shape " + ag::shape_str(xt.shape) + " but must be [..., " +
                             std::to_string(n_in) + "] (in_features last)");
    Tensor input = in.tensor("input", xt.shape, "");
    ag::nn::Linear lin(n_in, n_out, has_bias);
    load_parameters(in, lin);
    Shape ts = xt.shape;
    ts.back() = n_out;
    Tensor target = in.tensor("target", ts, "(input's shape with out_features last)");
    in.finish();

    input.set_requires_grad(true);
    Tensor out = lin.forward(input);
    Tensor loss = ag::nn::mse_loss(out, target);
    loss.backward();
    Results r{{"output", out},
              {"loss", loss},
              {"grad:input", grad_or_zeros(input)},
              {"grad:weight", grad_or_zeros(lin.weight)}};
    if (has_bias) r["grad:bias"] = grad_or_zeros(lin.bias);
    return r;
}

// ---- rnn ---------------------------------------------------------------------------------------
Results run_rnn(Inputs& in) {
    const int64_t n_in = in.integer("input_size", 1, kMaxSize), H = in.integer("hidden_size", 1, kMaxSize);
    const int64_t layers = in.integer("num_layers", 1, 1024);
    in.require_given(
        recurrent_values(1, n_in, H, layers),
        "RNN(" + std::to_string(n_in) + ", " + std::to_string(H) + ", " + std::to_string(layers) + ")",
        kCheapModel);
    Tensor input = in.tensor_of_rank("input", 3, "[batch, length, input_size]");
    const int64_t B = input.size(0), L = input.size(1);
    if (input.size(2) != n_in || L < 1)
        in.fail(in.line_of("input"), "tensor input has shape " + ag::shape_str(input.shape()) +
                                         " but must be [batch, length >= 1, " + std::to_string(n_in) + "]");
    Tensor target = in.tensor("target", {B, L, H}, "[batch, length, hidden_size]");
    Tensor h0;
    if (in.has_tensor("h0")) h0 = in.tensor("h0", {layers, B, H}, "[num_layers, batch, hidden_size]");
    ag::nn::RNN rnn(n_in, H, layers);
    load_parameters(in, rnn);
    in.finish();

    input.set_requires_grad(true);
    if (h0.defined()) h0.set_requires_grad(true);
    auto [output, h_n] = rnn.forward(input, h0);
    Tensor loss = ag::nn::mse_loss(output, target);
    loss.backward();
    Results r{{"output", output}, {"h_n", h_n}, {"loss", loss}, {"grad:input", grad_or_zeros(input)}};
    if (h0.defined()) r["grad:h0"] = grad_or_zeros(h0);
    for (auto& [name, p] : rnn.named_parameters()) r["grad:" + name] = grad_or_zeros(p);
    return r;
}

// ---- embedding ---------------------------------------------------------------------------------
Results run_embedding(Inputs& in) {
    const int64_t n = in.integer("num_embeddings", 1, kMaxSize),
                  dim = in.integer("embedding_dim", 1, kMaxSize);
    in.require_given(n * dim, "Embedding(" + std::to_string(n) + ", " + std::to_string(dim) + ")", kCheapModel);
    const TensorText& it = in.text("indices");
    for (size_t i = 0; i < it.values.size(); ++i) {
        double v = it.values[i];
        if (v != std::floor(v) || v < 0 || v >= static_cast<double>(n))
            in.fail(it.line + 1, "index " + std::to_string(v) + " (value " + std::to_string(i) +
                                     ") is not a whole number in [0, " + std::to_string(n) + ")");
    }
    Tensor indices = in.tensor("indices", it.shape, "");
    ag::nn::Embedding emb(n, dim);
    load_parameters(in, emb);
    Shape ts = it.shape;
    ts.push_back(dim);
    Tensor target = in.tensor("target", ts, "(the indices' shape, then embedding_dim)");
    in.finish();

    Tensor out = emb.forward(indices);
    Tensor loss = ag::nn::mse_loss(out, target);
    loss.backward();
    return {{"output", out}, {"loss", loss}, {"grad:weight", grad_or_zeros(emb.weight)}};
}

// ---- adam --------------------------------------------------------------------------------------
Results run_adam(Inputs& in) {
    const int64_t n_in = in.integer("in_features", 1, kMaxSize),
                  n_out = in.integer("out_features", 1, kMaxSize);
    const bool has_bias = in.has_tensor("bias");
    in.require_given(n_out * n_in + (has_bias ? n_out : 0),
                     "Linear(" + std::to_string(n_in) + ", " + std::to_string(n_out) + ")", kCheapModel);
    ag::optim::AdamOptions opt;
    opt.lr = in.real("lr");
    opt.beta1 = in.real_or("beta1", opt.beta1);
    opt.beta2 = in.real_or("beta2", opt.beta2);
    opt.eps = in.real_or("eps", opt.eps);
    opt.weight_decay = in.real_or("weight_decay", opt.weight_decay);
    const int64_t steps = in.integer("steps", 1, 1000000);
    const TensorText& xt = in.text("input");
    if (xt.shape.empty() || xt.shape.back() != n_in)
        in.fail(xt.line, "tensor input has shape " + ag::shape_str(xt.shape) + " but must be [..., " +
                             std::to_string(n_in) + "] (in_features last)");
    Tensor input = in.tensor("input", xt.shape, "");
    Shape ts = xt.shape;
    ts.back() = n_out;
    Tensor target = in.tensor("target", ts, "(input's shape with out_features last)");
    ag::nn::Linear lin(n_in, n_out, has_bias);
    load_parameters(in, lin);
    in.finish();

    ag::optim::Adam adam(lin.parameters(), opt);  // throws on bad hyper-parameters
    std::vector<float> history;
    for (int64_t s = 0; s < steps; ++s) {
        adam.zero_grad();
        Tensor loss = ag::nn::mse_loss(lin.forward(input), target);
        loss.backward();
        history.push_back(loss.item());  // the loss before this step's update
        adam.step();
    }
    Results r{{"loss_history", Tensor(history, {steps})}, {"final:weight", lin.weight.detach()}};
    if (has_bias) r["final:bias"] = lin.bias.detach();
    return r;
}

// ---- train_rnn_model ---------------------------------------------------------------------------
// The notebook's model: `rnn_layers` single-layer RNNs stacked, then Linear(hidden, 1).
struct StackedRNNModel : ag::nn::Module {
    std::vector<std::unique_ptr<ag::nn::RNN>> rnns;
    std::unique_ptr<ag::nn::Linear> dense;

    StackedRNNModel(int64_t layers, int64_t hidden) {
        for (int64_t k = 0; k < layers; ++k) {
            rnns.push_back(std::make_unique<ag::nn::RNN>(k == 0 ? 1 : hidden, hidden));
            register_module("rnn" + std::to_string(k + 1), *rnns.back());
        }
        dense = std::make_unique<ag::nn::Linear>(hidden, 1);
        register_module("dense", *dense);
    }
    Tensor forward(const Tensor& x) const {  // (B, L, 1) -> (B, L, 1)
        Tensor h = x;
        for (const auto& rnn : rnns) h = std::get<0>(rnn->forward(h));
        return dense->forward(h);
    }
};

Results run_train_rnn_model(Inputs& in) {
    const int64_t L = in.integer("sequence_length", 1, kMaxSize);
    const int64_t layers = in.integer("rnn_layers", 1, 1024), H = in.integer("hidden_size", 1, 4096);
    in.require_given(recurrent_values(1, 1, H, layers) + H + 1, "the stacked RNN model",
                     kCheapModel);
    const int64_t epochs = in.integer("epochs", 1, 1000000);
    const double lr = in.real("lr");
    Tensor input = in.tensor_of_rank("input", 3, "[batch, sequence_length, 1]");
    if (input.size(1) != L || input.size(2) != 1 || input.size(0) < 1)
        in.fail(in.line_of("input"), "tensor input has shape " + ag::shape_str(input.shape()) +
                                         " but must be [batch, " + std::to_string(L) + ", 1]");
    StackedRNNModel model(layers, H);
    load_parameters(in, model);
    in.finish();

    ag::optim::Adam adam(model.parameters(), lr);
    std::vector<float> history;
    for (int64_t e = 0; e < epochs; ++e) {
        adam.zero_grad();
        Tensor loss = ag::nn::mse_loss(model.forward(input), input);  // the input is its own target
        loss.backward();
        history.push_back(loss.item());
        adam.step();
    }
    Tensor predictions;
    {
        ag::NoGradGuard no_grad;
        predictions = model.forward(input);
    }
    Results r{{"loss_history", Tensor(history, {epochs})}, {"predictions", predictions}};
    for (auto& [name, p] : model.named_parameters()) r["final:" + name] = p.detach();
    return r;
}

// ---- positional_encoding -----------------------------------------------------------------------
Results run_positional_encoding(Inputs& in) {
    const int64_t max_len = in.integer("max_len", 1, kMaxSize), d_model = in.integer("d_model", 1, kMaxSize);
    if (max_len * d_model > 50000000)
        in.fail(in.c().params.at("max_len").line, "max_len × d_model is too large");
    in.finish();
    return {{"pe", ag::nn::positional_encoding(max_len, d_model)}};
}

// ---- clip_grad_norm ----------------------------------------------------------------------------
// Parameters grad0, grad1, ... (consecutive names) whose gradients are the given tensors, clipped
// together by nn::utils::clip_grad_norm_ with the 2-norm.
Results run_clip_grad_norm(Inputs& in) {
    const ParamText& max_norm = in.param("max_norm");
    if (max_norm.value < 0)
        in.fail(max_norm.line, "param max_norm = " + max_norm.text + " must be >= 0");
    std::vector<Tensor> params;
    for (int64_t k = 0; in.has_tensor("grad" + std::to_string(k)); ++k) {
        const TensorText& g = in.text("grad" + std::to_string(k));
        Tensor given = in.tensor("grad" + std::to_string(k), g.shape, "");
        // A parameter of zeros whose gradient is exactly `given`: d(Σ p·given)/dp = given.
        Tensor p = Tensor::zeros(g.shape, /*requires_grad=*/true);
        ag::sum(p * given).backward();
        params.push_back(p);
    }
    if (params.empty()) in.fail(in.c().kind_line, "case clip_grad_norm needs 'tensor grad0' (missing)");
    in.finish();  // a gap (grad0, grad2) leaves grad2 unread: reported here

    const double total = ag::nn::utils::clip_grad_norm_(params, max_norm.value);
    Results r{{"total_norm", Tensor::scalar(static_cast<float>(total))}};
    for (size_t k = 0; k < params.size(); ++k)
        r["clipped:grad" + std::to_string(k)] = grad_or_zeros(params[k]);
    return r;
}

// ---- init --------------------------------------------------------------------------------------
Results run_init(Inputs& in) {
    const uint64_t seed = in.seed("seed");
    in.finish();
    const Case& c = in.c();
    if (c.modules.empty()) in.fail(c.kind_line, "an init case needs 'module NAME TYPE ARG...' lines");
    ag::manual_seed(seed);
    Results r;
    int64_t total = 0;
    for (const ModuleText& m : c.modules) {
        auto arg_count = [&](size_t lo, size_t hi, const std::string& usage) {
            if (m.args.size() < lo || m.args.size() > hi)
                in.fail(m.line, "module " + m.type + " takes " + usage);
            for (int64_t a : m.args)
                if (a < 1 || a > kMaxSize)
                    in.fail(m.line, "module " + m.name + ": argument " + std::to_string(a) +
                                        " must be in [1, " + std::to_string(kMaxSize) + "]");
        };
        // The parameter values the module will hold (checked before it is made), and how to make it.
        int64_t count = 0;
        std::function<std::unique_ptr<ag::nn::Module>()> make;
        const std::vector<int64_t>& a = m.args;
        if (m.type == "RNN" || m.type == "LSTM" || m.type == "GRU") {
            arg_count(2, 3, "input_size hidden_size [num_layers]");
            const int64_t layers = a.size() > 2 ? a[2] : 1;
            count = recurrent_values(m.type == "LSTM" ? 4 : m.type == "GRU" ? 3 : 1, a[0], a[1], layers);
            make = [&, layers]() -> std::unique_ptr<ag::nn::Module> {
                if (m.type == "RNN") return std::make_unique<ag::nn::RNN>(a[0], a[1], layers);
                if (m.type == "LSTM") return std::make_unique<ag::nn::LSTM>(a[0], a[1], layers);
                return std::make_unique<ag::nn::GRU>(a[0], a[1], layers);
            };
        } else if (m.type == "Linear") {
            arg_count(2, 2, "in_features out_features");
            count = a[1] * (a[0] + 1);
            make = [&] { return std::make_unique<ag::nn::Linear>(a[0], a[1]); };
        } else if (m.type == "Embedding") {
            arg_count(2, 2, "num_embeddings embedding_dim");
            count = a[0] * a[1];
            make = [&] { return std::make_unique<ag::nn::Embedding>(a[0], a[1]); };
        } else if (m.type == "MultiheadAttention") {
            arg_count(2, 2, "embed_dim num_heads");
            if (a[0] % a[1] != 0)
                in.fail(m.line, "module " + m.name + ": embed_dim " + std::to_string(a[0]) +
                                    " is not divisible by num_heads " + std::to_string(a[1]));
            count = 4 * a[0] * (a[0] + 1);
            make = [&] { return std::make_unique<ag::nn::MultiheadAttention>(a[0], a[1]); };
        } else if (m.type == "LayerNorm") {
            arg_count(1, 1, "normalized_shape");
            count = 2 * a[0];
            make = [&] { return std::make_unique<ag::nn::LayerNorm>(a[0]); };
        } else {
            in.fail(m.line, "unknown module type '" + m.type +
                                "' (known: RNN, LSTM, GRU, Linear, Embedding, MultiheadAttention, LayerNorm)");
        }
        if (total + count > 50000000) in.fail(m.line, "module " + m.name + " is too large for a parity case");
        total += count;
        const std::unique_ptr<ag::nn::Module> mod = make();
        for (auto& [name, p] : mod->named_parameters()) r[m.name + "." + name] = p.detach();
    }
    return r;
}

}  // namespace

std::map<std::string, Tensor> compute(const Case& c) {
    Inputs in(c);
    if (c.kind == "linear") return run_linear(in);
    if (c.kind == "rnn") return run_rnn(in);
    if (c.kind == "embedding") return run_embedding(in);
    if (c.kind == "adam") return run_adam(in);
    if (c.kind == "train_rnn_model") return run_train_rnn_model(in);
    if (c.kind == "positional_encoding") return run_positional_encoding(in);
    if (c.kind == "clip_grad_norm") return run_clip_grad_norm(in);
    if (c.kind == "init") return run_init(in);
    if (c.kind == "lstm") return compute_lstm(c);  // compute_gates.cpp
    if (c.kind == "gru") return compute_gru(c);
    if (c.kind == "multihead_attention") return compute_multihead_attention(c);  // compute_attention.cpp
    if (c.kind == "layer_norm") return compute_layer_norm(c);
    if (c.kind == "softmax") return compute_softmax(c);
    if (c.kind == "cross_entropy") return compute_cross_entropy(c);
    in.fail(c.kind_line, "unknown case kind '" + c.kind + "'");
}

}  // namespace parity
