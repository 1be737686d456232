// 01_rnn_context.cpp — Part 1 of the notebook: how well does an RNN keep the context?
//
// For each sequence length, a sine wave of that many points over [0, 4π] is fed to a small RNN
// whose output should reproduce its input, trained for ten epochs of Adam. The notebook expects
// longer sequences to fit worse; the final losses printed at the end say otherwise (README.md:
// echoing the current input needs no memory, so length alone does not make the task harder).
// --save PATH writes the trained model as a .safetensors file (PyTorch's names), --load PATH
// starts from such a file instead of the seeded weights.
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
#include "common/sine.h"

static int run(int argc, char** argv) {
    ex::CommonOptions common;
    std::vector<int64_t> lengths = {20, 100, 1000, 2000};
    int64_t epochs = 10, jobs = 1;
    std::string load_path, save_path;  // --load, --save: "" when not given
    ex::Args args("01_rnn_context", "Part 1 - How is RNN limited? Context: an RNN learns to echo a sine wave");
    args.option("--lengths", "L1,L2,...", "sequence lengths to compare", "20,100,1000,2000",
                [&](const std::string& v) { lengths = ex::parse_positive_list(v); });
    args.option("--epochs", "E", "full-batch training epochs per length", std::to_string(epochs),
                [&](const std::string& v) { epochs = ex::parse_positive(v); });
    args.option("--load", "PATH", "start from the weights of this .safetensors file, not the seeded ones", "none",
                [&](const std::string& v) {
                    ex::RNNModel probe;
                    ag::load_model(probe, v);  // a file that does not fit is refused now, before any work
                    load_path = v;
                });
    args.option("--save", "PATH", "write the trained model to this .safetensors file (one length only)", "none",
                [&](const std::string& v) { save_path = ex::parse_file_path(v); });
    args.common(common);
    args.jobs(jobs);
    args.parse(argc, argv);
    if (!save_path.empty() && lengths.size() != 1) {
        std::fprintf(stderr, "01_rnn_context: error: --save: %zu lengths train %zu models; choose the one to save "
                             "with --lengths L (see --help)\n", lengths.size(), lengths.size());
        return 2;
    }
    const std::string dir = common.out + "/01_rnn_context";
    ex::make_dir(dir);
    if (!save_path.empty()) ex::make_parent_dir(save_path);  // as --out
    ex::Plotter plotter(common.plot, dir, "01_rnn_context");

    // Each length is one configuration; up to --jobs of them train at the same time, each on its
    // own thread with its own data and model (common/jobs.h). What a length prints is kept in its
    // `log` and printed in the order of the lengths.
    std::vector<double> final_losses(lengths.size());
    ex::run_configurations(static_cast<int64_t>(lengths.size()), jobs, [&](int64_t k, ex::Log& log) {
        const int64_t sequence_length = lengths[k];
        // data[0, t, 0] = sin(t · 4π/(L−1)), t = 0 .. L−1: numpy's sin(linspace(0, 4π, L))  (1, L, 1)
        ag::Tensor data = ex::sine_data(sequence_length);

        // A fresh model for every length, from the same seed: the notebook's starting weights.
        ag::manual_seed(common.seed);
        ex::RNNModel rnn_model;  // rnn: RNN(1 -> 10), dense: Linear(10 -> 1)
        if (!load_path.empty()) ag::load_model(rnn_model, load_path);  // --load: these weights instead
        ag::optim::Adam optimizer(rnn_model.parameters(), /*lr=*/0.01);
        ag::nn::MSELoss criterion;  // mean over t of (output_t − data_t)²

        // Train: the whole sequence is one batch, and the input is also the target.
        log.printf("sequence_length = %lld: training %lld epochs\n", (long long)sequence_length, (long long)epochs);
        if (!load_path.empty()) log.printf("  starting from the weights in %s\n", load_path.c_str());
        ex::DataFile loss_file(dir + "/loss_L" + std::to_string(sequence_length) + ".dat", {"epoch", "loss"});
        double loss_value = 0.0;
        for (int64_t epoch = 1; epoch <= epochs; ++epoch) {
            optimizer.zero_grad();
            ag::Tensor outputs = rnn_model.forward(data);  // (1, L, 1)
            ag::Tensor loss = criterion(outputs, data);     // ()
            loss.backward();                                // backpropagation through time
            optimizer.step();
            loss_value = loss.item();
            loss_file.row({double(epoch), loss_value});
            log.printf("  epoch %3lld/%lld  loss %.8g\n", (long long)epoch, (long long)epochs, loss_value);
        }
        loss_file.close();
        final_losses[k] = loss_value;
        if (!save_path.empty()) {  // --save: the trained weights under PyTorch's names
            ag::save_model(rnn_model, save_path,
                           {{"example", "01_rnn_context"}, {"sequence_length", std::to_string(sequence_length)},
                            {"epochs", std::to_string(epochs)},
                            {"start", load_path.empty() ? "seed " + std::to_string(common.seed) : load_path}});
            log.printf("  saved the trained model to %s\n", save_path.c_str());
        }

        // The RNN's outputs after training, without recording a graph.
        ag::NoGradGuard no_grad;
        ag::Tensor predictions = rnn_model.forward(data);  // (1, L, 1)
        ex::DataFile table(dir + "/predictions_L" + std::to_string(sequence_length) + ".dat", {"t", "original", "rnn_output"});
        for (int64_t t = 0; t < sequence_length; ++t) {
            table.row({double(t), data.values()[t], predictions.values()[t]});
        }
        table.close();
    });

    // Original sequence vs RNN output, as in the notebook: drawn once every length is done.
    for (size_t k = 0; k < lengths.size(); ++k) {
        const int64_t sequence_length = lengths[k];
        const std::string name = "predictions_L" + std::to_string(sequence_length);
        ex::Figure figure(name, "RNN and Context Retention");
        ex::Panel panel("RNN and Context Retention (sequence_length = " + std::to_string(sequence_length) +
                            ", final loss " + ex::num(final_losses[k], 4) + ")",
                        "time step t", "value");
        const bool dots = sequence_length <= 200;  // markers only where they can be told apart
        panel.series.push_back({name + ".dat", "1:2", "Original Sequence", dots ? "linespoints pt 7 ps 0.8" : "lines lw 2"});
        panel.series.push_back({name + ".dat", "1:3", "RNN Output", dots ? "linespoints dt 2 pt 2" : "lines dt 2 lw 2"});
        panel.extra = "set key bottom left box opaque";
        figure.panels.push_back(panel);
        plotter.draw(figure);
    }

    // Every length's loss curve in one picture.
    ex::Figure losses("loss", "Training loss per sequence length");
    ex::Panel panel("Training loss per sequence length (Adam, lr 0.01)", "epoch", "MSE loss");
    for (int64_t L : lengths) {
        panel.series.push_back({"loss_L" + std::to_string(L) + ".dat", "1:2", "sequence_length = " + std::to_string(L)});
    }
    losses.panels.push_back(panel);
    plotter.draw(losses);

    std::printf("\nfinal loss after %lld epochs:\n  sequence_length  loss\n", (long long)epochs);
    for (size_t k = 0; k < lengths.size(); ++k) {
        std::printf("  %15lld  %.8g\n", (long long)lengths[k], final_losses[k]);
    }
    plotter.print_summary();
    return 0;
}

int main(int argc, char** argv) { return ex::main_guard("01_rnn_context", run, argc, argv); }
