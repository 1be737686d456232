// claims_test.cpp — the two examples that test the notebook's claims: 06_gradient_flow (gradients
// through time) and 07_memory_lag (how far back an RNN remembers).
//
// 06 is checked on a one-layer, two-step RNN whose gradients are derived by hand below, and at its
// default size against PyTorch's numbers (tests/data/gradient_flow_L100_seed0.dat). 07 runs at a
// tiny size: its table, its baseline recomputed here, and that lag 0 is learned.
#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../examples/common/gradient_flow.h"
#include "../examples/common/models.h"
#include "../examples/common/sine.h"
#include "ag/ag.h"
#include "example_test_util.h"

namespace fs = std::filesystem;

namespace {

using ex_test::NumberTable;
using ex_test::read_all;
using ex_test::read_numbers;
using ex_test::run_example;
using ex_test::TempDir;

void set(ag::Tensor& t, float value) { t.mutable_values().at(0) = value; }  // a (1) or (1, 1) parameter

}  // namespace

// ---- 06: one layer, two steps, derived by hand -------------------------------------------------
//
// One RNN layer of hidden size 1 (w_ih, w_hh, b = b_ih + b_hh), then y = v·h + c, on x = (x0, x1):
//   a0 = w_ih·x0 + b + w_hh·0        h0 = tanh(a0)          (the initial state is 0)
//   a1 = w_ih·x1 + b + w_hh·h0       h1 = tanh(a1)
//   y  = v·h1 + c                    L  = (y − x1)²         (only the last step counts)
// Backwards:
//   ∂L/∂h1 = 2(y − x1)·v                       (h1 reaches L only through y)
//   ∂L/∂h0 = ∂L/∂h1 · tanh′(a1) · w_hh = ∂L/∂h1 · (1 − h1²) · w_hh
//            (h0 also feeds the output y0, but y0 is not in the loss)
// With w_ih = 0.5, w_hh = −0.8, b_ih = 0.1, b_hh = 0.2, v = 1.5, c = −0.3, x = (1, −0.5):
//   a0 = 0.8, h0 = tanh(0.8) = 0.66403677
//   a1 = −0.25 + 0.3 − 0.8·0.66403677 = −0.48122942, h1 = −0.44722767
//   y = 1.5·h1 − 0.3 = −0.97084150, L = (−0.97084150 + 0.5)² = 0.22169172
//   ∂L/∂h1 = 2·(−0.47084150)·1.5 = −1.41252451
//   ∂L/∂h0 = −1.41252451 · (1 − 0.20001259) · (−0.8) = 0.90400146
// With the identity in place of tanh (tanh′ replaced by 1): h0 = 0.8, h1 = a1 = −0.59,
//   y = −1.185, L = 0.469225, ∂L/∂h1 = 2·(−0.685)·1.5 = −2.055, ∂L/∂h0 = −2.055·(−0.8) = 1.644.
// The norm of a one-element gradient is its absolute value.

namespace {
ex::GradientFlow hand_case(ag::nn::Nonlinearity nonlinearity) {
    ex::VanishingRNNModel model(/*depth=*/1, /*hidden=*/1, nonlinearity);
    ag::nn::RNN& rnn = *model.rnns[0];
    set(rnn.weight_ih[0], 0.5f);
    set(rnn.weight_hh[0], -0.8f);
    set(rnn.bias_ih[0], 0.1f);
    set(rnn.bias_hh[0], 0.2f);
    set(model.dense->weight, 1.5f);
    set(model.dense->bias, -0.3f);
    ag::Tensor x({1.0f, -0.5f}, {1, 2, 1});  // (B=1, L=2, 1)
    return ex::last_step_gradient_norms(model, x);
}
}  // namespace

