// examples_test.cpp — runs each notebook example at a tiny size and checks the files it writes.
//
// Every .dat file is read back: its header, its row count, and its values, against PyTorch's
// numbers for seed 0 (copied below from the notebook run under torch.manual_seed(0)), against
// std::sin/std::cos, or against the engine computed directly here. Bad flags must give exit
// status 2 and write nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../examples/common/models.h"
#include "../examples/common/sine.h"
#include "ag/ag.h"
#include "example_test_util.h"

namespace fs = std::filesystem;

namespace {

// ---- PyTorch 1.13, float32, torch.manual_seed(0) before each model ----------------------------
const std::vector<double> kTorchLossL20 = {  // 01_rnn_context, length 20, 10 epochs
    0.60903257, 0.5460183, 0.49174947, 0.44299373, 0.39894468,
    0.36158663, 0.33405003, 0.31665611, 0.3027961, 0.28408298};
const std::vector<double> kTorchPredictionsL20 = {  // 01_rnn_context, length 20, after training
    0.11010179, 0.16460961, 0.21061948, 0.18306059, 0.075412408, -0.11700381, -0.30189931,
    -0.39922059, -0.399324, -0.31735635, -0.16991858, 0.0032617599, 0.12389769, 0.11515073,
    -0.026773453, -0.2233998, -0.36598134, -0.41120899, -0.36814785, -0.25032592};
const std::vector<double> kTorchVanishingL20E10 = {  // 02_vanishing_gradient, length 20, 10 epochs
    0.46544647, 0.4150703, 0.36421639, 0.28416619, 0.19917776,
    0.12072579, 0.050489374, 0.012036491, 0.018121954, 0.048213799};
// 03_embeddings: the embedding of each word of the sentence, in sentence order, and its token.
const std::vector<int> kTorchTokens = {0, 2, 8, 6, 3, 7, 1, 5, 4};
const std::vector<std::vector<double>> kTorchEmbeddings = {
    {-1.1258398, -1.1523602, -0.25057858, -0.43387881, 0.84871036, 0.69200915, -0.31601277, -2.1152194},
    {-1.3526537, -1.6959312, 0.56665063, 0.79350835, 0.59883946, -1.5550951, -0.34136039, 1.8530061},
    {0.32761431, -0.7607072, -1.599082, 0.018486667, -0.75042683, 0.18540798, 0.62113833, 0.63818157},
    {-0.67308992, 0.87283123, 1.0553575, 0.17784372, -0.23033547, -0.39175439, 0.54329473, -0.39515755},
    {0.75018948, -0.58549756, -0.17339675, 0.18347794, 1.3893661, 1.5863342, 0.94629836, -0.84367675},
    {1.5091219, 2.0819554, 1.7067116, 2.3803675, -1.1256016, -0.31699809, -1.0924683, -0.085194297},
    {0.32227492, -1.2633348, 0.34998319, 0.30813393, 0.11984151, 1.2376579, 1.1167772, -0.24727815},
    {-0.10230965, 0.79244399, -0.2896677, 0.052507486, 0.52286047, 2.3022053, -1.4688939, -1.5866888},
    {-0.61358309, 0.031592742, -0.49267697, 0.24841475, 0.43969584, 0.11241119, 0.64079237, 0.44115627}};
const std::vector<std::string> kSentenceWords = {"Transformers", "have", "revolutionized", "natural",
                                                  "language", "processing", "and", "machine", "learning."};

// ---- helpers ---------------------------------------------------------------------------------

using ex_test::read_all;
using ex_test::read_table;
using ex_test::run_example;
using ex_test::Table;
using ex_test::TempDir;

void expect_relative(double actual, double expected, double tolerance, const std::string& what) {
    EXPECT_NEAR(actual, expected, tolerance * std::max(1.0, std::fabs(expected))) << what;
}

bool gnuplot_installed() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

bool is_png(const std::string& path) {
    const std::string bytes = read_all(path);
    return bytes.size() > 1000 && bytes.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8);
}

// PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(...), in double.
double pe(int pos, int j, int d) {
    const double angle = pos / std::pow(10000.0, (j - j % 2) / double(d));
    return j % 2 == 0 ? std::sin(angle) : std::cos(angle);
}

}  // namespace

