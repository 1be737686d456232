// bench.cpp — how fast is the engine? The same training run, once through autograd and once
// through the hand-written loop of fused_rnn.cpp (the floor), on four RNN workloads; 01's setup
// with an LSTM, once with the fused step ops and once with the composed cell; and 08's attention
// model, once with the fused attention op and once with the composed ops.
//
//   make bench                         all six workloads, medians of a few runs each
//   build/examples/bench --workload vanishing --length 500 --epochs 5
//
// Each run happens in a child process (fork), so that its peak memory (ru_maxrss) is its own.
// One line per workload: workload=NAME engine_ms=… fused_ms=… ratio=… peak_rss_mb=…
// (for lstm and attention: engine_ms=… composed_ms=… speedup=… peak_rss_mb=…, the speed-up of
// the fused ops)
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "ag/ag.h"
#include "common/cli.h"
#include "common/fused_rnn.h"
#include "common/models.h"
#include "common/sine.h"

namespace {

struct Config {
    std::string name;
    int64_t batch, length, input, hidden, layers, epochs, repeat;
    bool per_step;  // report ms per training step instead of the whole run
    bool lstm = false;  // LSTM layers instead of RNN layers, compared with the composed cell
    bool attention = false;  // 08's AttentionModel (width `hidden`), fused op against composed ops
};

// The workloads of the issue: the notebook's two models at length 2000, a wide layer, a long sequence.
std::vector<Config> workloads() {
    return {
        {"context", 1, 2000, 1, 10, 1, 10, 5, false},
        {"vanishing", 1, 2000, 1, 10, 3, 50, 3, false},
        {"wide", 32, 200, 128, 128, 1, 5, 3, true},
        {"deep", 1, 100000, 1, 10, 1, 1, 3, false},
        {"lstm", 1, 2000, 1, 10, 1, 10, 5, false, true},
        {"attention", 32, 160, 1, 16, 1, 50, 5, true, false, true},
    };
}

// Inputs and targets: the notebook's sine (target = input) for one input feature, else fixed noise.
void make_data(const Config& c, std::vector<float>& x, std::vector<float>& y) {
    if (c.input == 1 && c.batch == 1) {
        x = ex::sine_data(c.length).values();
        y = x;
        return;
    }
    ag::Generator gen(1);
    x = ag::randn({c.batch, c.length, c.input}, gen).values();
    y = ag::randn({c.batch, c.length, 1}, gen).values();
}

struct Result {
    double ms = 0;         // the whole training run
    double loss = 0;       // the last epoch's loss
    double rss_mb = 0;     // peak resident memory of the run's process
    double base_mb = 0;    // resident memory before the run started
};

double peak_rss_mb() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_maxrss) / 1024.0;
}

// One timed training run through autograd: `epochs` Adam steps (lr 0.01) on the loss that
// loss_of() builds, with the peak memory before and after.
Result timed_training(int64_t epochs, const std::vector<ag::Tensor>& parameters,
                      const std::function<ag::Tensor()>& loss_of) {
    ag::optim::Adam opt(parameters, 0.01);
    Result r;
    r.base_mb = peak_rss_mb();
    auto t0 = std::chrono::steady_clock::now();
    for (int64_t e = 0; e < epochs; ++e) {
        opt.zero_grad();
        ag::Tensor loss = loss_of();  // ()
        loss.backward();
        opt.step();
        r.loss = loss.item();
    }
    r.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    r.rss_mb = peak_rss_mb();
    return r;
}

// The MSE of model.forward(x) against y, c.epochs steps. x (B, L, input) and y (B, L, 1) are the
// values of make_data.
template <class Model>
Result train_with_engine(const Config& c, Model& model, const std::vector<float>& xv, const std::vector<float>& yv) {
    ag::Tensor x(xv, {c.batch, c.length, c.input});
    ag::Tensor y(yv, {c.batch, c.length, 1});
    return timed_training(c.epochs, model.parameters(), [&] { return ag::nn::mse_loss(model.forward(x), y); });
}