TEST(GradientFlow, OneLayerTwoStepsTanhMatchesTheHandDerivation) {
    const ex::GradientFlow flow = hand_case(ag::nn::Nonlinearity::Tanh);
    ASSERT_EQ(flow.norms.size(), 1u);
    ASSERT_EQ(flow.norms[0].size(), 2u);
    EXPECT_NEAR(flow.loss, 0.22169172, 1e-6);
    EXPECT_NEAR(flow.norms[0][1], 1.41252451, 1e-6);  // |∂L/∂h1|
    EXPECT_NEAR(flow.norms[0][0], 0.90400146, 1e-6);  // |∂L/∂h0|
    // The same from the formulas in double: one step back multiplies by |(1 − h1²)·w_hh|.
    const double h0 = std::tanh(0.8), h1 = std::tanh(-0.25 + 0.3 - 0.8 * h0), y = 1.5 * h1 - 0.3;
    EXPECT_NEAR(flow.norms[0][1], std::fabs(2 * (y + 0.5) * 1.5), 1e-6);
    EXPECT_NEAR(flow.norms[0][0] / flow.norms[0][1], (1 - h1 * h1) * 0.8, 1e-6);
}

TEST(GradientFlow, OneLayerTwoStepsIdentityIsTheBareRecurrentWeight) {
    const ex::GradientFlow flow = hand_case(ag::nn::Nonlinearity::Identity);
    EXPECT_NEAR(flow.loss, 0.469225, 1e-6);
    EXPECT_NEAR(flow.norms[0][1], 2.055, 1e-6);
    EXPECT_NEAR(flow.norms[0][0], 1.644, 1e-6);  // exactly |w_hh| = 0.8 times the step after
}

TEST(GradientFlow, LeavesNoParameterGradientBehind) {
    ag::manual_seed(0);
    ex::VanishingRNNModel model(2);
    ex::last_step_gradient_norms(model, ag::Tensor({0.1f, 0.2f, 0.3f}, {1, 3, 1}));
    for (const ag::Tensor& p : model.parameters()) {
        if (!p.has_grad()) continue;
        const ag::Tensor g = p.grad();
        for (float v : g.values()) EXPECT_EQ(v, 0.0f);
    }
}

TEST(GradientFlow, ScaleRecurrentWeightsMultipliesOnlyWhh) {
    ag::manual_seed(0);
    ex::VanishingRNNModel a(2);
    ag::manual_seed(0);
    ex::VanishingRNNModel b(2);
    ex::scale_recurrent_weights(b, 3.0);
    const auto pa = a.named_parameters(), pb = b.named_parameters();
    ASSERT_EQ(pa.size(), pb.size());
    for (size_t i = 0; i < pa.size(); ++i) {
        const bool whh = pa[i].first.find("weight_hh") != std::string::npos;
        const std::vector<float>&va = pa[i].second.values(), &vb = pb[i].second.values();
        for (size_t j = 0; j < va.size(); ++j) EXPECT_EQ(vb[j], whh ? static_cast<float>(va[j] * 3.0) : va[j]) << pa[i].first;
    }
}

TEST(GradientFlow, NonlinearityNamesRoundTripAndBadOnesThrow) {
    for (const char* name : {"tanh", "relu", "identity"}) EXPECT_STREQ(ex::nonlinearity_name(ex::parse_nonlinearity(name)), name);
    EXPECT_THROW(ex::parse_nonlinearity("sigmoid"), std::invalid_argument);
    EXPECT_THROW(ex::parse_nonlinearity(""), std::invalid_argument);
}

// ---- 06: the default run against PyTorch -------------------------------------------------------

TEST(Example06, Seed0DefaultEqualsPyTorchWhereAbove1e30) {
    TempDir tmp;
    ASSERT_EQ(run_example("06_gradient_flow", "--seed 0 --plot none --out " + tmp.path, tmp.path), 0);
    const NumberTable ours = read_numbers(tmp.path + "/06_gradient_flow/grad_norms.dat");
    const NumberTable torch = read_numbers("tests/data/gradient_flow_L100_seed0.dat");
    EXPECT_EQ(ours.header, "# t layer1 layer2 layer3");
    ASSERT_EQ(torch.rows.size(), 100u);
    ASSERT_EQ(ours.rows.size(), 100u);
    int compared = 0;
    for (size_t t = 0; t < 100; ++t) {
        ASSERT_EQ(ours.rows[t].size(), 4u);
        EXPECT_EQ(ours.rows[t][0], double(t));
        for (size_t k = 1; k <= 3; ++k) {
            const double expected = torch.rows[t][k];
            if (expected <= 1e-30) continue;
            EXPECT_NEAR(ours.rows[t][k], expected, 1e-3 * expected) << "t = " << t << ", layer " << k;
            ++compared;
        }
    }
    EXPECT_EQ(compared, 268);  // all but the earliest steps of layers 2 and 3 (below 1e-30)
    // The claim itself: from the last step to the first, every layer loses over 25 orders of magnitude.
    for (size_t k = 1; k <= 3; ++k) EXPECT_GT(std::log10(ours.rows[99][k] / ours.rows[0][k]), 25.0) << k;
    const std::string out = read_all(tmp.path + "/stdout.txt");
    EXPECT_NE(out.find("layer1: -26.2 over 99 steps"), std::string::npos) << out;
}