// ---- 01_rnn_context ----------------------------------------------------------------------------

TEST(Example01, TinyRunWritesLossAndPredictionsEqualToTheEngineTrainedHere) {
    TempDir tmp;
    ASSERT_EQ(run_example("01_rnn_context", "--lengths 5,7 --epochs 2 --seed 3 --plot none --out " + tmp.path, tmp.path), 0)
        << read_all(tmp.path + "/stderr.txt");
    const std::string dir = tmp.path + "/01_rnn_context/";
    for (int L : {5, 7}) {
        Table loss = read_table(dir + "loss_L" + std::to_string(L) + ".dat");
        EXPECT_EQ(loss.header, "# epoch loss");
        ASSERT_EQ(loss.rows.size(), 2u);
        Table pred = read_table(dir + "predictions_L" + std::to_string(L) + ".dat");
        EXPECT_EQ(pred.header, "# t original rnn_output");
        ASSERT_EQ(pred.rows.size(), size_t(L));

        // The same training, done here with the engine.
        ag::Tensor data = ex::sine_data(L);
        ag::manual_seed(3);
        ex::RNNModel model;
        ag::optim::Adam optimizer(model.parameters(), 0.01);
        for (int epoch = 0; epoch < 2; ++epoch) {
            optimizer.zero_grad();
            ag::Tensor loss_value = ag::nn::mse_loss(model.forward(data), data);
            loss_value.backward();
            optimizer.step();
            EXPECT_EQ(loss.at(epoch, 0), epoch + 1);
            expect_relative(loss.at(epoch, 1), loss_value.item(), 1e-6, "loss");
        }
        ag::NoGradGuard no_grad;
        ag::Tensor out = model.forward(data);
        for (int t = 0; t < L; ++t) {
            EXPECT_EQ(pred.at(t, 0), t);
            // numpy: sin(linspace(0, 4π, L)), the last point exactly sin(4π)
            EXPECT_NEAR(pred.at(t, 1), float(std::sin(4.0 * M_PI * t / (L - 1))), 1e-7);
            EXPECT_NEAR(pred.at(t, 2), out.values()[t], 1e-6);
        }
    }
    EXPECT_NE(read_all(tmp.path + "/stdout.txt").find("final loss"), std::string::npos);
    EXPECT_TRUE(fs::exists(dir + "predictions_L5.gp"));
    EXPECT_TRUE(fs::exists(dir + "loss.gp"));
}

TEST(Example01, Seed0MatchesPyTorch) {
    TempDir tmp;
    ASSERT_EQ(run_example("01_rnn_context", "--lengths 20 --seed 0 --plot none --out " + tmp.path, tmp.path), 0);
    Table loss = read_table(tmp.path + "/01_rnn_context/loss_L20.dat");
    ASSERT_EQ(loss.rows.size(), kTorchLossL20.size());
    for (size_t e = 0; e < kTorchLossL20.size(); ++e) expect_relative(loss.at(e, 1), kTorchLossL20[e], 1e-4, "loss");
    Table pred = read_table(tmp.path + "/01_rnn_context/predictions_L20.dat");
    ASSERT_EQ(pred.rows.size(), kTorchPredictionsL20.size());
    for (size_t t = 0; t < kTorchPredictionsL20.size(); ++t) {
        EXPECT_NEAR(pred.at(t, 2), kTorchPredictionsL20[t], 1e-4) << "t = " << t;
    }
}

// ---- 02_vanishing_gradient ---------------------------------------------------------------------

