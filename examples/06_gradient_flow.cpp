// 06_gradient_flow.cpp — what the notebook only claims: gradients vanish through time.
//
// The notebook's three-layer RNN, fresh from the seed, reads the sine; the loss is the squared
// error of the LAST step's output only. Backpropagation through time then carries that one error
// back step by step, and ‖∂L/∂h_t‖ for every step and layer shows how little reaches the start.
// With a large --recurrent-scale the gradient explodes instead; --clip MAX_NORM trains with every
// gradient clipped (nn::utils::clip_grad_norm_) and prints the norms it met. --model lstm|gru
// stacks gated layers instead, and a picture compares the three kinds on the first layer.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "ag/ag.h"
#include "common/cli.h"
#include "common/data.h"
#include "common/gradient_flow.h"
#include "common/models.h"
#include "common/plot.h"
#include "common/sine.h"

static int run(int argc, char** argv) {
    ex::CommonOptions common;
    int64_t sequence_length = 100, train_epochs = 0, layers = 3;
    double recurrent_scale = 1.0;
    double clip = 0.0;  // --clip: the largest total gradient norm a training step may use; 0 = off
    std::string kind = "rnn";                  // --model
    double forget_bias = std::nan("");         // --forget-bias (LSTM only); NaN: as drawn
    bool activation_given = false;
    std::string load_path, save_path;          // --load, --save: "" when not given
    ag::nn::Nonlinearity activation = ag::nn::Nonlinearity::Tanh;
    ex::Args args("06_gradient_flow",
                  "Gradients through time: ||dL/dh_t|| of every step and layer, for a loss at the last step");
    args.option("--length", "L", "sequence length", std::to_string(sequence_length),
                [&](const std::string& v) { sequence_length = ex::parse_positive(v); });
    args.option("--train-epochs", "N", "train first (Adam lr 0.01, full-sequence MSE), then measure", "0",
                [&](const std::string& v) { train_epochs = ex::parse_count(v); });
    args.option("--recurrent-scale", "S", "multiply every W_hh by S after init (>1: explode)", "1",
                [&](const std::string& v) { recurrent_scale = ex::parse_number(v); });
    args.option("--clip", "MAX_NORM", "in training, clip all gradients to this total norm before each step",
                "off", [&](const std::string& v) {
                    clip = ex::parse_number(v);
                    if (!(clip > 0.0)) throw std::invalid_argument("'" + v + "' is not a norm above 0");
                });
    args.option("--activation", "A", "tanh | relu | identity", "tanh",
                [&](const std::string& v) { activation = ex::parse_nonlinearity(v), activation_given = true; });
    args.option("--model", "M", "rnn | lstm | gru: the kind of the stacked layers", kind, [&](const std::string& v) {
        if (v != "rnn" && v != "lstm" && v != "gru") throw std::invalid_argument("'" + v + "' is not one of rnn, lstm, gru");
        kind = v;
    });
    args.option("--forget-bias", "B", "LSTM: set the forget-gate rows of every bias_ih to B (1 or 3: starts open)",
                "as drawn", [&](const std::string& v) { forget_bias = ex::parse_number(v); });
    args.option("--layers", "K", "stacked layers of width 10", std::to_string(layers), [&](const std::string& v) {
        layers = ex::parse_positive(v);
        if (layers > 64) throw std::invalid_argument("'" + v + "' layers is more than 64");
    });
    args.option("--load", "PATH", "start from the weights of this .safetensors file (of the same --model and --layers)",
                "none", [&](const std::string& v) { load_path = ex::parse_file_path(v); });
    args.option("--save", "PATH", "write the model (trained, if --train-epochs) to this .safetensors file", "none",
                [&](const std::string& v) { save_path = ex::parse_file_path(v); });
    args.common(common);
    args.parse(argc, argv);
    if (clip > 0.0 && train_epochs == 0) {
        std::fprintf(stderr, "06_gradient_flow: error: --clip: clipping acts on training steps: "
                             "add --train-epochs N (see --help)\n");
        return 2;
    }
    if (activation_given && kind != "rnn") {
        std::fprintf(stderr, "06_gradient_flow: error: --activation: only the rnn has a choice of activation, "
                             "not --model %s (see --help)\n", kind.c_str());
        return 2;
    }
    if (!std::isnan(forget_bias) && kind != "lstm") {
        std::fprintf(stderr, "06_gradient_flow: error: --forget-bias: only the lstm has a forget gate, "
                             "not --model %s (see --help)\n", kind.c_str());
        return 2;
    }
    if (!load_path.empty() && (recurrent_scale != 1.0 || !std::isnan(forget_bias))) {
        std::fprintf(stderr, "06_gradient_flow: error: --load: --recurrent-scale and --forget-bias change the seeded "
                             "weights; a loaded model is used as it is (see --help)\n");
        return 2;
    }
    if (!load_path.empty()) {  // a file that does not fit the model is refused now, before any work
        try {
            ex::VanishingRNNModel probe(static_cast<int>(layers), 10, activation, 1, kind);
            ag::load_model(probe, load_path);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "06_gradient_flow: error: --load: %s (see --help)\n", e.what());
            return 2;
        }
    }
    const std::string dir = common.out + "/06_gradient_flow";
    ex::make_dir(dir);
    ex::Plotter plotter(common.plot, dir, "06_gradient_flow");

    // data[0, t, 0] = sin(t · 4π/(L−1)), as in 02                                     (1, L, 1)
    ag::Tensor data = ex::sine_data(sequence_length);
    // The model as the settings ask: seeded, then W_hh scaled and the forget gate opened; or, with
    // --load, the file's weights instead.
    auto build = [&](const std::string& k) {
        ag::manual_seed(common.seed);  // rnn1..rnnK (or lstm1.., gru1..), then dense
        auto m = std::make_unique<ex::VanishingRNNModel>(static_cast<int>(layers), 10, activation, 1, k);
        if (recurrent_scale != 1.0) ex::scale_recurrent_weights(*m, recurrent_scale);
        if (!std::isnan(forget_bias))
            for (auto& lstm : m->lstms) ex::set_forget_bias(*lstm, forget_bias);
        if (!load_path.empty()) ag::load_model(*m, load_path);
        return m;
    };
    // "3 x RNN(10, tanh)", "3 x LSTM(10, forget bias 3)", "3 x GRU(10)"
    auto describe = [&](const std::string& k) {
        if (k == "rnn") return std::to_string(layers) + " x RNN(10, " + ex::nonlinearity_name(activation) + ")";
        if (k == "gru") return std::to_string(layers) + " x GRU(10)";
        return std::to_string(layers) + " x LSTM(10" +
               (std::isnan(forget_bias) ? std::string() : ", forget bias " + ex::num(forget_bias, 4)) + ")";
    };
    std::unique_ptr<ex::VanishingRNNModel> model_ptr = build(kind);
    ex::VanishingRNNModel& model = *model_ptr;
    if (!load_path.empty()) std::printf("starting from the weights in %s\n", load_path.c_str());
    std::printf("%s, W_hh x %g, sequence_length = %lld, seed %llu\n", describe(kind).c_str(), recurrent_scale,
                (long long)sequence_length, (unsigned long long)common.seed);

    // Optional: train the notebook's way first (Adam lr 0.01, MSE over the whole sequence).
    if (train_epochs > 0) {
        std::vector<double> losses;  // [epoch − 1], this run's
        ag::optim::Adam optimizer(model.parameters(), /*lr=*/0.01);
        int64_t clipped = 0, not_finite = 0, largest_epoch = 0;  // --clip: steps shortened, ...
        double largest = 0.0;                                     // ... and the largest finite norm
        for (int64_t epoch = 1; epoch <= train_epochs; ++epoch) {
            optimizer.zero_grad();
            ag::Tensor loss = ag::nn::mse_loss(model.forward(data), data);  // ()
            loss.backward();
            double norm = 0.0;  // ‖all gradients‖ before clipping
            if (clip > 0.0) {
                norm = ag::nn::utils::clip_grad_norm_(model.parameters(), clip);
                if (!std::isfinite(norm)) {
                    ++not_finite;  // the forward pass overflowed: no rescaling can repair that
                } else {
                    clipped += norm > clip ? 1 : 0;
                    if (norm > largest) largest = norm, largest_epoch = epoch;
                }
            }
            optimizer.step();
            losses.push_back(loss.item());
            if (epoch == 1 || epoch == train_epochs || epoch % 10 == 0) {
                std::printf("  training epoch %4lld/%lld  loss %.6g", (long long)epoch, (long long)train_epochs,
                            double(loss.item()));
                if (clip > 0.0)
                    std::printf("  gradient norm %.4g%s", norm,
                                !std::isfinite(norm) ? " (not finite)" : norm > clip ? " (clipped)" : "");
                std::printf("\n");
                std::fflush(stdout);
            }
        }
        if (clip > 0.0) {
            std::printf("--clip %g: %lld of %lld steps clipped", clip, (long long)clipped, (long long)train_epochs);
            if (largest_epoch > 0)
                std::printf("; the largest gradient norm was %.4g (epoch %lld)", largest, (long long)largest_epoch);
            if (not_finite > 0)
                std::printf("; %lld steps had a gradient norm of inf or nan", (long long)not_finite);
            std::printf("\n");
        }
        // With --clip, the same model trained again without it, for the picture: does clipping rescue it?
        std::vector<double> unclipped;
        if (clip > 0.0) {
            std::unique_ptr<ex::VanishingRNNModel> twin = build(kind);
            ag::optim::Adam twin_optimizer(twin->parameters(), /*lr=*/0.01);
            for (int64_t epoch = 1; epoch <= train_epochs; ++epoch) {
                twin_optimizer.zero_grad();
                ag::Tensor loss = ag::nn::mse_loss(twin->forward(data), data);  // ()
                loss.backward();
                twin_optimizer.step();
                unclipped.push_back(loss.item());
            }
            std::printf("without --clip the same training ends at loss %.6g (with it: %.6g)\n", unclipped.back(),
                        losses.back());
        }
        ex::DataFile curve(dir + "/training_loss.dat",
                           clip > 0.0 ? std::vector<std::string>{"epoch", "loss", "loss_without_clip"}
                                      : std::vector<std::string>{"epoch", "loss"});
        for (int64_t e = 0; e < train_epochs; ++e) {
            std::vector<double> row = {double(e + 1), losses[e]};
            if (clip > 0.0) row.push_back(unclipped[e]);
            curve.row(row);
        }
        curve.close();
        ex::Figure figure("training_loss", "Training loss");
        ex::Panel p("Training loss, " + describe(kind) + (recurrent_scale != 1.0 ? ", W_hh x " + ex::num(recurrent_scale, 4) : ""),
                    "epoch", "MSE loss (log scale)");
        p.log_y = true;
        p.series.push_back({"training_loss.dat", "1:($2 > 0 ? $2 : 1/0)", clip > 0.0 ? "clipped to norm " + ex::num(clip, 4) : "loss",
                            "linespoints pt 7 ps 0.5 lw 2"});
        if (clip > 0.0) p.series.push_back({"training_loss.dat", "1:($3 > 0 ? $3 : 1/0)", "without clipping", "linespoints pt 7 ps 0.5 lw 2"});
        p.extra = "set key center right box opaque\nset format y '1e%T'";
        figure.panels.push_back(p);
        plotter.draw(figure);
    }

    if (!save_path.empty()) {  // --save: the weights under PyTorch's names (rnn1.weight_ih_l0, ..., dense.bias)
        ex::make_parent_dir(save_path);
        ag::save_model(model, save_path, {{"example", "06_gradient_flow"}, {"model", describe(kind)},
                                          {"train_epochs", std::to_string(train_epochs)}});
        std::printf("saved the model to %s\n", save_path.c_str());
    }

    // One backward pass from L = (output_{L−1} − x_{L−1})², every h_t keeping its gradient.
    const ex::GradientFlow flow = ex::last_step_gradient_norms(model, data);
    const int64_t L = sequence_length;

    // grad_norms.dat: t layer1 layer2 ... — ||dL/dh_t|| of each layer at step t
    std::vector<std::string> columns = {"t"};
    for (int64_t k = 1; k <= layers; ++k) columns.push_back("layer" + std::to_string(k));
    ex::DataFile table(dir + "/grad_norms.dat", columns);
    for (int64_t t = 0; t < L; ++t) {
        std::vector<double> row = {double(t)};
        for (const auto& norms : flow.norms) row.push_back(norms[t]);
        table.row(row);
    }
    table.close();
    if (kind == "lstm") {  // cell_norms.dat: the same columns, ||dL/dc_t||
        ex::DataFile cells(dir + "/cell_norms.dat", columns);
        for (int64_t t = 0; t < L; ++t) {
            std::vector<double> row = {double(t)};
            for (const auto& norms : flow.cell_norms) row.push_back(norms[t]);
            cells.row(row);
        }
        cells.close();
    }

    // ---- summary: the norm at a few distances from the loss, and the orders of magnitude lost ----
    std::printf("loss (output_%lld - x_%lld)^2 = %.8g\n\n||dL/dh_t|| by steps back from the loss (t = %lld - back):\n  %10s",
                (long long)(L - 1), (long long)(L - 1), flow.loss, (long long)(L - 1), "steps back");
    for (int64_t k = 1; k <= layers; ++k) std::printf("  %12s", ("layer" + std::to_string(k)).c_str());
    std::printf("\n");
    for (int64_t back : {0, 1, 10, 25, 50, 99, 199, 499, 999}) {
        if (back >= L) continue;
        std::printf("  %10lld", (long long)back);
        for (const auto& norms : flow.norms) std::printf("  %12.4e", norms[L - 1 - back]);
        std::printf("\n");
    }
    std::printf("from the last step back to the first, the norm changes by (orders of magnitude, log10 of the ratio):\n");
    double lowest = 0.0, highest = 0.0;  // log10 range of the non-zero norms, for the heat map
    bool first = true;
    for (int64_t k = 0; k < layers; ++k) {
        const std::vector<double>& norms = flow.norms[k];
        int64_t zeros = 0;  // steps at the start whose gradient is exactly 0 (float32 underflow)
        while (zeros < L && norms[zeros] == 0.0) ++zeros;
        for (double n : norms) {
            if (n <= 0.0 || !std::isfinite(n)) continue;
            lowest = first ? std::log10(n) : std::min(lowest, std::log10(n));
            highest = first ? std::log10(n) : std::max(highest, std::log10(n));
            first = false;
        }
        std::printf("  layer%lld: ", (long long)k + 1);
        if (zeros == L || norms[L - 1] == 0.0) {
            std::printf("no gradient at the last step\n");
        } else if (!std::isfinite(norms[zeros]) || !std::isfinite(norms[L - 1])) {
            int64_t bad = 0;  // steps whose gradient overflowed float32 (inf, or nan from inf − inf)
            for (double n : norms) bad += std::isfinite(n) ? 0 : 1;
            std::printf("exploded: not finite (float32 overflow) at %lld of %lld steps\n", (long long)bad, (long long)L);
        } else {
            std::printf("%+.1f over %lld steps (%.3g -> %.3g)", std::log10(norms[zeros] / norms[L - 1]),
                        (long long)(L - 1 - zeros), norms[L - 1], norms[zeros]);
            if (zeros > 0) std::printf(", and exactly 0 for t < %lld (underflowed, or out of reach)", (long long)zeros);
            std::printf("\n");
        }
    }

    // ---- pictures ----------------------------------------------------------------------------
    const std::string back = "(" + std::to_string(L - 1) + "-$1)";  // steps back from the loss
    ex::Figure curves("grad_norms", "Gradient flow through time");
    // The settings, for the titles: "3 x RNN(10, tanh), W_hh x 5, trained 50 epochs"
    std::string setting = describe(kind);
    if (recurrent_scale != 1.0) setting += ", W_hh x " + ex::num(recurrent_scale, 4);
    if (train_epochs > 0) setting += ", trained " + std::to_string(train_epochs) + " epochs";
    if (clip > 0.0) setting += ", clip " + ex::num(clip, 4);
    ex::Panel panel("||dL/dh_t|| for a loss at the last step (t = " + std::to_string(L - 1) + "), " + setting,
                    "steps back from the loss (" + std::to_string(L - 1) + " - t)", "||dL/dh_t|| (log scale)");
    panel.log_y = true;
    for (int64_t k = 1; k <= layers; ++k) {
        const std::string c = "$" + std::to_string(k + 1);
        panel.series.push_back({"grad_norms.dat", back + ":(" + c + " > 0 ? " + c + " : 1/0)",
                                "layer " + std::to_string(k) + (k == 1 ? " (reads the input)" : k == layers ? " (feeds the output)" : ""),
                                "linespoints pt 7 ps 0.5"});
    }
    // The key goes in the empty corner: top right when the norms fall going back, else top left.
    const bool falls = !(flow.norms[0][0] >= flow.norms[0][L - 1]);
    panel.extra = std::string(falls ? "set key top right" : "set key top left") + " box opaque\nset format y '1e%T'\nset xrange [0:" + std::to_string(std::max<int64_t>(L - 1, 1)) + "]";
    curves.panels.push_back(panel);
    plotter.draw(curves);

    // Heat map: x = time step, y = layer, colour = log10 of the norm (white: exactly 0).
    ex::Figure heat("grad_heatmap", "Gradient flow: layer x time, " + setting);
    heat.ascii_friendly = false;
    heat.height = 200 + 60 * static_cast<int>(std::min<int64_t>(layers, 10));
    ex::Panel cells("log10 ||dL/dh_t||, " + setting + " (loss at t = " + std::to_string(L - 1) + "; white: 0 or not finite)",
                    "time step t", "layer");
    ex::Series s;
    s.loop = "for [k=1:" + std::to_string(layers) + "]";
    s.file = "grad_norms.dat";
    s.columns = "($1):(k):(0.51):(0.51):(column(k+1) > 0 ? log10(column(k+1)) : 1/0)";
    s.style = "boxxyerror fs solid 1.0 noborder fc palette";
    cells.series.push_back(s);
    const double cb_low = std::floor(lowest), cb_high = std::max(std::ceil(highest), cb_low + 1.0);
    cells.extra = "set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21908d', 0.75 '#5dc963', 1 '#fde725')\n"
                  "set cbrange [" + ex::num(cb_low, 4) + ":" + ex::num(cb_high, 4) + "]\nset cblabel 'log10 ||dL/dh_t||'\n"
                  "set xrange [-0.5:" + std::to_string(L) + "-0.5]\nset yrange [0.5:" + std::to_string(layers) + ".5]\n"
                  "set ytics 1\nunset grid\nunset key";
    heat.panels.push_back(cells);
    plotter.draw(heat);

    // ---- the three kinds side by side: layer 1 of an RNN, an LSTM and a GRU, same settings --------
    if (train_epochs == 0 && load_path.empty()) {
        const std::vector<std::string> kinds = {"rnn", "lstm", "gru"};
        std::vector<ex::GradientFlow> flows;
        for (const std::string& k : kinds)  // `kind`'s is `flow`: the same untrained, seeded model
            flows.push_back(k == kind ? flow : ex::last_step_gradient_norms(*build(k), data));
        ex::DataFile compare(dir + "/compare_models.dat", {"t", "rnn", "lstm", "gru"});
        for (int64_t t = 0; t < L; ++t) compare.row({double(t), flows[0].norms[0][t], flows[1].norms[0][t], flows[2].norms[0][t]});
        compare.close();
        std::printf("\nthe same settings with each kind of layer: orders of magnitude lost from the last step to the first\n");
        for (size_t m = 0; m < kinds.size(); ++m) {
            std::printf("  %-34s", describe(kinds[m]).c_str());
            for (const auto& norms : flows[m].norms) {
                const bool ok = norms[0] > 0.0 && norms[L - 1] > 0.0 && std::isfinite(norms[0]) && std::isfinite(norms[L - 1]);
                if (ok) std::printf("  %6.1f", std::log10(norms[L - 1] / norms[0]));
                else std::printf("  %6s", "-");
            }
            std::printf("   (layer 1 .. %lld)\n", (long long)layers);
        }
        ex::Figure figure("compare_models", "Gradient flow: RNN, LSTM and GRU");
        ex::Panel p("||dL/dh_t|| of layer 1, loss at t = " + std::to_string(L - 1) + " (" + std::to_string(layers) +
                        " layers of width 10, seed " + std::to_string(common.seed) + ", untrained)",
                    "steps back from the loss (" + std::to_string(L - 1) + " - t)", "||dL/dh_t|| of layer 1 (log scale)");
        p.log_y = true;
        for (size_t m = 0; m < kinds.size(); ++m) {
            const std::string c = "$" + std::to_string(m + 2);
            p.series.push_back({"compare_models.dat", back + ":(" + c + " > 0 ? " + c + " : 1/0)", describe(kinds[m]),
                                "linespoints pt 7 ps 0.5 lw 2"});
        }
        p.extra = "set key bottom left box opaque\nset format y '1e%T'\nset xrange [0:" + std::to_string(std::max<int64_t>(L - 1, 1)) + "]";
        figure.panels.push_back(p);
        plotter.draw(figure);
    }

    plotter.print_summary();
    return 0;
}

int main(int argc, char** argv) { return ex::main_guard("06_gradient_flow", run, argc, argv); }
