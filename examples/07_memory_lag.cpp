// 07_memory_lag.cpp — how far back can an RNN remember, and do the gates of an LSTM or a GRU help?
//
// The notebook's context task (output = the current input) needs no memory at all. Here the model
// must output an input it saw k steps EARLIER, on random sequences it has never seen: for small
// k it learns to carry the value along; as k grows, the error climbs to that of guessing zero.
// --task first asks for one value only (the first of k + 1), so the hidden size is not the limit.
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "ag/ag.h"
#include "common/cli.h"
#include "common/data.h"
#include "common/memory_task.h"
#include "common/models.h"
#include "common/plot.h"

static int run(int argc, char** argv) {
    ex::CommonOptions common;
    ex::MemorySetup setup;
    setup.models = {"rnn", "lstm", "gru"};
    double forget_bias = std::nan("");  // --forget-bias (LSTM only); NaN: as drawn
    // Defaults depend on the task; a flag given on the command line wins.
    std::vector<int64_t> lags, hidden_sizes;
    int64_t steps = 0, jobs = 1;
    std::vector<uint64_t> seeds;
    const std::vector<std::string> known = {"rnn", "lstm", "gru"};
    ex::Args args("07_memory_lag", "Memory: a recurrent model trained to output an input it saw k steps earlier");
    args.option("--task", "T", "delay: x[t-k] at every step | first: x[0] at the last of k + 1 steps", "delay",
                [&](const std::string& v) { setup.task = ex::parse_memory_task(v); });
    args.option("--models", "M1,M2,...", "which models: rnn, lstm, gru (each MODEL(1, H) + Linear(H, 1))", "rnn,lstm,gru",
                [&](const std::string& v) { setup.models = ex::parse_model_list(v, known); });
    args.option("--forget-bias", "B", "LSTM: set the forget-gate rows of bias_ih to B (1 or 3: starts open)", "as drawn",
                [&](const std::string& v) { forget_bias = ex::parse_number(v); });
    args.option("--lags", "K1,K2,...", "how many steps back to recall (0 = the current input)",
                "delay: 0,1,2,4,8,16,32; first: 10,25,50,100", [&](const std::string& v) { lags = ex::parse_count_list(v); });
    args.option("--hidden", "H1,H2,...", "hidden sizes to compare: MODEL(1, H) + Linear(H, 1)", "delay: 4,16,64; first: 16",
                [&](const std::string& v) { hidden_sizes = ex::parse_positive_list(v); });
    args.option("--steps", "N", "training steps (Adam lr 0.01), each on a fresh random batch", "delay: 500; first: 1500",
                [&](const std::string& v) { steps = ex::parse_positive(v); });
    args.option("--length", "L", "delay: steps per sequence (must exceed every lag); first: k + 1",
                std::to_string(setup.length), [&](const std::string& v) { setup.length = ex::parse_positive(v); });
    args.option("--batch", "B", "sequences per training step", std::to_string(setup.batch),
                [&](const std::string& v) { setup.batch = ex::parse_positive(v); });
    args.option("--seeds", "S1,S2,...", "run every configuration once per seed (instead of --seed)", "--seed",
                [&](const std::string& v) { seeds = ex::parse_seed_list(v); });
    args.common(common);
    args.jobs(jobs);
    args.parse(argc, argv);

    const bool delay = setup.task == ex::MemoryTask::Delay;
    setup.lags = !lags.empty() ? lags : delay ? std::vector<int64_t>{0, 1, 2, 4, 8, 16, 32} : std::vector<int64_t>{10, 25, 50, 100};
    setup.hidden_sizes = !hidden_sizes.empty() ? hidden_sizes : delay ? std::vector<int64_t>{4, 16, 64} : std::vector<int64_t>{16};
    setup.steps = steps > 0 ? steps : delay ? 500 : 1500;
    setup.seeds = !seeds.empty() ? seeds : std::vector<uint64_t>{common.seed};
    for (int64_t lag : setup.lags) {  // checks across flags: the same one line and status 2
        if (delay && lag >= setup.length) {
            std::fprintf(stderr, "07_memory_lag: error: --lags: lag %lld needs --length above %lld, got %lld (see --help)\n",
                         (long long)lag, (long long)lag, (long long)setup.length);
            return 2;
        }
        if (lag > 100000) {
            std::fprintf(stderr, "07_memory_lag: error: --lags: %lld is more than 100000 (see --help)\n", (long long)lag);
            return 2;
        }
    }
    for (int64_t H : setup.hidden_sizes) {
        if (H > 4096) {
            std::fprintf(stderr, "07_memory_lag: error: --hidden: %lld is more than 4096 (see --help)\n", (long long)H);
            return 2;
        }
    }
    const std::string dir = common.out + "/07_memory_lag";
    ex::make_dir(dir);
    ex::Plotter plotter(common.plot, dir, "07_memory_lag");

    if (delay) {
        std::printf("recall the input k steps back: random N(0, 1) sequences of %lld steps", (long long)setup.length);
    } else {
        std::printf("recall the first input at the last of k + 1 steps: random N(0, 1) sequences");
    }
    std::printf(", %lld training steps of batch %lld, evaluated on %lld held-out sequences\n", (long long)setup.steps,
                (long long)setup.batch, (long long)setup.eval_batch);
    // One configuration per (model, hidden size, lag, seed); up to --jobs of them train at the same
    // time, each on its own thread with its own data and model (common/jobs.h).
    auto make_model = [&](const std::string& name, int64_t hidden) -> std::unique_ptr<ex::SequenceModel> {
        return std::make_unique<ex::RecurrentModel>(name, hidden, forget_bias);
    };
    const std::vector<ex::MemoryRun> runs = ex::run_memory_tests(setup, make_model, jobs);
    auto label = [&](const std::string& name) {  // "RNN", "GRU", "LSTM, forget bias 3"
        if (name == "rnn") return std::string("RNN");
        if (name == "gru") return std::string("GRU");
        return "LSTM" + (std::isnan(forget_bias) ? std::string() : ", forget bias " + ex::num(forget_bias, 4));
    };
    ex::report_memory_tests(setup, runs, dir, "Memory: error of recalling an input k steps back", label, plotter);
    plotter.print_summary();
    return 0;
}

int main(int argc, char** argv) { return ex::main_guard("07_memory_lag", run, argc, argv); }