TEST(Example02, Seed0MatchesPyTorchAndGradientNormsMatchTheEngine) {
    TempDir tmp;
    ASSERT_EQ(run_example("02_vanishing_gradient", "--length 20 --epochs 10 --seed 0 --plot none --out " + tmp.path, tmp.path), 0);
    Table t = read_table(tmp.path + "/02_vanishing_gradient/loss_L20_E10.dat");
    EXPECT_EQ(t.header, "# epoch loss grad_norm_rnn1 grad_norm_rnn2 grad_norm_rnn3");
    ASSERT_EQ(t.rows.size(), 10u);
    for (size_t e = 0; e < 10; ++e) expect_relative(t.at(e, 1), kTorchVanishingL20E10[e], 1e-4, "loss");

    // Epoch 1's gradient norms: the fresh seed-0 model, one backward, sqrt(Σ g²) per RNN layer.
    ag::Tensor data = ex::sine_data(20);
    ag::manual_seed(0);
    ex::VanishingRNNModel model(3);
    ag::nn::mse_loss(model.forward(data), data).backward();
    for (int k = 0; k < 3; ++k) {
        double sum = 0.0;
        for (const ag::Tensor& p : model.rnns[k]->parameters()) {
            ag::Tensor g = p.grad();
            for (float v : g.values()) sum += double(v) * v;
        }
        ASSERT_GT(sum, 0.0);
        expect_relative(t.at(0, 2 + k), std::sqrt(sum), 1e-5, "grad norm of rnn" + std::to_string(k + 1));
    }
}

TEST(Example02, EachEpochCountStartsFromTheSameSeed) {
    TempDir tmp;
    ASSERT_EQ(run_example("02_vanishing_gradient", "--length 6 --epochs 2,4 --plot none --out " + tmp.path, tmp.path), 0);
    Table short_run = read_table(tmp.path + "/02_vanishing_gradient/loss_L6_E2.dat");
    Table long_run = read_table(tmp.path + "/02_vanishing_gradient/loss_L6_E4.dat");
    ASSERT_EQ(short_run.rows.size(), 2u);
    ASSERT_EQ(long_run.rows.size(), 4u);
    ASSERT_EQ(long_run.rows[0].size(), 5u);  // epoch, loss, three gradient norms
    for (size_t e = 0; e < 2; ++e) EXPECT_EQ(short_run.rows[e], long_run.rows[e]);  // the same history
    EXPECT_TRUE(fs::exists(tmp.path + "/02_vanishing_gradient/loss_L6_E4.gp"));
}

// ---- 03_embeddings -----------------------------------------------------------------------------

TEST(Example03, Seed0EmbeddingsMatchPyTorch) {
    TempDir tmp;
    ASSERT_EQ(run_example("03_embeddings", "--plot none --out " + tmp.path, tmp.path), 0);
    Table t = read_table(tmp.path + "/03_embeddings/embeddings.dat");
    EXPECT_EQ(t.header, "# position token_index word v0 v1 v2 v3 v4 v5 v6 v7");
    ASSERT_EQ(t.rows.size(), 9u);
    for (size_t j = 0; j < 9; ++j) {
        EXPECT_EQ(t.rows[j][0], std::to_string(j));
        EXPECT_EQ(t.rows[j][1], std::to_string(kTorchTokens[j]));
        EXPECT_EQ(t.rows[j][2], kSentenceWords[j]);
        for (size_t d = 0; d < 8; ++d) EXPECT_NEAR(t.at(j, 3 + d), kTorchEmbeddings[j][d], 1e-6) << j << "," << d;
    }
    const std::string out = read_all(tmp.path + "/stdout.txt");
    EXPECT_NE(out.find("Transformers and have language learning. machine natural processing revolutionized"),
              std::string::npos) << out;
    EXPECT_NE(out.find("[[0, 2, 8, 6, 3, 7, 1, 5, 4]]"), std::string::npos) << out;
}

TEST(Example03, ARepeatedWordGetsOneTokenAndOneVector) {
    TempDir tmp;
    ASSERT_EQ(run_example("03_embeddings", "--sentence 'the cat saw the dog' --dim 3 --seed 7 --plot none --out " + tmp.path, tmp.path), 0);
    Table t = read_table(tmp.path + "/03_embeddings/embeddings.dat");
    EXPECT_EQ(t.header, "# position token_index word v0 v1 v2");
    ASSERT_EQ(t.rows.size(), 5u);
    // sorted vocabulary: cat dog saw the
    const std::vector<std::string> tokens = {"3", "0", "2", "3", "1"};
    for (size_t j = 0; j < 5; ++j) EXPECT_EQ(t.rows[j][1], tokens[j]);
    for (size_t d = 3; d < 6; ++d) EXPECT_EQ(t.rows[0][d], t.rows[3][d]);  // "the" twice, one vector
    // The vectors are rows of Embedding(4, 3) drawn after manual_seed(7).
    ag::manual_seed(7);
    ag::nn::Embedding table(4, 3);
    for (size_t j = 0; j < 5; ++j) {
        for (int d = 0; d < 3; ++d) EXPECT_NEAR(t.at(j, 3 + d), table.weight.at({std::stoll(tokens[j]), d}), 1e-6);
    }
    Table by_dim = read_table(tmp.path + "/03_embeddings/embeddings_by_dimension.dat");
    EXPECT_EQ(by_dim.header, "# dimension the cat saw the dog");
    ASSERT_EQ(by_dim.rows.size(), 3u);
    EXPECT_EQ(by_dim.rows[2][2], t.rows[1][5]);  // dimension 2 of "cat"
}

