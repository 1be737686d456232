// 07_memory_lag.cpp — how far back can an RNN remember? Context retention measured directly.
//
// The notebook's context task (output = the current input) needs no memory at all. Here the RNN
// must output the input it saw k steps EARLIER, on random sequences it has never seen: for small
// k it learns to carry the value along; as k grows, the error climbs to that of guessing zero.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "ag/ag.h"
#include "common/cli.h"
#include "common/data.h"
#include "common/jobs.h"
#include "common/models.h"
#include "common/plot.h"

namespace {

// mean over b and t ≥ k of (output[b, t] − x[b, t − k])²: the error of recalling k steps back.
// output, x (B, L, 1) -> ()
ag::Tensor lag_loss(const ag::Tensor& output, const ag::Tensor& x, int64_t lag) {
    const int64_t L = x.size(1);
    ag::Tensor predicted = ag::narrow(output, 1, lag, L - lag);  // (B, L − k, 1): steps t = k .. L−1
    ag::Tensor recalled = ag::narrow(x, 1, 0, L - lag);          // (B, L − k, 1): inputs t − k
    return ag::nn::mse_loss(predicted, recalled);
}

}  // namespace

static int run(int argc, char** argv) {
    ex::CommonOptions common;
    std::vector<int64_t> lags = {0, 1, 2, 4, 8, 16, 32}, hidden_sizes = {4, 16, 64};
    int64_t steps = 500, sequence_length = 48, batch = 32, eval_batch = 256, jobs = 1;
    ex::Args args("07_memory_lag", "Context retention: an RNN trained to output the input it saw k steps earlier");
    args.option("--lags", "K1,K2,...", "how many steps back to recall (0 = the current input)", "0,1,2,4,8,16,32",
                [&](const std::string& v) { lags = ex::parse_count_list(v); });
    args.option("--hidden", "H1,H2,...", "hidden sizes to compare: RNN(1, H) + Linear(H, 1)", "4,16,64",
                [&](const std::string& v) { hidden_sizes = ex::parse_positive_list(v); });
    args.option("--steps", "N", "training steps (Adam lr 0.01), each on a fresh random batch", std::to_string(steps),
                [&](const std::string& v) { steps = ex::parse_positive(v); });
    args.option("--length", "L", "steps per sequence (must exceed every lag)", std::to_string(sequence_length),
                [&](const std::string& v) { sequence_length = ex::parse_positive(v); });
    args.option("--batch", "B", "sequences per training step", std::to_string(batch),
                [&](const std::string& v) { batch = ex::parse_positive(v); });
    args.common(common);
    args.jobs(jobs);
    args.parse(argc, argv);
    for (int64_t lag : lags) {  // a check across two flags: the same one line and status 2
        if (lag >= sequence_length) {
            std::fprintf(stderr, "07_memory_lag: error: --lags: lag %lld needs --length above %lld, got %lld (see --help)\n",
                         (long long)lag, (long long)lag, (long long)sequence_length);
            return 2;
        }
    }
    for (int64_t H : hidden_sizes) {
        if (H > 4096) {
            std::fprintf(stderr, "07_memory_lag: error: --hidden: %lld is more than 4096 (see --help)\n", (long long)H);
            return 2;
        }
    }
    const std::string dir = common.out + "/07_memory_lag";
    ex::make_dir(dir);
    ex::Plotter plotter(common.plot, dir, "07_memory_lag");

    std::printf("recall the input k steps back: random N(0, 1) sequences of %lld steps, %lld training steps of "
                "batch %lld, evaluated on %lld held-out sequences\n",
                (long long)sequence_length, (long long)steps, (long long)batch, (long long)eval_batch);
    // One configuration per (hidden size, lag), in the table's order; up to --jobs of them train
    // at the same time, each on its own thread with its own data and model (common/jobs.h).
    struct Result {
        double error = 0.0, baseline = 0.0;
    };
    const int64_t count = static_cast<int64_t>(hidden_sizes.size() * lags.size());
    std::vector<Result> results(count);  // [h · lags + j]
    ex::run_configurations(count, jobs, [&](int64_t i, ex::Log& log) {
        const int64_t H = hidden_sizes[i / lags.size()], lag = lags[i % lags.size()];
        // Every configuration sees the same data: the held-out set first, then the training
        // batches, all from one generator seeded with --seed; the weights from manual_seed.
        ag::Generator gen(common.seed);
        ag::Tensor held_out = ag::randn({eval_batch, sequence_length, 1}, gen);  // (E, L, 1)
        ag::manual_seed(common.seed);
        ex::RNNModel model(H);  // RNN(1, H), then Linear(H, 1)
        ag::optim::Adam optimizer(model.parameters(), /*lr=*/0.01);

        for (int64_t step = 1; step <= steps; ++step) {
            ag::Tensor x = ag::randn({batch, sequence_length, 1}, gen);  // (B, L, 1), fresh each step
            optimizer.zero_grad();
            ag::Tensor loss = lag_loss(model.forward(x), x, lag);  // ()
            loss.backward();
            optimizer.step();
        }

        // Held-out error, and the error of always answering 0 (the mean of the recalled x²).
        ag::NoGradGuard no_grad;
        Result& r = results[i];
        r.error = lag_loss(model.forward(held_out), held_out, lag).item();
        r.baseline = lag_loss(ag::Tensor::zeros(held_out.shape()), held_out, lag).item();
        log.printf("  hidden %3lld  lag %3lld  held-out mse %.4f  (baseline %.4f)\n", (long long)H, (long long)lag,
                   r.error, r.baseline);
    });

    ex::DataFile table(dir + "/error_vs_lag.dat", {"lag", "hidden", "mse", "baseline"});
    for (int64_t i = 0; i < count; ++i) {
        table.row({double(lags[i % lags.size()]), double(hidden_sizes[i / lags.size()]), results[i].error,
                   results[i].baseline});
    }
    table.close();

    // ---- summary: one row per lag, one column per hidden size ----------------------------------
    std::printf("\nheld-out mse of recalling x[t-k] (baseline: always 0):\n  %5s", "lag k");
    for (int64_t H : hidden_sizes) std::printf("  %9s", ("H=" + std::to_string(H)).c_str());
    std::printf("  %9s\n", "baseline");
    for (size_t j = 0; j < lags.size(); ++j) {
        std::printf("  %5lld", (long long)lags[j]);
        for (size_t h = 0; h < hidden_sizes.size(); ++h) std::printf("  %9.4f", results[h * lags.size() + j].error);
        std::printf("  %9.4f\n", results[j].baseline);  // the same for every hidden size
    }
    std::printf("(an mse near the baseline means the RNN has forgotten: it answers about 0)\n");

    // ---- picture: error against lag, one curve per hidden size, and the baseline ----------------
    ex::Figure figure("error_vs_lag", "RNN memory: error of recalling the input k steps back");
    ex::Panel panel("Held-out MSE of outputting x[t-k] (" + std::to_string(steps) + " training steps, length " +
                        std::to_string(sequence_length) + ")",
                    "lag k: how many steps back (axis spaced as log2(k + 1))", "mean squared error");
    for (int64_t H : hidden_sizes) {
        panel.series.push_back({"error_vs_lag.dat", "($2 == " + std::to_string(H) + " ? log($1 + 1)/log(2) : 1/0):3",
                                "RNN(1, " + std::to_string(H) + ")", "linespoints pt 7 ps 1 lw 2"});
    }
    panel.series.push_back({"error_vs_lag.dat", "($2 == " + std::to_string(hidden_sizes[0]) + " ? log($1 + 1)/log(2) : 1/0):4",
                            "baseline: always 0", "lines dt 2 lw 2 lc rgb 'black'"});
    // x = log2(k + 1): 0, 1, 2, 4, ... 32 spread evenly, each tic labelled with its lag k
    std::string tics;
    for (size_t j = 0; j < lags.size(); ++j) {
        tics += (j ? ", '" : "'") + std::to_string(lags[j]) + "' " + ex::num(std::log2(double(lags[j]) + 1.0), 6);
    }
    panel.extra = "set key left center box opaque\nset yrange [0:1.2]\nset xtics (" + tics + ")\nset offsets 0.2, 0.2, 0, 0";
    figure.panels.push_back(panel);
    plotter.draw(figure);

    plotter.print_summary();
    return 0;
}

int main(int argc, char** argv) { return ex::main_guard("07_memory_lag", run, argc, argv); }
