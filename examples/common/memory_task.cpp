// memory_task.cpp — the memory tests: data, loss, training of every configuration, and the report.
#include "memory_task.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "cli.h"
#include "data.h"
#include "plot.h"

namespace ex {

MemoryTask parse_memory_task(const std::string& text) {
    if (text == "delay") return MemoryTask::Delay;
    if (text == "first") return MemoryTask::First;
    throw std::invalid_argument("'" + text + "' is not a task: use delay or first");
}

const char* memory_task_name(MemoryTask task) { return task == MemoryTask::Delay ? "delay" : "first"; }

ag::Tensor memory_loss(MemoryTask task, const ag::Tensor& output, const ag::Tensor& x, int64_t lag) {
    const int64_t L = x.size(1);
    if (task == MemoryTask::First) {  // the last step's output against the first input
        return ag::nn::mse_loss(ag::narrow(output, 1, L - 1, 1), ag::narrow(x, 1, 0, 1));  // (B, 1, 1) each
    }
    ag::Tensor predicted = ag::narrow(output, 1, lag, L - lag);  // (B, L − k, 1): steps t = k .. L−1
    ag::Tensor recalled = ag::narrow(x, 1, 0, L - lag);          // (B, L − k, 1): inputs t − k
    return ag::nn::mse_loss(predicted, recalled);
}

int64_t memory_sequence_length(MemoryTask task, int64_t lag, int64_t delay_length) {
    return task == MemoryTask::First ? lag + 1 : delay_length;
}

std::vector<MemoryRun> run_memory_tests(
    const MemorySetup& s, const ModelMaker& make_model, int64_t jobs,
    const std::function<void(size_t run, const SequenceModel& model, const ag::Tensor& held_out)>& inspect) {
    std::vector<MemoryRun> runs;  // the configurations, in the order of the table
    for (const std::string& model : s.models)
        for (int64_t hidden : s.hidden_sizes)
            for (int64_t lag : s.lags)
                for (uint64_t seed : s.seeds) runs.push_back({model, hidden, lag, seed, 0.0, 0.0});

    run_configurations(static_cast<int64_t>(runs.size()), jobs, [&](int64_t i, Log& log) {
        MemoryRun& r = runs[static_cast<size_t>(i)];
        const int64_t L = memory_sequence_length(s.task, r.lag, s.length);
        ag::Generator gen(r.seed);
        ag::Tensor held_out = ag::randn({s.eval_batch, L, 1}, gen);  // (E, L, 1), drawn first
        ag::manual_seed(r.seed);
        std::unique_ptr<SequenceModel> model = make_model(r.model, r.hidden);
        ag::optim::Adam optimizer(model->parameters(), s.lr);

        for (int64_t step = 1; step <= s.steps; ++step) {
            ag::Tensor x = ag::randn({s.batch, L, 1}, gen);  // (B, L, 1), fresh each step
            optimizer.zero_grad();
            ag::Tensor loss = memory_loss(s.task, model->forward(x), x, r.lag);  // ()
            loss.backward();
            optimizer.step();
        }

        ag::NoGradGuard no_grad;
        if (inspect) inspect(static_cast<size_t>(i), *model, held_out);
        r.mse = memory_loss(s.task, model->forward(held_out), held_out, r.lag).item();
        r.baseline = memory_loss(s.task, ag::Tensor::zeros(held_out.shape()), held_out, r.lag).item();
        log.printf("  %-9s hidden %3lld  lag %3lld  seed %llu  held-out mse %.4f  (baseline %.4f)\n", r.model.c_str(),
                   (long long)r.hidden, (long long)r.lag, (unsigned long long)r.seed, r.mse, r.baseline);
    });
    return runs;
}

// ---- report ------------------------------------------------------------------------------------

namespace {

struct Summary {
    std::string model;
    int64_t hidden = 0, lag = 0, runs = 0, solved = 0;
    double best = 0.0, median = 0.0, baseline = 0.0;
};

// One Summary per (model, hidden, lag), over its seeds; `runs` holds the seeds of a configuration
// next to each other (run_memory_tests' order).
std::vector<Summary> summarise(const std::vector<MemoryRun>& runs, size_t seeds) {
    std::vector<Summary> out;
    for (size_t first = 0; first < runs.size(); first += seeds) {
        std::vector<double> mse, base;
        for (size_t i = first; i < first + seeds; ++i) {
            mse.push_back(runs[i].mse);
            base.push_back(runs[i].baseline);
        }
        std::sort(mse.begin(), mse.end());
        std::sort(base.begin(), base.end());
        auto median = [](const std::vector<double>& v) {
            const size_t n = v.size();
            return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
        };
        Summary m;
        m.model = runs[first].model;
        m.hidden = runs[first].hidden;
        m.lag = runs[first].lag;
        m.runs = static_cast<int64_t>(seeds);
        m.solved = std::count_if(mse.begin(), mse.end(), [](double e) { return e < kSolved; });
        m.best = mse.front();
        m.median = median(mse);
        m.baseline = median(base);
        out.push_back(m);
    }
    return out;
}

}  // namespace

void report_memory_tests(const MemorySetup& s, const std::vector<MemoryRun>& runs, const std::string& dir,
                         const std::string& title, const std::function<std::string(const std::string&)>& label,
                         Plotter& plotter) {
    DataFile table(dir + "/error_vs_lag.dat", {"model", "hidden", "lag", "mse", "baseline", "seed"});
    for (const MemoryRun& r : runs) {
        table.row({r.model, std::to_string(r.hidden), std::to_string(r.lag), num(r.mse), num(r.baseline),
                   std::to_string(r.seed)});
    }
    table.close();
    const std::vector<Summary> summary = summarise(runs, s.seeds.size());
    DataFile sums(dir + "/summary.dat", {"model", "hidden", "lag", "runs", "solved", "best", "median", "baseline"});
    for (const Summary& m : summary) {
        sums.row({m.model, std::to_string(m.hidden), std::to_string(m.lag), std::to_string(m.runs),
                  std::to_string(m.solved), num(m.best), num(m.median), num(m.baseline)});
    }
    sums.close();

    // ---- the table: one row per (model, hidden), one column per lag ------------------------------
    const bool one_seed = s.seeds.size() == 1;
    std::printf("\nheld-out mse of the %s task (%s; baseline: always 0, about 1):\n", memory_task_name(s.task),
                one_seed ? "one seed" : "median over the seeds (runs solved: mse < 0.05)");
    const int width = one_seed ? 8 : 12;  // a column: "0.1234", or "0.123 (3/4)"
    std::printf("  %-22s %6s", "model", "hidden");
    for (int64_t lag : s.lags) std::printf("  %*s", width, ("lag " + std::to_string(lag)).c_str());
    std::printf("\n");
    for (size_t row = 0; row < summary.size(); row += s.lags.size()) {
        std::printf("  %-22s %6lld", label(summary[row].model).c_str(), (long long)summary[row].hidden);
        for (size_t j = 0; j < s.lags.size(); ++j) {
            const Summary& m = summary[row + j];
            if (one_seed) std::printf("  %*.4f", width, m.median);
            else {
                char cell[64];
                std::snprintf(cell, sizeof cell, "%.3f (%lld/%lld)", m.median, (long long)m.solved, (long long)m.runs);
                std::printf("  %*s", width, cell);
            }
        }
        std::printf("\n");
    }
    if (!one_seed) {
        std::printf("  best run of each:\n");
        for (size_t row = 0; row < summary.size(); row += s.lags.size()) {
            std::printf("  %-22s %6lld", label(summary[row].model).c_str(), (long long)summary[row].hidden);
            for (size_t j = 0; j < s.lags.size(); ++j) std::printf("  %*.4f", width, summary[row + j].best);
            std::printf("\n");
        }
    }
    std::printf("  %-22s %6s", "baseline", "");
    for (size_t j = 0; j < s.lags.size(); ++j) std::printf("  %*.4f", width, summary[j].baseline);
    std::printf("\n(an mse near the baseline means the model has forgotten: it answers about 0)\n");

    // ---- picture: error against lag, the median of each (model, hidden) and every run -----------
    const std::string name = std::string("error_vs_lag_") + memory_task_name(s.task);
    Figure figure(name, title);
    Panel panel(std::string(s.task == MemoryTask::Delay ? "Output x[t-k] at every step t >= k"
                                                        : "Output x[0] at the last step of k + 1") +
                    " (" + std::to_string(s.steps) + " training steps" + (one_seed ? "" : ", median of the seeds") +
                    ")",
                "lag k: how many steps back (axis spaced as log2(k + 1))", "held-out mean squared error");
    const char* colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};
    int c = 0;
    for (const std::string& model : s.models) {
        for (int64_t H : s.hidden_sizes) {
            const std::string pick = "(strcol(1) eq '" + model + "' && $2 == " + std::to_string(H) +
                                     " ? log($3 + 1)/log(2) : 1/0)";
            const std::string colour = std::string(" lc rgb '") + colours[c++ % 8] + "'";
            panel.series.push_back({"summary.dat", pick + ":7",
                                    label(model) + (s.hidden_sizes.size() > 1 ? ", H = " + std::to_string(H) : ""),
                                    "linespoints pt 7 ps 1 lw 2" + colour});
            if (!one_seed) panel.series.push_back({"error_vs_lag.dat", pick + ":4", "", "points pt 6 ps 0.8" + colour});
        }
    }
    panel.series.push_back({"summary.dat", "($0 < " + std::to_string(s.lags.size()) + " ? log($3 + 1)/log(2) : 1/0):8",
                            "baseline: always 0", "lines dt 2 lw 2 lc rgb 'black'"});
    std::string tics;  // x = log2(k + 1), each tic labelled with its lag k
    for (size_t j = 0; j < s.lags.size(); ++j) {
        tics += (j ? ", '" : "'") + std::to_string(s.lags[j]) + "' " + num(std::log2(double(s.lags[j]) + 1.0), 6);
    }
    panel.extra = "set key outside right top box\nset yrange [0:1.3]\nset xtics (" + tics + ")\nset offsets 0.2, 0.2, 0, 0";
    figure.panels.push_back(panel);
    plotter.draw(figure);
}

