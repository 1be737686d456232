// 08_attention_memory.cpp — the transformer's answer: attention reaches any earlier step at once.
//
// The memory tests of 07 (recall the input k steps back, or the first of k + 1), with one causal
// self-attention layer beside the RNN, the LSTM and the GRU, on the same data and budget. A
// recurrent model must carry a value through k steps of its own state; attention compares the
// current step with every earlier one directly, so the distance k costs it nothing in principle.
// The notebook's Part 4 stops at the encoder input, embeddings + positional encodings: this is
// what the encoder does next. The heat map shows where the trained head looks.
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ag/ag.h"
#include "common/cli.h"
#include "common/data.h"
#include "common/memory_task.h"
#include "common/models.h"
#include "common/plot.h"

static int run(int argc, char** argv) {
    ex::MemoryExample example;
    example.program = "08_attention_memory";
    example.about = "Memory with attention: one causal self-attention layer beside the RNN, LSTM and GRU";
    example.known_models = example.default_models = {"rnn", "lstm", "gru", "attention"};
    example.delay_lags = {16, 32, 64, 128};
    example.first_lags = {10, 25, 50, 100};
    example.delay_hidden = example.first_hidden = {16};
    example.delay_steps = example.first_steps = 500;
    example.delay_length = 160;
    // attention: Linear(1, d) + positional encoding, causal MultiheadAttention(d, 1), Linear(d, 1);
    // the others: MODEL(1, H) + Linear(H, 1) (common/models.h)
    example.make_model = [](const std::string& name, int64_t hidden, double forget_bias) -> std::unique_ptr<ex::SequenceModel> {
        if (name == "attention") return std::make_unique<ex::AttentionModel>(hidden);
        return std::make_unique<ex::RecurrentModel>(name, hidden, forget_bias);
    };

    // Each trained attention model's weights on the first held-out sequence: [run] -> (L, L), query × key.
    struct Weights {
        int64_t length = 0;
        std::vector<float> values;
    };
    std::map<size_t, Weights> kept;  // by run; runs finish on several threads, so one lock guards it
    std::mutex kept_lock;
    example.inspect = [&](size_t run, const ex::SequenceModel& model, const ag::Tensor& held_out) {
        const auto* attention = dynamic_cast<const ex::AttentionModel*>(&model);
        if (!attention) return;
        ag::Tensor weights;                                          // (1, L, L)
        attention->forward(ag::narrow(held_out, 0, 0, 1), &weights);  // the first held-out sequence
        std::lock_guard<std::mutex> hold(kept_lock);
        kept[run] = {held_out.size(1), weights.values()};
    };
    example.report = [&kept](const ex::MemorySetup& setup, const std::vector<ex::MemoryRun>& runs, const std::string& dir,
                             ex::Plotter& plotter) {
        // One panel per lag: the first seed's and first width's attention model.
        ex::Figure figure("attention_weights", "Where the trained attention head looks, one held-out sequence");
        figure.ascii_friendly = false;
        figure.columns = 2;
        figure.width = 1000;
        figure.height = 480 * static_cast<int>((setup.lags.size() + 1) / 2);
        for (size_t i = 0; i < runs.size(); ++i) {
            const ex::MemoryRun& r = runs[i];
            if (r.model != "attention" || r.seed != setup.seeds[0] || r.hidden != setup.hidden_sizes[0]) continue;
            const Weights& w = kept.at(i);
            const int64_t L = w.length;
            const std::string file = "attention_lag" + std::to_string(r.lag) + ".dat";
            ex::DataFile table(dir + "/" + file, {"query", "key", "weight"});
            for (int64_t q = 0; q < L; ++q) {
                for (int64_t k = 0; k < L; ++k)
                    table.row({double(q), double(k), double(w.values[q * L + k])});
            }
            table.close();
            ex::Panel panel("lag k = " + std::to_string(r.lag) + ": held-out mse " + ex::num(r.mse, 3),
                            "key step (what is looked at)", "query step (where the output is)");
            panel.series.push_back({file, "2:1:3", "", "image"});
            panel.extra = "set palette defined (0 'white', 0.25 '#fde725', 0.5 '#21908d', 1 '#440154')\n"
                          "set cbrange [0:1]\nset cblabel 'attention weight'\nunset key\nunset grid\n"
                          "set xrange [-0.5:" + std::to_string(L) + "-0.5]\nset yrange [-0.5:" + std::to_string(L) + "-0.5]";
            figure.panels.push_back(panel);
        }
        if (!figure.panels.empty()) {
            std::printf("attention weights of the first held-out sequence: attention_lag*.dat (query key weight)\n");
            plotter.draw(figure);
        }
    };
    return ex::run_memory_example(example, argc, argv);
}

int main(int argc, char** argv) { return ex::main_guard("08_attention_memory", run, argc, argv); }