// The fall of ||dL/dh_t|| over the 99 steps, per layer, in orders of magnitude.
static std::vector<double> orders_lost(const NumberTable& t) {
    std::vector<double> lost;
    for (size_t k = 1; k < t.rows[0].size(); ++k) lost.push_back(std::log10(t.rows.back()[k] / t.rows[0][k]));
    return lost;
}

// Every value above 1e-30 of `ours` equals PyTorch's to 1e-3 relative; returns how many were compared.
static int compare_with_pytorch(const NumberTable& ours, const std::string& reference) {
    const NumberTable torch = read_numbers(reference);
    EXPECT_EQ(ours.header, torch.header) << reference;
    EXPECT_EQ(ours.rows.size(), torch.rows.size()) << reference;
    int compared = 0;
    for (size_t t = 0; t < std::min(ours.rows.size(), torch.rows.size()); ++t) {
        for (size_t k = 1; k < torch.rows[t].size() && k < ours.rows[t].size(); ++k) {
            const double expected = torch.rows[t][k];
            if (expected <= 1e-30) continue;
            EXPECT_NEAR(ours.rows[t][k], expected, 1e-3 * expected) << reference << ": t = " << t << ", layer " << k;
            ++compared;
        }
    }
    return compared;
}

// PyTorch 1.13, the same model with LSTM or GRU layers, seed 0 (tests/data/*_lstm_*.dat,
// *_gru_h.dat): ||dL/dh_t|| and, for the LSTM, ||dL/dc_t||, every step and layer.
TEST(Example06, LstmAndGruEqualPyTorchWhereAbove1e30) {
    TempDir tmp;
    ASSERT_EQ(run_example("06_gradient_flow", "--model lstm --seed 0 --plot none --out " + tmp.path, tmp.path), 0);
    NumberTable t = read_numbers(tmp.path + "/06_gradient_flow/grad_norms.dat");
    EXPECT_EQ(compare_with_pytorch(t, "tests/data/gradient_flow_L100_seed0_lstm_h.dat"), 300);
    std::vector<double> lost = orders_lost(t);  // the falls the README quotes: 16.5 to 20.8
    EXPECT_NEAR(lost[0], 16.5, 0.05);
    EXPECT_NEAR(lost[2], 20.8, 0.05);
    EXPECT_EQ(compare_with_pytorch(read_numbers(tmp.path + "/06_gradient_flow/cell_norms.dat"),
                                   "tests/data/gradient_flow_L100_seed0_lstm_c.dat"), 300);
    // The comparison of the three kinds (layer 1) is written beside: rnn lstm gru.
    const NumberTable compare = read_numbers(tmp.path + "/06_gradient_flow/compare_models.dat");
    EXPECT_EQ(compare.header, "# t rnn lstm gru");
    ASSERT_EQ(compare.rows.size(), 100u);
    EXPECT_EQ(compare.rows[50][2], t.rows[50][1]);  // the lstm column is this run's layer 1

    ASSERT_EQ(run_example("06_gradient_flow", "--model gru --seed 0 --plot none --out " + tmp.path, tmp.path), 0);
    t = read_numbers(tmp.path + "/06_gradient_flow/grad_norms.dat");
    EXPECT_EQ(compare_with_pytorch(t, "tests/data/gradient_flow_L100_seed0_gru_h.dat"), 300);
    lost = orders_lost(t);  // 15.4 to 16.8
    EXPECT_NEAR(lost[0], 15.4, 0.05);
    EXPECT_NEAR(lost[2], 16.8, 0.05);
}