// ---- 04_positional_encoding --------------------------------------------------------------------

TEST(Example04, DefaultTableIsSinCosOfNinePositionsByEight) {
    TempDir tmp;
    ASSERT_EQ(run_example("04_positional_encoding", "--plot none --out " + tmp.path, tmp.path), 0);
    Table t = read_table(tmp.path + "/04_positional_encoding/pe.dat");
    EXPECT_EQ(t.header, "# position v0 v1 v2 v3 v4 v5 v6 v7");
    ASSERT_EQ(t.rows.size(), 9u);  // the notebook sentence's word count
    for (int pos = 0; pos < 9; ++pos) {
        EXPECT_EQ(t.at(pos, 0), pos);
        for (int j = 0; j < 8; ++j) EXPECT_NEAR(t.at(pos, 1 + j), pe(pos, j, 8), 2e-6) << pos << "," << j;
    }
    EXPECT_NEAR(t.at(1, 1), 0.84147098, 1e-7);  // sin(1)
    EXPECT_NEAR(t.at(4, 2), -0.65364362, 1e-7);  // cos(4)
    EXPECT_NE(read_all(tmp.path + "/stdout.txt").find("[0.8415, 0.5403, 0.0998, 0.9950"), std::string::npos);
}

TEST(Example04, OddWidthAndLongerTable) {
    TempDir tmp;
    ASSERT_EQ(run_example("04_positional_encoding", "--positions 30 --d-model 5 --plot none --out " + tmp.path, tmp.path), 0);
    Table t = read_table(tmp.path + "/04_positional_encoding/pe.dat");
    EXPECT_EQ(t.header, "# position v0 v1 v2 v3 v4");
    ASSERT_EQ(t.rows.size(), 30u);
    for (int pos = 0; pos < 30; ++pos) {
        ASSERT_EQ(t.rows[pos].size(), 6u);
        for (int j = 0; j < 5; ++j) EXPECT_NEAR(t.at(pos, 1 + j), pe(pos, j, 5), 1e-5) << pos << "," << j;
    }
}

// ---- 05_encoder_input --------------------------------------------------------------------------

TEST(Example05, FinalInputIsPyTorchEmbeddingsPlusSinCos) {
    TempDir tmp;
    ASSERT_EQ(run_example("05_encoder_input", "--plot none --out " + tmp.path, tmp.path), 0);
    const std::string dir = tmp.path + "/05_encoder_input/";
    Table f = read_table(dir + "final_input.dat");
    EXPECT_EQ(f.header, "# position token_index word v0 v1 v2 v3 v4 v5 v6 v7");
    ASSERT_EQ(f.rows.size(), 9u);
    for (int j = 0; j < 9; ++j) {
        EXPECT_EQ(f.rows[j][2], kSentenceWords[j]);
        EXPECT_EQ(f.rows[j][1], std::to_string(kTorchTokens[j]));
        for (int d = 0; d < 8; ++d) {
            EXPECT_NEAR(f.at(j, 3 + d), kTorchEmbeddings[j][d] + pe(j, d, 8), 2e-6) << j << "," << d;
        }
    }
    EXPECT_EQ(read_table(dir + "embeddings.dat").rows.size(), 9u);
    EXPECT_EQ(read_table(dir + "pe.dat").rows.size(), 9u);
    EXPECT_TRUE(fs::exists(dir + "encoder_input.gp"));
}