// ---- flags -------------------------------------------------------------------------------------

static std::string join_words(const std::vector<std::string>& words, const char* sep) {
    std::string out;
    for (const std::string& w : words) out += (out.empty() ? "" : sep) + w;
    return out;
}

std::vector<std::string> parse_model_list(const std::string& text, const std::vector<std::string>& known) {
    const std::string words = join_words(known, ", ");
    std::vector<std::string> models = split_list(text, "rnn,lstm");
    for (size_t i = 0; i < models.size(); ++i) {
        if (std::find(known.begin(), known.end(), models[i]) == known.end())
            throw std::invalid_argument("'" + models[i] + "' is not a model: use " + words);
        if (std::find(models.begin(), models.begin() + i, models[i]) != models.begin() + i)
            throw std::invalid_argument("'" + models[i] + "' is listed twice");
    }
    return models;
}

std::vector<uint64_t> parse_seed_list(const std::string& text) {
    std::vector<uint64_t> seeds;
    for (const std::string& piece : split_list(text, "0,1,2")) {
        const uint64_t seed = parse_seed(piece);
        if (std::find(seeds.begin(), seeds.end(), seed) != seeds.end())
            throw std::invalid_argument("seed " + piece + " is listed twice");
        seeds.push_back(seed);
    }
    return seeds;
}