// An open forget gate (bias_ih's f rows at 3: σ(3) ≈ 0.95) lets the gradient through: the fall of
// more than 16 orders of magnitude shrinks to a few.
TEST(Example06, ForgetBiasFlattensTheFall) {
    TempDir tmp;
    ASSERT_EQ(run_example("06_gradient_flow", "--model lstm --forget-bias 3 --plot none --out " + tmp.path, tmp.path), 0);
    const std::vector<double> lost = orders_lost(read_numbers(tmp.path + "/06_gradient_flow/grad_norms.dat"));
    for (double l : lost) EXPECT_LT(std::abs(l), 3.0);
    const std::string out = read_all(tmp.path + "/stdout.txt");
    EXPECT_NE(out.find("3 x LSTM(10, forget bias 3)"), std::string::npos) << out;
}

TEST(Example06, LargeRecurrentScaleExplodesAndLayersFlagSetsTheColumns) {
    TempDir tmp;
    ASSERT_EQ(run_example("06_gradient_flow", "--recurrent-scale 5 --length 40 --plot none --out " + tmp.path, tmp.path), 0);
    NumberTable t = read_numbers(tmp.path + "/06_gradient_flow/grad_norms.dat");
    ASSERT_EQ(t.rows.size(), 40u);
    EXPECT_GT(t.rows[0][1], 100.0 * t.rows[39][1]);  // layer 1 grows going back in time

    ASSERT_EQ(run_example("06_gradient_flow", "--layers 2 --length 7 --activation relu --plot none --out " + tmp.path, tmp.path), 0);
    t = read_numbers(tmp.path + "/06_gradient_flow/grad_norms.dat");
    EXPECT_EQ(t.header, "# t layer1 layer2");
    ASSERT_EQ(t.rows.size(), 7u);
    // The same numbers as the engine computed here, for the same seed-0 ReLU model.
    ag::manual_seed(0);
    ex::VanishingRNNModel model(2, 10, ag::nn::Nonlinearity::ReLU);
    const ex::GradientFlow flow = ex::last_step_gradient_norms(model, ex::sine_data(7));  // (1, 7, 1)
    for (size_t i = 0; i < 7; ++i) {
        for (size_t k = 0; k < 2; ++k) EXPECT_NEAR(t.rows[i][k + 1], flow.norms[k][i], 1e-6 * flow.norms[k][i] + 1e-30);
    }
}

TEST(Example06, TrainEpochsTrainsBeforeMeasuring) {
    TempDir tmp;
    ASSERT_EQ(run_example("06_gradient_flow", "--train-epochs 3 --length 12 --plot none --out " + tmp.path, tmp.path), 0);
    const NumberTable trained = read_numbers(tmp.path + "/06_gradient_flow/grad_norms.dat");
    ASSERT_EQ(run_example("06_gradient_flow", "--length 12 --plot none --out " + tmp.path, tmp.path), 0);
    const NumberTable fresh = read_numbers(tmp.path + "/06_gradient_flow/grad_norms.dat");
    ASSERT_EQ(trained.rows.size(), 12u);
    EXPECT_NE(trained.rows[11][3], fresh.rows[11][3]);
    EXPECT_NE(read_all(tmp.path + "/stdout.txt").find("loss"), std::string::npos);
}

// The loss printed on the line "training epoch   50/50  loss ..." of 06's output.
static double printed_loss_at_epoch(const std::string& out, int epoch, int epochs) {
    char label[64];
    std::snprintf(label, sizeof label, "training epoch %4d/%d  loss ", epoch, epochs);
    const size_t at = out.find(label);
    if (at == std::string::npos) {
        ADD_FAILURE() << "no '" << label << "' in\n" << out;
        return std::nan("");
    }
    return std::strtod(out.c_str() + at + std::strlen(label), nullptr);
}

