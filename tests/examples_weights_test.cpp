// examples_weights_test.cpp — --save PATH and --load PATH of the examples (01, 02, 06, 07, 08).
//
// Teaches: a saved model is checked by what it does. PyTorch's file, loaded by 01, must give
// PyTorch's loss; a model 01 or 02 saves after 5 epochs and loads again must give the loss that
// the 6th epoch of an uninterrupted run gives (PyTorch's number, and the engine's to the digit);
// and a file that does not fit is refused on the command line, before any work.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "../examples/common/models.h"
#include "ag/ag.h"
#include "example_test_util.h"

using ex_test::read_all;
using ex_test::read_table;
using ex_test::run_example;
using ex_test::TempDir;

namespace {

const std::string kTorchFile = "tests/data/notebook_rnn_seed0_adam5.safetensors";
// PyTorch 1.13, seed 0, length 20: the loss of epoch 6, i.e. of the model after 5 Adam steps
// (examples_test.cpp has the whole curves; tests/data/notebook_rnn_seed0_adam5.txt the first).
constexpr double kTorchContextEpoch6 = 0.36158663;
constexpr double kTorchVanishingEpoch6 = 0.12072579;

// The line "  epoch   E/N  loss X" of 01's output for epoch E, as printed.
std::string printed_loss(const std::string& out, const std::string& epoch) {
    const size_t at = out.find("epoch " + epoch);
    if (at == std::string::npos) return "";
    const size_t loss = out.find("loss ", at) + 5;
    return out.substr(loss, out.find('\n', loss) - loss);
}

}  // namespace

TEST(ExampleWeights, Example01LoadsPyTorchsFileAndGetsPyTorchsLoss) {
    TempDir tmp;
    ASSERT_EQ(run_example("01_rnn_context", "--lengths 20 --epochs 1 --plot none --load " + kTorchFile + " --out " + tmp.path,
                          tmp.path), 0)
        << read_all(tmp.path + "/stderr.txt");
    EXPECT_NE(read_all(tmp.path + "/stdout.txt").find("starting from the weights in " + kTorchFile), std::string::npos);
    const ex_test::Table loss = read_table(tmp.path + "/01_rnn_context/loss_L20.dat");
    ASSERT_EQ(loss.rows.size(), 1u);
    EXPECT_NEAR(loss.at(0, 1), kTorchContextEpoch6, 1e-6);
}

TEST(ExampleWeights, Example01SavesAfterFiveEpochsWhatPyTorchHasAfterFiveAndGoesOnFromIt) {
    TempDir tmp;
    const std::string saved = tmp.path + "/models/rnn.safetensors";  // models/ is made, as --out is
    ASSERT_EQ(run_example("01_rnn_context", "--lengths 20 --epochs 5 --plot none --save " + saved + " --out " + tmp.path,
                          tmp.path), 0)
        << read_all(tmp.path + "/stderr.txt");
    EXPECT_NE(read_all(tmp.path + "/stdout.txt").find("saved the trained model to " + saved), std::string::npos);

    // The file holds PyTorch's model after 5 steps, to float32 rounding, under PyTorch's names.
    const ag::SafetensorsFile mine = ag::load_safetensors(saved);
    const ag::SafetensorsFile torch = ag::load_safetensors(kTorchFile);
    ASSERT_EQ(mine.tensors.size(), torch.tensors.size());
    for (const auto& [name, t] : torch.tensors) {
        const auto it = std::find_if(mine.tensors.begin(), mine.tensors.end(), [&](const auto& np) { return np.first == name; });
        ASSERT_NE(it, mine.tensors.end()) << name;
        ASSERT_EQ(it->second.shape(), t.shape()) << name;
        for (size_t i = 0; i < t.values().size(); ++i) EXPECT_NEAR(it->second.values()[i], t.values()[i], 2e-6) << name << "[" << i << "]";
    }
    EXPECT_EQ(mine.metadata, (ag::Metadata{{"epochs", "5"}, {"example", "01_rnn_context"}, {"format", "pt"},
                                           {"sequence_length", "20"}, {"start", "seed 0"}}));

    // Going on from the file: its first loss is the 6th of a run that never stopped.
    ASSERT_EQ(run_example("01_rnn_context", "--lengths 20 --epochs 1 --plot none --load " + saved + " --out " + tmp.path,
                          tmp.path), 0);
    const std::string resumed = printed_loss(read_all(tmp.path + "/stdout.txt"), "  1/1");
    ASSERT_EQ(run_example("01_rnn_context", "--lengths 20 --epochs 6 --plot none --out " + tmp.path, tmp.path), 0);
    EXPECT_EQ(resumed, printed_loss(read_all(tmp.path + "/stdout.txt"), "  6/6"));
    EXPECT_NEAR(std::stod(resumed), kTorchContextEpoch6, 1e-6);
}