// ---- a whole memory example -------------------------------------------------------------------

static std::string join_numbers(const std::vector<int64_t>& v) {
    std::string out;
    for (int64_t x : v) out += (out.empty() ? "" : ",") + std::to_string(x);
    return out;
}

int run_memory_example(const MemoryExample& ex_, int argc, char** argv) {
    CommonOptions common;
    MemorySetup setup;
    setup.models = ex_.default_models;
    setup.length = ex_.delay_length;
    double forget_bias = std::nan("");  // --forget-bias (LSTM only); NaN: as drawn
    // Defaults depend on the task; a flag given on the command line wins.
    std::vector<int64_t> lags, hidden_sizes;
    int64_t steps = 0, jobs = 1;
    std::vector<uint64_t> seeds;
    std::string load_path, save_path;  // --load, --save: "" when not given
    const std::string program = ex_.program;
    Args args(program, ex_.about);
    args.option("--task", "T", "delay: x[t-k] at every step | first: x[0] at the last of k + 1 steps", "delay",
                [&](const std::string& v) { setup.task = parse_memory_task(v); });
    args.option("--models", "M1,M2,...", "which models: " + join_words(ex_.known_models, ", ") + " (each reads 1 number per step, width H)",
                join_words(ex_.default_models, ","), [&](const std::string& v) { setup.models = parse_model_list(v, ex_.known_models); });
    args.option("--forget-bias", "B", "LSTM: set the forget-gate rows of bias_ih to B (1 or 3: starts open)", "as drawn",
                [&](const std::string& v) { forget_bias = parse_number(v); });
    args.option("--lags", "K1,K2,...", "how many steps back to recall (0 = the current input)",
                "delay: " + join_numbers(ex_.delay_lags) + "; first: " + join_numbers(ex_.first_lags),
                [&](const std::string& v) { lags = parse_count_list(v); });
    args.option("--hidden", "H1,H2,...", "hidden sizes (the attention width) to compare",
                "delay: " + join_numbers(ex_.delay_hidden) + "; first: " + join_numbers(ex_.first_hidden),
                [&](const std::string& v) { hidden_sizes = parse_positive_list(v); });
    args.option("--steps", "N", "training steps (Adam lr 0.01), each on a fresh random batch",
                "delay: " + std::to_string(ex_.delay_steps) + "; first: " + std::to_string(ex_.first_steps),
                [&](const std::string& v) { steps = parse_positive(v); });
    args.option("--length", "L", "delay: steps per sequence (must exceed every lag); first: k + 1",
                std::to_string(setup.length), [&](const std::string& v) { setup.length = parse_positive(v); });
    args.option("--batch", "B", "sequences per training step", std::to_string(setup.batch),
                [&](const std::string& v) { setup.batch = parse_positive(v); });
    args.option("--seeds", "S1,S2,...", "run every configuration once per seed (instead of --seed)", "--seed",
                [&](const std::string& v) { seeds = parse_seed_list(v); });
    args.option("--load", "PATH", "start every run from the weights of this .safetensors file (one model, one width)",
                "none", [&](const std::string& v) { load_path = parse_file_path(v); });
    args.option("--save", "PATH", "write the trained model to this .safetensors file (one configuration only)", "none",
                [&](const std::string& v) { save_path = parse_file_path(v); });
    args.common(common);
    args.jobs(jobs);
    args.parse(argc, argv);

    const bool delay = setup.task == MemoryTask::Delay;
    setup.lags = !lags.empty() ? lags : delay ? ex_.delay_lags : ex_.first_lags;
    setup.hidden_sizes = !hidden_sizes.empty() ? hidden_sizes : delay ? ex_.delay_hidden : ex_.first_hidden;
    setup.steps = steps > 0 ? steps : delay ? ex_.delay_steps : ex_.first_steps;
    setup.seeds = !seeds.empty() ? seeds : std::vector<uint64_t>{common.seed};
    auto refuse = [&](const std::string& message) {  // a check across flags: one line, status 2
        std::fprintf(stderr, "%s: error: %s (see --help)\n", program.c_str(), message.c_str());
        return 2;
    };
    for (int64_t lag : setup.lags) {
        if (delay && lag >= setup.length)
            return refuse("--lags: lag " + std::to_string(lag) + " needs --length above " + std::to_string(lag) +
                          ", got " + std::to_string(setup.length));
        if (lag > 100000) return refuse("--lags: " + std::to_string(lag) + " is more than 100000");
    }
    for (int64_t H : setup.hidden_sizes)
        if (H > 4096) return refuse("--hidden: " + std::to_string(H) + " is more than 4096");
    const size_t configurations = setup.models.size() * setup.hidden_sizes.size() * setup.lags.size() * setup.seeds.size();
    if (!save_path.empty() && configurations != 1)
        return refuse("--save: " + std::to_string(configurations) + " configurations train as many models; choose one " +
                      "with --models, --hidden, --lags and --seed");
    if (!load_path.empty()) {  // one model to load into, and a file that fits it: checked before any work
        if (setup.models.size() != 1 || setup.hidden_sizes.size() != 1)
            return refuse("--load: the weights fit one model of one width; choose them with --models M --hidden H");
        try {
            ag::load_model(*ex_.make_model(setup.models[0], setup.hidden_sizes[0], forget_bias), load_path);
        } catch (const std::exception& e) {
            return refuse(std::string("--load: ") + e.what());
        }
    }
    const std::string dir = common.out + "/" + program;
    make_dir(dir);
    Plotter plotter(common.plot, dir, program);

    if (delay) std::printf("recall the input k steps back: random N(0, 1) sequences of %lld steps", (long long)setup.length);
    else std::printf("recall the first input at the last of k + 1 steps: random N(0, 1) sequences");
    std::printf(", %lld training steps of batch %lld, evaluated on %lld held-out sequences\n", (long long)setup.steps,
                (long long)setup.batch, (long long)setup.eval_batch);
    if (!save_path.empty()) make_parent_dir(save_path);  // as --out
    auto make_model = [&](const std::string& name, int64_t hidden) {
        std::unique_ptr<SequenceModel> model = ex_.make_model(name, hidden, forget_bias);
        if (!load_path.empty()) ag::load_model(*model, load_path);  // --load: these weights instead of the seeded ones
        return model;
    };
    auto inspect = [&](size_t run, const SequenceModel& model, const ag::Tensor& held_out) {
        if (!save_path.empty()) ag::save_model(model, save_path, {{"example", program}, {"task", memory_task_name(setup.task)}});
        if (ex_.inspect) ex_.inspect(run, model, held_out);
    };
    // One configuration per (model, hidden size, lag, seed); up to --jobs of them train at the same
    // time, each on its own thread with its own data and model (jobs.h).
    const std::vector<MemoryRun> runs = run_memory_tests(setup, make_model, jobs, inspect);
    if (!load_path.empty()) std::printf("every run started from the weights in %s\n", load_path.c_str());
    if (!save_path.empty()) std::printf("saved the trained model to %s\n", save_path.c_str());
    auto label = [&](const std::string& name) {  // "RNN", "GRU", "LSTM, forget bias 3", "attention"
        if (name == "rnn") return std::string("RNN");
        if (name == "gru") return std::string("GRU");
        if (name == "lstm") return "LSTM" + (std::isnan(forget_bias) ? std::string() : ", forget bias " + num(forget_bias, 4));
        return name;
    };
    report_memory_tests(setup, runs, dir, "Memory: error of recalling an input k steps back", label, plotter);
    if (ex_.report) ex_.report(setup, runs, dir, plotter);
    plotter.print_summary();
    return 0;
}

}  // namespace ex