TEST(Example05, AttentionWeightsAreNineRowsOfProbabilitiesOverTheWords) {
    TempDir tmp;
    ASSERT_EQ(run_example("05_encoder_input", "--plot none --out " + tmp.path, tmp.path), 0);
    std::ifstream in(tmp.path + "/05_encoder_input/attention_weights.dat");
    std::vector<std::string> comments;
    std::vector<std::vector<std::string>> rows;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("#", 0) == 0) {
            comments.push_back(line);
            continue;
        }
        std::istringstream cells(line);
        rows.emplace_back();
        for (std::string c; cells >> c;) rows.back().push_back(c);
    }
    ASSERT_EQ(comments.size(), 3u);  // what the table is (two lines), then the column names
    EXPECT_NE(comments[0].find("Self-attention weights of an untrained MultiheadAttention(8, 2)"), std::string::npos);
    EXPECT_EQ(comments[2], "# query_word w0 w1 w2 w3 w4 w5 w6 w7 w8");
    ASSERT_EQ(rows.size(), 9u);

    // The same weights from an independent computation: PyTorch's embeddings plus the sinusoids,
    // the engine's seeded MultiheadAttention(8, 2) (its initialisation is checked against PyTorch's
    // in the parity case init_gated_attention and in MultiheadAttention.InitialisationIsPyTorchs),
    // and attention as plain loops in double.
    ag::manual_seed(0);
    ag::nn::Embedding skip(9, 8);  // draws what the example's embedding draws first
    ag::nn::MultiheadAttention attention(8, 2);
    auto x = [&](int64_t l, int64_t c) { return kTorchEmbeddings[l][c] + pe(static_cast<int>(l), static_cast<int>(c), 8); };
    auto proj = [&](int64_t block, int64_t l, int64_t r) {  // row r of the q (0), k (1) or v (2) projection
        double s = attention.in_proj_bias.values()[block * 8 + r];
        for (int64_t c = 0; c < 8; ++c) s += double(attention.in_proj_weight.at({block * 8 + r, c})) * x(l, c);
        return s;
    };
    for (int64_t i = 0; i < 9; ++i) {
        ASSERT_EQ(rows[i].size(), 10u);
        EXPECT_EQ(rows[i][0], kSentenceWords[i]);
        std::vector<double> want(9, 0.0);
        for (int64_t h = 0; h < 2; ++h) {  // two heads of width 4: softmax of q·k/2, then their mean
            std::vector<double> e(9);
            double total = 0;
            for (int64_t j = 0; j < 9; ++j) {
                double s = 0;
                for (int64_t r = 4 * h; r < 4 * h + 4; ++r) s += proj(0, i, r) * proj(1, j, r);
                total += e[j] = std::exp(s / 2.0);
            }
            for (int64_t j = 0; j < 9; ++j) want[j] += e[j] / total / 2.0;
        }
        double sum = 0;
        for (int64_t j = 0; j < 9; ++j) {
            const double w = std::stod(rows[i][1 + j]);
            EXPECT_GT(w, 0.0);
            EXPECT_NEAR(w, want[j], 2e-6) << i << "," << j;
            sum += w;
        }
        EXPECT_NEAR(sum, 1.0, 1e-6) << "row " << i;
    }
    EXPECT_TRUE(fs::exists(tmp.path + "/05_encoder_input/attention_weights.gp"));
    const std::string out = read_all(tmp.path + "/stdout.txt");
    EXPECT_NE(out.find("attention weights, averaged over the 2 heads"), std::string::npos) << out;
    EXPECT_NE(out.find("learning."), std::string::npos);
}