TEST(ExampleWeights, Example02SavesAndGoesOnFromItsFile) {
    TempDir tmp;
    const std::string saved = tmp.path + "/deep.safetensors";
    ASSERT_EQ(run_example("02_vanishing_gradient", "--length 20 --epochs 5 --plot none --save " + saved + " --out " + tmp.path,
                          tmp.path), 0)
        << read_all(tmp.path + "/stderr.txt");
    ex::VanishingRNNModel model;
    ag::load_model(model, saved);  // rnn1.*, rnn2.*, rnn3.*, dense.*: every name fits
    EXPECT_EQ(ag::load_safetensors(saved).metadata.at("example"), "02_vanishing_gradient");

    ASSERT_EQ(run_example("02_vanishing_gradient", "--length 20 --epochs 1 --plot none --load " + saved + " --out " + tmp.path,
                          tmp.path), 0);
    const ex_test::Table resumed = read_table(tmp.path + "/02_vanishing_gradient/loss_L20_E1.dat");
    ASSERT_EQ(run_example("02_vanishing_gradient", "--length 20 --epochs 6 --plot none --out " + tmp.path, tmp.path), 0);
    const ex_test::Table straight = read_table(tmp.path + "/02_vanishing_gradient/loss_L20_E6.dat");
    ASSERT_EQ(resumed.rows.size(), 1u);
    ASSERT_EQ(straight.rows.size(), 6u);
    EXPECT_EQ(resumed.rows[0][1], straight.rows[5][1]);  // the same loss, to every printed digit
    EXPECT_NEAR(resumed.at(0, 1), kTorchVanishingEpoch6, 1e-6);
}

// --save NAME with no folder writes NAME in the current folder (there is no folder to make).
TEST(ExampleWeights, SaveToABareFileNameWritesItInTheCurrentFolder) {
    TempDir tmp;
    const std::string program = std::filesystem::absolute(AG_BUILD_DIR "/examples/02_vanishing_gradient").string();
    const std::string command = "cd '" + tmp.path + "' && '" + program +
                                "' --length 20 --epochs 1 --plot none --save deep.safetensors --out . >stdout.txt 2>stderr.txt";
    ASSERT_EQ(std::system(command.c_str()), 0) << read_all(tmp.path + "/stderr.txt");
    ex::VanishingRNNModel model;
    ag::load_model(model, tmp.path + "/deep.safetensors");
    EXPECT_EQ(ag::load_safetensors(tmp.path + "/deep.safetensors").metadata.at("example"), "02_vanishing_gradient");
}

TEST(ExampleWeights, BadSaveOrLoadFlagsAreOneLineAndStatus2BeforeAnyWork) {
    TempDir tmp;
    const std::string deep = tmp.path + "/deep.safetensors";
    ag::manual_seed(0);
    ex::VanishingRNNModel model;
    ag::save_model(model, deep);
    const std::string missing = tmp.path + "/none.safetensors";
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"01_rnn_context --save " + tmp.path + "/x.safetensors",
         "01_rnn_context: error: --save: 4 lengths train 4 models; choose the one to save with --lengths L (see --help)"},
        {"02_vanishing_gradient --save " + tmp.path + "/x.safetensors",
         "02_vanishing_gradient: error: --save: 3 epoch counts train 3 models; choose the one to save with --epochs E (see --help)"},
        {"01_rnn_context --save ''", "01_rnn_context: error: --save: the path is empty (see --help)"},
        {"02_vanishing_gradient --save " + tmp.path + "/",
         "02_vanishing_gradient: error: --save: '" + tmp.path + "/' names a folder, not a file (see --help)"},
        {"01_rnn_context --load " + missing, "01_rnn_context: error: --load: load_safetensors: " + missing +
                                                 ": cannot open the file (No such file or directory) (see --help)"},
        {"01_rnn_context --load " + deep, "01_rnn_context: error: --load: load_model: " + deep +
                                              ": load_state_dict: the dict does not fit the module (nothing was loaded): "
                                              "missing rnn.weight_ih_l0 [10, 1], "},
        {"02_vanishing_gradient --load " + kTorchFile, "02_vanishing_gradient: error: --load: load_model: " + kTorchFile +
                                                           ": load_state_dict: the dict does not fit the module"},
        {"02_vanishing_gradient --load tests/data/notebook_rnn_seed0_adam5.txt",
         "02_vanishing_gradient: error: --load: load_safetensors: tests/data/notebook_rnn_seed0_adam5.txt: the header "
         "length 8029390805562302499 is above the limit of 100 MB"},
    };
    for (const auto& [command, message] : cases) {
        const std::string out = tmp.path + "/out";
        const size_t space = command.find(' ');
        EXPECT_EQ(run_example(command.substr(0, space), command.substr(space + 1) + " --out " + out, tmp.path), 2) << command;
        const std::string err = read_all(tmp.path + "/stderr.txt");
        EXPECT_EQ(err.rfind(message, 0), 0u) << command << "\n" << err;
        EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
        EXPECT_TRUE(read_all(tmp.path + "/stdout.txt").empty()) << command;
        EXPECT_FALSE(std::filesystem::exists(out)) << command << " wrote " << out;
        EXPECT_FALSE(std::filesystem::exists(tmp.path + "/x.safetensors")) << command;
    }
}

