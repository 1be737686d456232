// 02_vanishing_gradient.cpp — Part 1 of the notebook: a deeper RNN trained for longer.
//
// Three RNN layers stacked, then a Linear, learn to echo the sine wave, trained for 10, 20 and
// 50 epochs. Besides the loss of every epoch (the notebook's `history`), each RNN layer's
// gradient norm is recorded, so the picture shows what the gradients do, not only the loss.
// --save PATH writes the trained model as a .safetensors file (PyTorch's names), --load PATH
// starts from such a file instead of the seeded weights.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <map>
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
    int64_t sequence_length = 20;
    std::vector<int64_t> epoch_counts = {10, 20, 50};
    int64_t jobs = 1;
    const int depth = 3;               // rnn1, rnn2, rnn3
    std::string load_path, save_path;  // --load, --save: "" when not given
    ex::Args args("02_vanishing_gradient",
                  "Part 1 - How is RNN limited? Vanishing gradient: three stacked RNNs trained for longer");
    args.option("--length", "L", "sequence length", std::to_string(sequence_length),
                [&](const std::string& v) { sequence_length = ex::parse_positive(v); });
    args.option("--epochs", "E1,E2,...", "epoch counts to compare, each from a fresh model", "10,20,50",
                [&](const std::string& v) { epoch_counts = ex::parse_positive_list(v); });
    args.option("--load", "PATH", "start from the weights of this .safetensors file, not the seeded ones", "none",
                [&](const std::string& v) {
                    ex::VanishingRNNModel probe(depth);
                    ag::load_model(probe, v);  // a file that does not fit is refused now, before any work
                    load_path = v;
                });
    args.option("--save", "PATH", "write the trained model to this .safetensors file (one epoch count only)", "none",
                [&](const std::string& v) { save_path = ex::parse_file_path(v); });
    args.common(common);
    args.jobs(jobs);
    args.parse(argc, argv);
    if (!save_path.empty() && epoch_counts.size() != 1) {
        std::fprintf(stderr, "02_vanishing_gradient: error: --save: %zu epoch counts train %zu models; choose the one "
                             "to save with --epochs E (see --help)\n", epoch_counts.size(), epoch_counts.size());
        return 2;
    }
    const std::string dir = common.out + "/02_vanishing_gradient";
    ex::make_dir(dir);
    if (!save_path.empty()) ex::make_parent_dir(save_path);  // as --out
    ex::Plotter plotter(common.plot, dir, "02_vanishing_gradient");

    const std::string L = std::to_string(sequence_length);

    // Each epoch count is one configuration; up to --jobs of them train at the same time, each on
    // its own thread with its own data and model (common/jobs.h). What a run prints is kept in its
    // `log` and printed in the order of the epoch counts.
    std::vector<double> final_losses(epoch_counts.size());
    ex::run_configurations(static_cast<int64_t>(epoch_counts.size()), jobs, [&](int64_t i, ex::Log& log) {
        const int64_t num_epochs = epoch_counts[i];
        // data[0, t, 0] = sin(t · 4π/(L−1)): numpy's sin(linspace(0, 4π, L))        (1, L, 1)
        ag::Tensor data = ex::sine_data(sequence_length);

        // A fresh model for every epoch count, from the same seed.
        ag::manual_seed(common.seed);
        ex::VanishingRNNModel vanishing_rnn_model(depth);  // rnn1, rnn2, rnn3, then dense
        if (!load_path.empty()) ag::load_model(vanishing_rnn_model, load_path);  // --load: these weights instead
        ag::optim::Adam optimizer(vanishing_rnn_model.parameters(), /*lr=*/0.01);
        ag::nn::MSELoss criterion;

        // history["loss"][e] = the loss of epoch e; history["grad_norm_rnnK"][e] = ||dL/dθ|| over
        // layer K's parameters θ = sqrt(Σ g²), read after backward and before the Adam step.
        std::map<std::string, std::vector<double>> history;
        std::vector<std::string> columns = {"epoch", "loss"};
        for (int k = 1; k <= depth; ++k) columns.push_back("grad_norm_rnn" + std::to_string(k));

        log.printf("sequence_length = %s, num_epochs = %lld (gradient norms per RNN layer)\n  epoch  loss          ",
                   L.c_str(), (long long)num_epochs);
        for (int k = 1; k <= depth; ++k) log.printf("|g| rnn%-4d", k);
        log.printf("\n");
        if (!load_path.empty()) log.printf("  starting from the weights in %s\n", load_path.c_str());
        for (int64_t epoch = 1; epoch <= num_epochs; ++epoch) {
            optimizer.zero_grad();
            ag::Tensor outputs = vanishing_rnn_model.forward(data);  // (1, L, 1)
            ag::Tensor loss = criterion(outputs, data);               // ()
            loss.backward();
            log.printf("  %5lld  %-14.8g", (long long)epoch, double(loss.item()));
            for (int k = 1; k <= depth; ++k) {
                const double norm = ex::grad_norm(*vanishing_rnn_model.rnns[k - 1]);
                history["grad_norm_rnn" + std::to_string(k)].push_back(norm);
                if (k < depth) log.printf("%-11.4g ", norm);  // in columns
                else log.printf("%.4g", norm);                // the last: no trailing spaces
            }
            optimizer.step();
            history["loss"].push_back(loss.item());
            log.printf("\n");
        }
        final_losses[i] = history["loss"].back();
        if (!save_path.empty()) {  // --save: the trained weights under PyTorch's names
            ag::save_model(vanishing_rnn_model, save_path,
                           {{"example", "02_vanishing_gradient"}, {"sequence_length", L},
                            {"epochs", std::to_string(num_epochs)},
                            {"start", load_path.empty() ? "seed " + std::to_string(common.seed) : load_path}});
            log.printf("  saved the trained model to %s\n", save_path.c_str());
        }

        // loss_L<L>_E<E>.dat: epoch loss grad_norm_rnn1 grad_norm_rnn2 grad_norm_rnn3
        ex::DataFile table(dir + "/loss_L" + L + "_E" + std::to_string(num_epochs) + ".dat", columns);
        for (int64_t e = 0; e < num_epochs; ++e) {
            std::vector<double> row = {double(e + 1)};
            for (size_t c = 1; c < columns.size(); ++c) row.push_back(history[columns[c]][e]);
            table.row(row);
        }
        table.close();
    });

    // The notebook's picture (loss vs epoch), with the layers' gradient norms beneath it, for
    // every epoch count: drawn once every run is done.
    for (int64_t num_epochs : epoch_counts) {
        const std::string name = "loss_L" + L + "_E" + std::to_string(num_epochs);
        ex::Figure figure(name, "Vanishing Gradient in Deeper RNNs (sequence_length = " + L + ", " +
                                    std::to_string(num_epochs) + " epochs)");
        figure.height = 820;
        ex::Panel losses("Training loss", "Epochs", "Loss (MSE)");
        losses.series.push_back({name + ".dat", "1:2", "Training Loss", "linespoints pt 7 ps 0.7"});
        ex::Panel grads("Gradient norm of each RNN layer (before each Adam step)", "Epochs", "||dL/dparameters|| (log scale)");
        grads.log_y = true;
        for (int k = 1; k <= depth; ++k) {
            grads.series.push_back({name + ".dat", "1:" + std::to_string(k + 2), "rnn" + std::to_string(k)});
        }
        figure.panels = {losses, grads};
        plotter.draw(figure);
    }

    // A second picture: the longest run's per-layer gradient norms on a log scale, with its loss.
    // (Every run starts from the same seed, so the shorter runs are the start of this one.) The
    // norms fall together with the loss: a small error sends back a small gradient.
    const int64_t longest = *std::max_element(epoch_counts.begin(), epoch_counts.end());
    const std::string longest_file = "loss_L" + L + "_E" + std::to_string(longest) + ".dat";
    ex::Figure norms("grad_norms_L" + L, "Gradient norm of each RNN layer over the epochs");
    ex::Panel panel("Gradient norm of each RNN layer over " + std::to_string(longest) +
                        " epochs, and the loss (sequence_length = " + L + ")",
                    "Epochs", "log scale");
    panel.log_y = true;
    for (int k = 1; k <= depth; ++k) {
        panel.series.push_back({longest_file, "1:" + std::to_string(k + 2),
                                "||dL/dparameters|| of rnn" + std::to_string(k), "linespoints pt 7 ps 0.6"});
    }
    panel.series.push_back({longest_file, "1:2", "training loss (MSE)", "lines dt 2 lw 2 lc rgb 'black'"});
    panel.extra = "set key bottom left box opaque\nset format y '1e%T'";
    norms.panels.push_back(panel);
    plotter.draw(norms);

    std::printf("\nfinal loss (sequence_length = %s):\n  num_epochs  loss\n", L.c_str());
    for (size_t k = 0; k < epoch_counts.size(); ++k) {
        std::printf("  %10lld  %.8g\n", (long long)epoch_counts[k], final_losses[k]);
    }
    plotter.print_summary();
    return 0;
}

int main(int argc, char** argv) { return ex::main_guard("02_vanishing_gradient", run, argc, argv); }
