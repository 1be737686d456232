// memory_task.h — the memory tests of 07_memory_lag (and of 08_attention_memory): how far back can
// a model recall one input it has seen?
//
// Teaches: memory is measured, not claimed. A model reads random N(0, 1) numbers and must output
// one it saw k steps earlier, on sequences it never trained on. Always answering 0 scores about 1
// (the variance of the input), so an error near 1 means the model has forgotten.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ag/ag.h"
#include "jobs.h"
#include "models.h"
#include "plot.h"

namespace ex {

// The two tasks. Delay: at every step t ≥ k of a sequence of --length steps, output x[t − k]
// (the value must travel k steps, and a new one arrives every step). First: at the last step of a
// sequence of k + 1 steps, output its first value x[0] (one value kept for k steps; the hidden
// size is not what limits it).
enum class MemoryTask { Delay, First };
MemoryTask parse_memory_task(const std::string& text);  // "delay" | "first", else throws
const char* memory_task_name(MemoryTask task);

// Builds the model called `name` ("rnn", ...) of width `hidden` (a SequenceModel, models.h);
// called right after ag::manual_seed.
using ModelMaker = std::function<std::unique_ptr<SequenceModel>(const std::string& name, int64_t hidden)>;

// The error of a model's output on its sequence x, for lag k:
//   Delay: mean over b and t ≥ k of (output[b, t] − x[b, t − k])²
//   First: mean over b of (output[b, L − 1] − x[b, 0])²
// output, x (B, L, 1) -> ()
ag::Tensor memory_loss(MemoryTask task, const ag::Tensor& output, const ag::Tensor& x, int64_t lag);
// The sequence length a configuration trains on: --length for Delay, k + 1 for First.
int64_t memory_sequence_length(MemoryTask task, int64_t lag, int64_t delay_length);

struct MemorySetup {
    MemoryTask task = MemoryTask::Delay;
    std::vector<std::string> models;    // e.g. {"rnn", "lstm", "gru"}
    std::vector<int64_t> hidden_sizes;  // each model at each width
    std::vector<int64_t> lags;          // k
    std::vector<uint64_t> seeds;        // each configuration once per seed
    int64_t steps = 500;                // Adam steps, each on a fresh random batch
    int64_t length = 48;                // Delay only: steps per sequence
    int64_t batch = 32;                 // sequences per training step
    int64_t eval_batch = 256;           // held-out sequences
    double lr = 0.01;
};

// One trained configuration.
struct MemoryRun {
    std::string model;
    int64_t hidden = 0, lag = 0;
    uint64_t seed = 0;
    double mse = 0.0;       // held-out error
    double baseline = 0.0;  // held-out error of always answering 0
};

// Trains every (model, hidden, lag, seed), in that nesting order, up to `jobs` at a time
// (jobs.h), printing one line per run as it finishes. Each run draws its held-out set, then its
// training batches, from a Generator seeded with its seed, and builds its model right after
// manual_seed(seed): every model of a seed sees the same data.
// inspect, if set, is called on the run's thread after training (see MemoryExample).
std::vector<MemoryRun> run_memory_tests(
    const MemorySetup& setup, const ModelMaker& make_model, int64_t jobs,
    const std::function<void(size_t run, const SequenceModel& model, const ag::Tensor& held_out)>& inspect = nullptr);

// A run counts as solved when its held-out error is below this (the baseline is about 1).
constexpr double kSolved = 0.05;

// Writes DIR/error_vs_lag.dat (columns: model hidden lag mse baseline seed, one row per run) and
// DIR/summary.dat (model hidden lag runs solved best median baseline, one row per configuration),
// prints the summary table, and draws error against lag: the median of each (model, hidden) as a
// curve, every run as a dot, the baseline dashed. `label` names a model in legends and tables
// (e.g. "lstm" -> "LSTM, forget bias 3").
void report_memory_tests(const MemorySetup& setup, const std::vector<MemoryRun>& runs, const std::string& dir,
                         const std::string& title, const std::function<std::string(const std::string&)>& label,
                         Plotter& plotter);

// ---- a whole memory example (07 and 08 are this, with their own defaults and models) ---------

struct MemoryExample {
    const char* program;  // "07_memory_lag": its name, for errors and the out folder
    const char* about;    // one line for --help
    std::vector<std::string> known_models, default_models;  // --models
    std::vector<int64_t> delay_lags, first_lags;             // --lags, per task
    std::vector<int64_t> delay_hidden, first_hidden;         // --hidden, per task
    int64_t delay_steps = 500, first_steps = 1500;           // --steps, per task
    int64_t delay_length = 48;                               // --length (delay only)
    // Builds the model `name` of width `hidden`, right after manual_seed; forget_bias is --forget-bias
    // (NaN when not given).
    std::function<std::unique_ptr<SequenceModel>(const std::string& name, int64_t hidden, double forget_bias)> make_model;
    // Optional: called on the run's thread once its model is trained, with its held-out set (E, L, 1).
    std::function<void(size_t run, const SequenceModel& model, const ag::Tensor& held_out)> inspect;
    // Optional: more output once every run is done (pictures of what `inspect` kept).
    std::function<void(const MemorySetup& setup, const std::vector<MemoryRun>& runs, const std::string& dir,
                       Plotter& plotter)>
        report;
};

// Reads the flags (--task, --models, --lags, --hidden, --steps, --length, --batch, --seeds,
// --forget-bias, --seed, --out, --plot, --jobs), trains every configuration and reports; returns
// the exit status (2 for a bad flag, with one line on stderr and nothing written).
int run_memory_example(const MemoryExample& example, int argc, char** argv);

// "rnn,lstm" -> {"rnn", "lstm"}; each word must be one of `known`, once (throws otherwise).
std::vector<std::string> parse_model_list(const std::string& text, const std::vector<std::string>& known);
// "0,1,2" -> {0, 1, 2}: whole numbers >= 0, each once.
std::vector<uint64_t> parse_seed_list(const std::string& text);

}  // namespace ex