// PyTorch 1.13's weights for the same sentence (tests/data/attention_weights_seed{0,7}.dat: its
// Embedding(9, 8) and MultiheadAttention(8, 2) after manual_seed(s), the sinusoids, no mask).
TEST(Example05, AttentionWeightsEqualPyTorchsForSeeds0And7) {
    for (const char* seed : {"0", "7"}) {
        TempDir tmp;
        ASSERT_EQ(run_example("05_encoder_input", std::string("--seed ") + seed + " --plot none --out " + tmp.path, tmp.path), 0);
        auto read = [](const std::string& path) {
            std::ifstream in(path);
            EXPECT_TRUE(in.good()) << path;
            std::vector<std::vector<std::string>> rows;
            for (std::string line; std::getline(in, line);) {
                if (line.rfind("#", 0) == 0) continue;
                std::istringstream cells(line);
                rows.emplace_back();
                for (std::string c; cells >> c;) rows.back().push_back(c);
            }
            return rows;
        };
        const auto ours = read(tmp.path + "/05_encoder_input/attention_weights.dat");
        const auto torch = read(std::string("tests/data/attention_weights_seed") + seed + ".dat");
        ASSERT_EQ(ours.size(), 9u);
        ASSERT_EQ(torch.size(), 9u);
        for (size_t r = 0; r < 9; ++r) {
            ASSERT_EQ(ours[r].size(), 10u);
            EXPECT_EQ(ours[r][0], torch[r][0]);  // the query word
            for (size_t c = 1; c < 10; ++c)
                EXPECT_NEAR(std::stod(ours[r][c]), std::stod(torch[r][c]), 1e-6) << "seed " << seed << " row " << r << " col " << c;
        }
    }
}

// ---- flags -------------------------------------------------------------------------------------

TEST(ExampleFlags, MistakesExitWithStatus2AndWriteNothing) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"01_rnn_context", "--lengths 0"},       {"01_rnn_context", "--lengths 20,-3"},
        {"01_rnn_context", "--lengths 20,,100"}, {"01_rnn_context", "--epochs x"},
        {"01_rnn_context", "--epochs 2.5"},      {"01_rnn_context", "--bogus 1"},
        {"01_rnn_context", "--plot jpeg"},       {"01_rnn_context", "--seed -1"},
        {"01_rnn_context", "--epochs"},          {"02_vanishing_gradient", "--length 0"},
        {"02_vanishing_gradient", "--epochs 10,abc"}, {"03_embeddings", "--sentence ''"},
        {"03_embeddings", "--sentence '   '"},   {"03_embeddings", "--dim -8"},
        {"04_positional_encoding", "--d-model 0"}, {"04_positional_encoding", "--positions abc"},
        {"05_encoder_input", "--sentence ''"},   {"05_encoder_input", "--length 5"},
        {"05_encoder_input", "--heads 3"},       {"05_encoder_input", "--dim 5"},
        {"01_rnn_context", "--jobs 0"},          {"02_vanishing_gradient", "--jobs -2"},
        {"02_vanishing_gradient", "--jobs two"}, {"03_embeddings", "--jobs 2"}};
    TempDir tmp;
    for (const auto& [name, flags] : cases) {
        const std::string out = tmp.path + "/out";
        EXPECT_EQ(run_example(name, flags + " --out " + out, tmp.path), 2) << name << " " << flags;
        EXPECT_FALSE(fs::exists(out)) << name << " " << flags << " wrote " << out;
        const std::string err = read_all(tmp.path + "/stderr.txt");
        EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
        EXPECT_EQ(err.rfind(name + ": error: ", 0), 0u) << err;
        EXPECT_TRUE(read_all(tmp.path + "/stdout.txt").empty()) << name << " " << flags;
    }
}

TEST(ExampleFlags, HelpPrintsUsageAndExits0) {
    TempDir tmp;
    for (const char* name : {"01_rnn_context", "02_vanishing_gradient", "03_embeddings",
                             "04_positional_encoding", "05_encoder_input"}) {
        EXPECT_EQ(run_example(name, "--help", tmp.path), 0) << name;
        const std::string out = read_all(tmp.path + "/stdout.txt");
        EXPECT_EQ(out.rfind(std::string("usage: ") + name, 0), 0u) << out;
        EXPECT_NE(out.find("--plot MODE"), std::string::npos) << out;
        EXPECT_FALSE(fs::exists("out-should-not-exist"));
    }
}