TEST(Example06, ClipTamesTheExplosionThatStallsAdam) {
    // The README's case: identity activation, W_hh x 2, 50 epochs of Adam.
    const std::string flags = "--activation identity --recurrent-scale 2 --train-epochs 50 --plot none";
    TempDir tmp;
    ASSERT_EQ(run_example("06_gradient_flow", flags + " --out " + tmp.path, tmp.path), 0);
    const std::string plain = read_all(tmp.path + "/stdout.txt");
    ASSERT_EQ(run_example("06_gradient_flow", flags + " --clip 1 --out " + tmp.path, tmp.path), 0);
    const std::string clipped = read_all(tmp.path + "/stdout.txt");
    EXPECT_GT(printed_loss_at_epoch(plain, 50, 50), 1e20);     // stuck where it started (4.9e21)
    EXPECT_LT(printed_loss_at_epoch(clipped, 50, 50), 1e-3);   // learned
    EXPECT_EQ(plain.find("gradient norm"), std::string::npos);  // without --clip, nothing changes
    EXPECT_NE(clipped.find("--clip 1: 30 of 50 steps clipped; the largest gradient norm was 7.362e+23 (epoch 1)"),
              std::string::npos) << clipped;
    // training_loss.dat: this run's loss and the same training without clipping, epoch by epoch.
    const NumberTable curve = read_numbers(tmp.path + "/06_gradient_flow/training_loss.dat");
    EXPECT_EQ(curve.header, "# epoch loss loss_without_clip");
    ASSERT_EQ(curve.rows.size(), 50u);
    EXPECT_EQ(curve.rows[0][1], curve.rows[0][2]);  // the same model: the first loss is before any step
    EXPECT_LT(curve.rows[49][1], 1e-3);
    EXPECT_GT(curve.rows[49][2], 1e20);
    EXPECT_NEAR(curve.rows[49][2], printed_loss_at_epoch(plain, 50, 50), 1e-5 * curve.rows[49][2]);

    // Why the plain run is stuck (README): at the first step 415 of the 581 gradient values exceed
    // 5.83e20, where Adam's (1 − β2)·g² overflows float32; their v is inf, so their step is 0.
    const double limit = std::sqrt(double(FLT_MAX) / double(float(1.0 - 0.999)));  // √(FLT_MAX / (1 − β2))
    EXPECT_NEAR(limit, 5.833e20, 1e17);
    ag::manual_seed(0);
    ex::VanishingRNNModel model(3, 10, ag::nn::Nonlinearity::Identity);
    ex::scale_recurrent_weights(model, 2.0);
    ag::Tensor data = ex::sine_data(100);
    ag::nn::mse_loss(model.forward(data), data).backward();
    std::vector<std::vector<float>> before;
    int64_t values = 0, huge = 0;
    for (const ag::Tensor& p : model.parameters()) {
        before.push_back(p.values());
        const ag::Tensor grad = p.grad();
        for (float g : grad.values()) huge += std::fabs(g) > limit ? 1 : 0;
        values += p.numel();
    }
    EXPECT_EQ(values, 581);
    EXPECT_EQ(huge, 415);
    ag::optim::Adam adam(model.parameters(), 0.01);
    adam.step();
    int64_t frozen = 0;
    const std::vector<ag::Tensor> params = model.parameters();
    for (size_t i = 0; i < params.size(); ++i)
        for (size_t j = 0; j < before[i].size(); ++j) frozen += params[i].values()[j] == before[i][j] ? 1 : 0;
    EXPECT_EQ(frozen, 415);
}

// ---- 07: a tiny run ----------------------------------------------------------------------------

// error_vs_lag.dat's rows as words: its first column is the model's name.
static std::vector<std::vector<std::string>> read_cells(const std::string& path, std::string* header) {
    std::ifstream in(path);
    EXPECT_TRUE(in.good()) << "missing " << path;
    std::vector<std::vector<std::string>> rows;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("#", 0) == 0) {
            *header = line;
            continue;
        }
        std::istringstream cells(line);
        rows.emplace_back();
        for (std::string c; cells >> c;) rows.back().push_back(c);
    }
    return rows;
}