Result run_engine(const Config& c) {
    std::vector<float> xv, yv;
    make_data(c, xv, yv);
    ag::manual_seed(0);
    ex::VanishingRNNModel model(int(c.layers), c.hidden, ag::nn::Nonlinearity::Tanh, c.input);
    return train_with_engine(c, model, xv, yv);
}

// 01's model with an LSTM: LSTM(input → hidden, layers), then Linear(hidden → 1) on every step.
struct LSTMModel : ag::nn::Module {
    ag::nn::LSTM lstm;
    ag::nn::Linear dense;
    LSTMModel(const Config& c, bool fused) : lstm(c.input, c.hidden, c.layers, fused), dense(c.hidden, 1) {
        register_module("lstm", lstm);
        register_module("dense", dense);
    }
    ag::Tensor forward(const ag::Tensor& x) const { return dense.forward(std::get<0>(lstm.forward(x))); }
};

Result run_lstm(const Config& c, bool fused) {
    std::vector<float> xv, yv;
    make_data(c, xv, yv);
    ag::manual_seed(0);
    LSTMModel model(c, fused);
    return train_with_engine(c, model, xv, yv);
}
Result run_lstm_fused(const Config& c) { return run_lstm(c, true); }
Result run_lstm_composed(const Config& c) { return run_lstm(c, false); }

// 08's task and model: recall the input 16 steps back (lag). ex::AttentionModel(hidden) (Linear(1, d),
// the positional encoding, one causal MultiheadAttention(d, 1), Linear(d, 1)), MSE of the output at
// steps t ≥ 16 against the input at t − 16, Adam. Without its weights the model's attention is the
// fused op scaled_dot_product_attention; asked for its weights (need_weights), the composed ops.
Result run_attention(const Config& c, bool fused) {
    const int64_t lag = std::min<int64_t>(16, c.length / 2);  // 16, or less for the tiny runs of make memcheck
    ag::Generator gen(1);
    const ag::Tensor x = ag::randn({c.batch, c.length, 1}, gen);        // (B, L, 1)
    const ag::Tensor target = ag::narrow(x, 1, 0, c.length - lag);      // (B, L − 16, 1)
    ag::manual_seed(0);
    ex::AttentionModel model(c.hidden);
    return timed_training(c.epochs, model.parameters(), [&] {
        ag::Tensor weights;
        const ag::Tensor out = fused ? model.forward(x) : model.forward(x, &weights);  // (B, L, 1)
        return ag::nn::mse_loss(ag::narrow(out, 1, lag, c.length - lag), target);
    });
}
Result run_attention_fused(const Config& c) { return run_attention(c, true); }
Result run_attention_composed(const Config& c) { return run_attention(c, false); }

Result run_fused(const Config& c) {
    std::vector<float> xv, yv;
    make_data(c, xv, yv);
    ag::manual_seed(0);  // same initial weights as the engine's run
    ex::VanishingRNNModel init(int(c.layers), c.hidden, ag::nn::Nonlinearity::Tanh, c.input);
    fused::StackedRNN m;
    m.input = c.input;
    m.hidden = c.hidden;
    m.layers = c.layers;
    m.rnn.resize(c.layers);
    std::vector<std::vector<float>*> dst = m.parameters();
    std::vector<ag::Tensor> src = init.parameters();
    for (size_t i = 0; i < dst.size(); ++i) *dst[i] = src[i].values();
    fused::Trainer trainer(m, 0.01);
    Result r;
    r.base_mb = peak_rss_mb();
    auto t0 = std::chrono::steady_clock::now();
    for (int64_t e = 0; e < c.epochs; ++e) r.loss = trainer.step(xv, yv, c.batch, c.length);
    r.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    r.rss_mb = peak_rss_mb();
    return r;
}