TEST(ExampleFlags, JobsIsListedWithTheNumberOfCoresAsItsDefault) {
    TempDir tmp;
    const std::string cores = std::to_string(std::max(1u, std::thread::hardware_concurrency()));
    for (const char* name : {"01_rnn_context", "02_vanishing_gradient", "07_memory_lag", "08_attention_memory"}) {
        EXPECT_EQ(run_example(name, "--help", tmp.path), 0) << name;
        const std::string out = read_all(tmp.path + "/stdout.txt");
        EXPECT_NE(out.find("  --jobs N "), std::string::npos) << out;
        EXPECT_NE(out.find("(default: " + cores + ", the number of cores)"), std::string::npos) << out;
    }
    for (const char* name : {"03_embeddings", "04_positional_encoding", "05_encoder_input", "06_gradient_flow"}) {
        EXPECT_EQ(run_example(name, "--help", tmp.path), 0) << name;  // one model each: nothing to share out
        EXPECT_EQ(read_all(tmp.path + "/stdout.txt").find("--jobs"), std::string::npos) << name;
    }
    // The message names the flag and the value.
    EXPECT_EQ(run_example("07_memory_lag", "--jobs 0 --out " + tmp.path + "/out", tmp.path), 2);
    EXPECT_EQ(read_all(tmp.path + "/stderr.txt"), "07_memory_lag: error: --jobs: '0' must be at least 1 (see --help)\n");
}

TEST(ExampleFlags, EqualsFormIsAccepted) {
    TempDir tmp;
    ASSERT_EQ(run_example("04_positional_encoding", "--positions=3 --d-model=4 --plot=none --out=" + tmp.path, tmp.path), 0);
    EXPECT_EQ(read_table(tmp.path + "/04_positional_encoding/pe.dat").rows.size(), 3u);
}

TEST(ExampleFlags, AnOutFolderThatCannotBeMadeIsOneLineAndStatus1) {
    TempDir tmp;
    std::ofstream(tmp.path + "/a_file") << "not a folder\n";
    EXPECT_EQ(run_example("04_positional_encoding", "--plot none --out " + tmp.path + "/a_file", tmp.path), 1);
    const std::string err = read_all(tmp.path + "/stderr.txt");
    EXPECT_EQ(err.rfind("04_positional_encoding: error: cannot create the folder", 0), 0u) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

// ---- plotting from the examples ----------------------------------------------------------------

TEST(ExamplePlots, MissingGnuplotStillWritesDataAndScriptsAndExits0) {
    TempDir tmp;
    ASSERT_EQ(run_example("04_positional_encoding", "--plot png --out " + tmp.path, tmp.path,
                          "AG_GNUPLOT=" + tmp.path + "/no_such_gnuplot"), 0);
    const std::string dir = tmp.path + "/04_positional_encoding/";
    EXPECT_TRUE(fs::exists(dir + "pe.dat"));
    EXPECT_TRUE(fs::exists(dir + "pe_heatmap.gp"));
    EXPECT_TRUE(fs::exists(dir + "pe_curves.gp"));
    EXPECT_FALSE(fs::exists(dir + "pe_heatmap.png"));
    const std::string err = read_all(tmp.path + "/stderr.txt");
    EXPECT_NE(err.find("apt-get install gnuplot-nox"), std::string::npos) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

TEST(ExamplePlots, RealGnuplotDrawsEveryPicture) {
    if (!gnuplot_installed()) GTEST_SKIP() << "gnuplot is not installed (apt-get install gnuplot-nox)";
    TempDir tmp;
    const std::string common = " --plot png --out " + tmp.path;
    ASSERT_EQ(run_example("01_rnn_context", "--lengths 6 --epochs 2" + common, tmp.path), 0);
    ASSERT_EQ(run_example("02_vanishing_gradient", "--length 6 --epochs 3" + common, tmp.path), 0);
    ASSERT_EQ(run_example("03_embeddings", "--sentence \"it's a_b test\"" + common, tmp.path), 0);
    ASSERT_EQ(run_example("04_positional_encoding", common, tmp.path), 0);
    ASSERT_EQ(run_example("05_encoder_input", common, tmp.path), 0);
    for (const char* png : {"01_rnn_context/predictions_L6.png", "01_rnn_context/loss.png",
                            "02_vanishing_gradient/loss_L6_E3.png", "03_embeddings/embeddings.png",
                            "04_positional_encoding/pe_heatmap.png", "04_positional_encoding/pe_curves.png",
                            "05_encoder_input/encoder_input.png", "05_encoder_input/attention_weights.png"}) {
        EXPECT_TRUE(is_png(tmp.path + "/" + png)) << png;
    }
}