TEST(Example07, TinyRunWritesTheTableAndLearnsLagZero) {
    TempDir tmp;
    ASSERT_EQ(run_example("07_memory_lag", "--models rnn --lags 0,2 --hidden 3,5 --steps 150 --length 8 --batch 8 --seed 0 --plot none --out " + tmp.path,
                          tmp.path), 0);
    std::string header;
    const auto rows = read_cells(tmp.path + "/07_memory_lag/error_vs_lag.dat", &header);
    EXPECT_EQ(header, "# model hidden lag mse baseline seed");
    ASSERT_EQ(rows.size(), 4u);
    const std::vector<std::pair<int, int>> order = {{3, 0}, {3, 2}, {5, 0}, {5, 2}};  // (hidden, lag)
    // The baseline is the mean of x[t − k]² over t ≥ k on the held-out set: the first draw of
    // randn({256, 8, 1}) from a Generator seeded with the run's seed.
    ag::Generator gen(0);
    const ag::Tensor held_out = ag::randn({256, 8, 1}, gen);
    std::vector<double> mse(4), baseline(4);
    for (size_t r = 0; r < 4; ++r) {
        ASSERT_EQ(rows[r].size(), 6u);
        EXPECT_EQ(rows[r][0], "rnn");
        EXPECT_EQ(std::stoi(rows[r][1]), order[r].first);
        EXPECT_EQ(std::stoi(rows[r][2]), order[r].second);
        EXPECT_EQ(rows[r][5], "0");
        mse[r] = std::stod(rows[r][3]);
        baseline[r] = std::stod(rows[r][4]);
        EXPECT_GE(mse[r], 0.0);
        const int lag = order[r].second;
        double sum = 0.0;
        for (int b = 0; b < 256; ++b) {
            for (int s = 0; s < 8 - lag; ++s) sum += std::pow(double(held_out.values()[b * 8 + s]), 2);
        }
        EXPECT_NEAR(baseline[r], sum / (256.0 * (8 - lag)), 1e-5);
    }
    EXPECT_LT(mse[0], 0.25 * baseline[0]);  // lag 0, hidden 3: clearly better than guessing 0
    EXPECT_LT(mse[2], 0.25 * baseline[2]);  // lag 0, hidden 5
    EXPECT_TRUE(fs::exists(tmp.path + "/07_memory_lag/error_vs_lag_delay.gp"));
}

TEST(Example07, TaskFirstRecallsTheFirstValueOnceForEverySeed) {
    TempDir tmp;
    ASSERT_EQ(run_example("07_memory_lag", "--task first --models rnn --lags 0,3 --hidden 4 --steps 300 --batch 8 --seeds 5,2 --plot none --out " +
                              tmp.path, tmp.path), 0);
    std::string header;
    const auto rows = read_cells(tmp.path + "/07_memory_lag/error_vs_lag.dat", &header);
    ASSERT_EQ(rows.size(), 4u);  // (lag 0, seeds 5 and 2), (lag 3, seeds 5 and 2)
    const std::vector<std::pair<int, int>> order = {{0, 5}, {0, 2}, {3, 5}, {3, 2}};  // (lag, seed)
    for (size_t r = 0; r < 4; ++r) {
        const int lag = order[r].first, seed = order[r].second;
        EXPECT_EQ(std::stoi(rows[r][2]), lag);
        EXPECT_EQ(std::stoi(rows[r][5]), seed);
        // The baseline is the mean of x[0]² over the held-out set: sequences of k + 1 steps.
        ag::Generator gen(static_cast<uint64_t>(seed));
        const ag::Tensor held_out = ag::randn({256, lag + 1, 1}, gen);
        double sum = 0.0;
        for (int b = 0; b < 256; ++b) sum += std::pow(double(held_out.values()[b * (lag + 1)]), 2);
        EXPECT_NEAR(std::stod(rows[r][4]), sum / 256.0, 1e-5);
    }
    // Lag 0 needs no memory: both seeds solve it. summary.dat counts the solved runs.
    EXPECT_LT(std::stod(rows[0][3]), 0.05);
    EXPECT_LT(std::stod(rows[1][3]), 0.05);
    const auto summary = read_cells(tmp.path + "/07_memory_lag/summary.dat", &header);
    EXPECT_EQ(header, "# model hidden lag runs solved best median baseline");
    ASSERT_EQ(summary.size(), 2u);
    EXPECT_EQ(summary[0][3], "2");
    EXPECT_EQ(summary[0][4], "2");
    const double a = std::stod(rows[2][3]), b = std::stod(rows[3][3]);
    EXPECT_NEAR(std::stod(summary[1][5]), std::min(a, b), 1e-6 * std::max(a, b) + 1e-9);  // best
    EXPECT_NEAR(std::stod(summary[1][6]), 0.5 * (a + b), 1e-6 * std::max(a, b) + 1e-9);   // median of two
    EXPECT_EQ(std::stoi(summary[1][4]), (a < 0.05) + (b < 0.05));
    EXPECT_TRUE(fs::exists(tmp.path + "/07_memory_lag/error_vs_lag_first.gp"));
}