// Runs f in a child process and reads its Result back through a pipe.
Result in_child(Result (*f)(const Config&), const Config& c) {
    int fd[2];
    if (pipe(fd) != 0) throw std::runtime_error("bench: pipe failed");
    std::fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        Result r;
        try {
            r = f(c);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "bench: %s\n", e.what());
            _exit(1);
        }
        ssize_t n = write(fd[1], &r, sizeof r);
        _exit(n == ssize_t(sizeof r) ? 0 : 1);
    }
    close(fd[1]);
    Result r;
    ssize_t n = read(fd[0], &r, sizeof r);
    close(fd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (n != ssize_t(sizeof r) || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error("bench: the " + c.name + " run failed");
    return r;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void run(const Config& c) {
    std::fprintf(stderr, "[bench] %s: batch %lld, length %lld, input %lld, hidden %lld, layers %lld, "
                         "epochs %lld, %lld runs each ...\n",
                 c.name.c_str(), (long long)c.batch, (long long)c.length, (long long)c.input,
                 (long long)c.hidden, (long long)c.layers, (long long)c.epochs, (long long)c.repeat);
    std::vector<double> te, tf;
    Result e, f;
    double rss = 0;
    const bool vs_composed = c.lstm || c.attention;  // the second run: composed ops, not the hand-written loop
    for (int64_t i = 0; i < c.repeat; ++i) {  // interleaved, so that machine noise hits both alike
        e = in_child(c.attention ? run_attention_fused : c.lstm ? run_lstm_fused : run_engine, c);
        f = in_child(c.attention ? run_attention_composed : c.lstm ? run_lstm_composed : run_fused, c);
        te.push_back(e.ms);
        tf.push_back(f.ms);
        rss = std::max(rss, e.rss_mb);
    }
    double div = c.per_step ? double(c.epochs) : 1.0;
    double me = median(te) / div, mf = median(tf) / div;
    if (vs_composed)  // the second run is the composed cell: how much faster the fused ops are
        std::printf("workload=%s engine_ms=%.1f composed_ms=%.1f speedup=%.2f peak_rss_mb=%.1f", c.name.c_str(),
                    me, mf, mf / me, rss);
    else
        std::printf("workload=%s engine_ms=%.1f fused_ms=%.1f ratio=%.2f peak_rss_mb=%.1f", c.name.c_str(),
                    me, mf, me / mf, rss);
    if (c.per_step) std::printf(" unit=ms_per_step");
    std::printf(" bytes_per_step=%.0f loss_engine=%.6g loss_%s=%.6g\n",
                (e.rss_mb - e.base_mb) * 1048576.0 / double(c.length), e.loss, vs_composed ? "composed" : "fused", f.loss);
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<Config> all = workloads();
    std::string only;
    Config over{"", 0, 0, 0, 0, 0, 0, 0, false};  // 0 = keep the workload's own value
    ex::Args args("bench",
                  "Trains each workload with the engine and with a hand-written loop (no autograd) and\n"
                  "prints one line per workload: times (medians of --repeat runs), their ratio, peak memory.");
    args.option("--workload", "NAME", "only this one: context, vanishing, wide, deep, lstm or attention", "all",
                [&](const std::string& v) {
                    if (v != "context" && v != "vanishing" && v != "wide" && v != "deep" && v != "lstm" && v != "attention")
                        throw std::invalid_argument("unknown workload '" + v +
                                                    "' (context, vanishing, wide, deep, lstm, attention)");
                    only = v;
                });
    auto size = [&](const char* name, int64_t Config::*field, const char* help) {
        args.option(name, "N", help, "the workload's", [&over, field](const std::string& v) {
            over.*field = ex::parse_positive(v);
        });
    };
    size("--batch", &Config::batch, "sequences per batch");
    size("--length", &Config::length, "time steps per sequence");
    size("--input", &Config::input, "input features");
    size("--hidden", &Config::hidden, "hidden size of every RNN (or LSTM) layer; the attention's width");
    size("--layers", &Config::layers, "stacked RNN (or LSTM) layers");
    size("--epochs", &Config::epochs, "training steps per run");
    size("--repeat", &Config::repeat, "runs of each version (the median is reported)");
    args.parse(argc, argv);
    try {
        for (Config c : all) {
            if (!only.empty() && c.name != only) continue;
            for (int64_t Config::*f : {&Config::batch, &Config::length, &Config::input, &Config::hidden,
                                       &Config::layers, &Config::epochs, &Config::repeat})
                if (over.*f) c.*f = over.*f;
            run(c);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