// ---- the gated and attention models: 06, 07 and 08 ------------------------------------------

// A file keeps the model as it was: 06 measuring a loaded GRU gives the trained GRU's numbers.
TEST(ExampleWeights, Example06SavesTheTrainedGruAndMeasuresTheSameFromIt) {
    TempDir tmp;
    const std::string file = tmp.path + "/w/gru.safetensors";
    ASSERT_EQ(run_example("06_gradient_flow", "--model gru --length 20 --train-epochs 3 --save " + file +
                              " --plot none --out " + tmp.path + "/a", tmp.path), 0);
    ASSERT_EQ(run_example("06_gradient_flow", "--model gru --length 20 --load " + file + " --plot none --out " +
                              tmp.path + "/b", tmp.path), 0);
    const std::string a = read_all(tmp.path + "/a/06_gradient_flow/grad_norms.dat");
    EXPECT_FALSE(a.empty());
    EXPECT_EQ(a, read_all(tmp.path + "/b/06_gradient_flow/grad_norms.dat"));
    // PyTorch's names: gru1.weight_ih_l0 ... gru3.bias_hh_l0, dense.weight, dense.bias
    const ag::SafetensorsFile f = ag::load_safetensors(file);
    ASSERT_EQ(f.tensors.size(), 14u);
    EXPECT_EQ(f.tensors[0].first, "gru1.weight_ih_l0");
    EXPECT_EQ(f.tensors[0].second.shape(), (ag::Shape{30, 1}));
    EXPECT_EQ(f.tensors[13].first, "dense.bias");
    // The wrong kind of model, or --load with the flags that change the seeded weights: status 2.
    EXPECT_EQ(run_example("06_gradient_flow", "--model lstm --load " + file + " --out " + tmp.path + "/c", tmp.path), 2);
    EXPECT_EQ(run_example("06_gradient_flow", "--model gru --recurrent-scale 2 --load " + file + " --out " + tmp.path + "/c",
                          tmp.path), 2);
    EXPECT_FALSE(std::filesystem::exists(tmp.path + "/c"));
}

// 08 saves its one configuration under PyTorch's names, and the file fits ex::AttentionModel.
TEST(ExampleWeights, Example08SavesTheAttentionModelUnderPyTorchsNames) {
    TempDir tmp;
    const std::string file = tmp.path + "/attn.safetensors";
    ASSERT_EQ(run_example("08_attention_memory", "--models attention --hidden 8 --lags 2 --length 8 --steps 40 --save " +
                              file + " --plot none --out " + tmp.path, tmp.path), 0);
    const ag::SafetensorsFile f = ag::load_safetensors(file);
    std::vector<std::string> names;
    for (const auto& [name, t] : f.tensors) names.push_back(name);
    EXPECT_EQ(names, (std::vector<std::string>{"embed.weight", "embed.bias", "attention.in_proj_weight",
                                               "attention.in_proj_bias", "attention.out_proj.weight",
                                               "attention.out_proj.bias", "head.weight", "head.bias"}));
    ex::AttentionModel model(8);
    ag::load_model(model, file);  // fits the example's model exactly
    EXPECT_EQ(model.attention.in_proj_weight.values(), f.tensors[2].second.values());
    // --load into another model or width, and --save with several configurations: status 2.
    EXPECT_EQ(run_example("08_attention_memory", "--models attention --hidden 16 --load " + file + " --out " + tmp.path + "/c",
                          tmp.path), 2);
    EXPECT_EQ(run_example("08_attention_memory", "--models rnn,attention --hidden 8 --load " + file + " --out " + tmp.path + "/c",
                          tmp.path), 2);
    EXPECT_EQ(run_example("07_memory_lag", "--models rnn --lags 1,2 --save " + file + " --out " + tmp.path + "/c", tmp.path), 2);
    EXPECT_FALSE(std::filesystem::exists(tmp.path + "/c"));
}