// ---- 08: attention beside the recurrent models ------------------------------------------------

TEST(Example08, AttentionLearnsTheDelayAndItsWeightsAreCausalProbabilities) {
    TempDir tmp;
    ASSERT_EQ(run_example("08_attention_memory", "--models rnn,attention --lags 3 --length 12 --steps 150 --batch 16 --plot none --out " +
                              tmp.path, tmp.path), 0);
    std::string header;
    const auto rows = read_cells(tmp.path + "/08_attention_memory/error_vs_lag.dat", &header);
    EXPECT_EQ(header, "# model hidden lag mse baseline seed");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0][0], "rnn");
    EXPECT_EQ(rows[1][0], "attention");
    EXPECT_EQ(rows[1][1], "16");  // the default width
    EXPECT_EQ(rows[0][4], rows[1][4]);  // the same held-out data for both models
    EXPECT_LT(std::stod(rows[1][3]), 0.5 * std::stod(rows[1][4]));  // attention recalls 3 steps back
    // attention_lag3.dat: query key weight for the first held-out sequence, 12 × 12 cells. Every
    // query's weights sum to 1, and a query never looks at a later key (the causal mask).
    const NumberTable w = read_numbers(tmp.path + "/08_attention_memory/attention_lag3.dat");
    EXPECT_EQ(w.header, "# query key weight");
    ASSERT_EQ(w.rows.size(), 144u);
    std::vector<double> total(12, 0.0);
    for (const auto& r : w.rows) {
        const int q = int(r[0]), k = int(r[1]);
        if (k > q) {
            EXPECT_EQ(r[2], 0.0) << q << " " << k;
        }
        EXPECT_GE(r[2], 0.0);
        total[q] += r[2];
    }
    for (int q = 0; q < 12; ++q) EXPECT_NEAR(total[q], 1.0, 1e-5) << q;
    // Where the trained head looks: on average over the queries that can see k = 3 steps back,
    // the key 3 steps back gets more weight than any other offset.
    std::vector<double> by_offset(12, 0.0);
    for (const auto& r : w.rows)
        if (r[0] >= 3 && r[1] <= r[0]) by_offset[int(r[0] - r[1])] += r[2];
    EXPECT_EQ(std::max_element(by_offset.begin(), by_offset.end()) - by_offset.begin(), 3);
}

// ---- flags -------------------------------------------------------------------------------------

TEST(ClaimsFlags, MistakesExitWithStatus2AndWriteNothing) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"06_gradient_flow", "--length 0"},          {"06_gradient_flow", "--activation sigmoid"},
        {"06_gradient_flow", "--recurrent-scale x"}, {"06_gradient_flow", "--recurrent-scale inf"},
        {"06_gradient_flow", "--recurrent-scale 2x"}, {"06_gradient_flow", "--layers 0"},
        {"06_gradient_flow", "--layers 1000"},       {"06_gradient_flow", "--train-epochs -1"},
        {"06_gradient_flow", "--bogus"},             {"06_gradient_flow", "--clip 0"},
        {"06_gradient_flow", "--clip -1 --train-epochs 2"}, {"06_gradient_flow", "--clip x --train-epochs 2"},
        {"06_gradient_flow", "--clip inf --train-epochs 2"}, {"06_gradient_flow", "--clip 1"},
        {"07_memory_lag", "--lags 8 --length 8"},
        {"07_memory_lag", "--lags -1"},              {"07_memory_lag", "--lags 1,,2"},
        {"07_memory_lag", "--hidden 0"},             {"07_memory_lag", "--hidden 100000"},
        {"07_memory_lag", "--steps x"},              {"07_memory_lag", "--batch 0"},
        {"07_memory_lag", "--length 2.5"},           {"07_memory_lag", "--seed -3"},
        {"07_memory_lag", "--jobs 0"},               {"07_memory_lag", "--jobs x"},
        {"07_memory_lag", "--jobs 1.5"},             {"07_memory_lag", "--jobs"},
        {"06_gradient_flow", "--model cnn"},         {"06_gradient_flow", "--model gru --forget-bias 1"},
        {"06_gradient_flow", "--model lstm --activation relu"},
        {"08_attention_memory", "--models transformer"}, {"08_attention_memory", "--lags 200"},
        {"08_attention_memory", "--task first --hidden 0"},
        {"07_memory_lag", "--task last"},            {"07_memory_lag", "--models rnn,cnn"},
        {"07_memory_lag", "--models rnn,rnn"},       {"07_memory_lag", "--seeds 1,,2"},
        {"07_memory_lag", "--seeds 3,3"},            {"07_memory_lag", "--task first --lags 100001"},
        {"06_gradient_flow", "--jobs 2"}};
    TempDir tmp;
    for (const auto& [name, flags] : cases) {
        const std::string out = tmp.path + "/out";
        EXPECT_EQ(run_example(name, flags + " --out " + out, tmp.path), 2) << name << " " << flags;
        EXPECT_FALSE(fs::exists(out)) << name << " " << flags;
        const std::string err = read_all(tmp.path + "/stderr.txt");
        EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
        EXPECT_EQ(err.rfind(name + ": error: ", 0), 0u) << err;
        EXPECT_TRUE(read_all(tmp.path + "/stdout.txt").empty()) << name << " " << flags;
    }
    for (const char* name : {"06_gradient_flow", "07_memory_lag", "08_attention_memory"}) {
        EXPECT_EQ(run_example(name, "--help", tmp.path), 0) << name;
        EXPECT_EQ(read_all(tmp.path + "/stdout.txt").rfind(std::string("usage: ") + name, 0), 0u);
    }
}

// ---- pictures ----------------------------------------------------------------------------------

TEST(ClaimsPlots, RealGnuplotDrawsEveryPicture) {
    if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) GTEST_SKIP() << "gnuplot is not installed";
    TempDir tmp;
    const std::string common = " --plot png --out " + tmp.path;
    ASSERT_EQ(run_example("06_gradient_flow", "--length 30" + common, tmp.path), 0);
    ASSERT_EQ(run_example("07_memory_lag", "--lags 0,1 --hidden 2 --steps 5 --length 6" + common, tmp.path), 0);
    ASSERT_EQ(run_example("02_vanishing_gradient", "--length 6 --epochs 2,3" + common, tmp.path), 0);
    ASSERT_EQ(run_example("08_attention_memory", "--models attention --lags 1,2 --length 6 --steps 3" + common, tmp.path), 0);
    for (const char* png : {"06_gradient_flow/grad_norms.png", "06_gradient_flow/grad_heatmap.png",
                            "06_gradient_flow/compare_models.png", "08_attention_memory/attention_weights.png",
                            "08_attention_memory/error_vs_lag_delay.png",
                            "07_memory_lag/error_vs_lag_delay.png", "02_vanishing_gradient/grad_norms_L6.png"}) {
        const std::string bytes = read_all(tmp.path + "/" + png);
        EXPECT_GT(bytes.size(), 1000u) << png;
        EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << png;
    }
    EXPECT_TRUE(read_all(tmp.path + "/stderr.txt").empty()) << read_all(tmp.path + "/stderr.txt");
}
