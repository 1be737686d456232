// parity_test.cpp — the PyTorch parity cases pass, and a broken case file fails with a location.
//
// Teaches: the runner is itself tested both ways. Every case in tests/parity must pass; and a file
// with an unknown kind, a bad number, a missing tensor, ... must fail with "file:line: reason"
// rather than crash or pass. (The tests run from the repository root, as `make test` does.)
#include "parity_runner/parity.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace {

// A fresh scratch directory per test, removed afterwards.
class ParityFiles : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ =
            fs::temp_directory_path() / ("ag_parity_test_" + std::to_string(::getpid()) + "_" + info->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string write(const std::string& name, const std::string& text) {
        std::string path = (dir_ / name).string();
        std::ofstream(path) << text;
        return path;
    }

    // The case fails and its message starts "path:line: " and contains `reason`.
    ::testing::AssertionResult fails_at(const std::string& text, int line, const std::string& reason) {
        std::string path = write("case.txt", text);
        parity::CaseResult r = parity::run_case_file(path);
        std::string prefix = path + ":" + std::to_string(line) + ": ";
        if (r.passed) return ::testing::AssertionFailure() << "passed";
        if (r.message.rfind(prefix, 0) != 0)
            return ::testing::AssertionFailure()
                   << "message \"" << r.message << "\" does not start with " << prefix;
        if (r.message.find(reason) == std::string::npos)
            return ::testing::AssertionFailure()
                   << "message \"" << r.message << "\" lacks \"" << reason << "\"";
        return ::testing::AssertionSuccess();
    }

    fs::path dir_;
};

// Linear(1, 1) on [2, 1], worked out by hand: output = 2x + 1 = [3, 5], target [3, 4],
// loss = (0² + 1²)/2 = 0.5, dL/doutput = 2(out − t)/2 = [0, 1], so grad:input = [0, 2],
// grad:weight = 0·1 + 1·2 = 2, grad:bias = 1.
const char* kHandLinear =
    "# a hand-made case\n"
    "case linear\n"
    "param in_features 1\n"
    "param out_features 1\n"
    "tensor input 2 1\n"
    "1 2\n"
    "tensor weight 1 1\n"
    "2\n"
    "tensor bias 1\n"
    "1\n"
    "tensor target 2 1\n"
    "3 4\n"
    "expect output 2 1\n"
    "3 5\n"
    "expect loss\n"
    "0.5\n"
    "expect grad:input 2 1\n"
    "0 2\n"
    "expect grad:weight 1 1\n"
    "2\n"
    "expect grad:bias 1\n"
    "1\n";

std::string with(std::string text, const std::string& from, const std::string& to) {
    size_t at = text.find(from);
    if (at == std::string::npos) ADD_FAILURE() << "no '" << from << "' in the text";
    return text.replace(at, from.size(), to);
}

}  // namespace

// ---- the shared cases ------------------------------------------------------------------------

TEST(Parity, EveryCaseInTestsParityPasses) {
    std::vector<std::string> files = parity::case_files("tests/parity");
    EXPECT_EQ(files.size(), 20u);
    for (const std::string& f : files) {
        parity::CaseResult r = parity::run_case_file(f);
        EXPECT_TRUE(r.passed) << parity::format_result(r);
        EXPECT_LT(r.max_error, 1e-6) << f;  // far inside the tolerance
    }
}

TEST(Parity, ToleranceIsAbsolutePlusRelative) {
    EXPECT_TRUE(parity::within_tolerance(1.0 + 1e-4, 1.0));  // 1e-4 ≤ 1e-5 + 1e-4
    EXPECT_FALSE(parity::within_tolerance(1.0 + 1.2e-4, 1.0));
    EXPECT_TRUE(parity::within_tolerance(9e-6, 0.0));
    EXPECT_FALSE(parity::within_tolerance(2e-5, 0.0));
    EXPECT_FALSE(parity::within_tolerance(std::nan(""), 0.0));
}

// ---- cases the shared files do not have ------------------------------------------------------

TEST_F(ParityFiles, HandMadeLinearCasePasses) {
    parity::CaseResult r = parity::run_case_file(write("hand.txt", kHandLinear));
    EXPECT_TRUE(r.passed) << r.message;
    EXPECT_EQ(r.name, "hand");
    EXPECT_EQ(r.max_error, 0.0);
}

TEST_F(ParityFiles, WrongExpectedValueFailsNamingTensorErrorAndIndex) {
    parity::CaseResult r = parity::run_case_file(write("off.txt", with(kHandLinear, "0 2\n", "0 2.5\n")));
    EXPECT_FALSE(r.passed);
    EXPECT_EQ(parity::format_result(r).rfind("FAIL off: grad:input max error 0.5 at index 1", 0), 0u)
        << parity::format_result(r);
}

TEST_F(ParityFiles, OtherKindsWithOtherSizesRun) {
    // positional_encoding with an odd width: pe[1, 2] = sin(1/10000^(2/3)), the last column
    EXPECT_TRUE(parity::run_case_file(write("pe.txt",
                                            "case positional_encoding\nparam max_len 2\nparam d_model 3\n"
                                            "expect pe 2 3\n0 1 0 0.841470985 0.540302306 0.00215443304\n"))
                    .passed);
    // an init case of one Linear(1, 1) after seed 0: weight and bias are the first two uniforms
    // 0.49625659 and 0.76822233 mapped to [−1, 1): 2u − 1
    parity::CaseResult r = parity::run_case_file(
        write("init.txt",
              "case init\nparam seed 0\nmodule lin Linear 1 1\n"
              "expect lin.weight 1 1\n-0.00748682022\nexpect lin.bias 1\n0.536444664\n"));
    EXPECT_TRUE(r.passed) << r.message;
}

TEST_F(ParityFiles, HandMadeRnnCaseWithOneUnitPasses) {
    // h1 = tanh(1·0.5 + 0 + 0·h0 + 0) = tanh(0.5) = 0.462117157; loss = h1² = 0.213552267;
    // dL/dz = 2·h1·(1 − h1²) = 0.726861981 = dL/dx (W_ih = 1) = dL/db; dL/dW_ih = dL/dz·x = 0.36343099;
    // dL/dW_hh = dL/dz·h0 = 0
    const char* text =
        "case rnn\nparam input_size 1\nparam hidden_size 1\nparam num_layers 1\n"
        "tensor input 1 1 1\n0.5\ntensor target 1 1 1\n0\n"
        "tensor weight_ih_l0 1 1\n1\ntensor weight_hh_l0 1 1\n0\ntensor bias_ih_l0 1\n0\n"
        "tensor bias_hh_l0 1\n0\n"
        "expect output 1 1 1\n0.462117157\nexpect h_n 1 1 1\n0.462117157\nexpect loss\n0.213552267\n"
        "expect grad:input 1 1 1\n0.726861981\nexpect grad:weight_ih_l0 1 1\n0.36343099\n"
        "expect grad:bias_hh_l0 1\n0.726861981\nexpect grad:weight_hh_l0 1 1\n0\n";
    parity::CaseResult r = parity::run_case_file(write("rnn1.txt", text));
    EXPECT_TRUE(r.passed) << r.message;
}

TEST_F(ParityFiles, TrainModelNamesItsMissingWeights) {
    EXPECT_TRUE(
        fails_at("case train_rnn_model\nparam sequence_length 3\nparam rnn_layers 2\n"
                 "param hidden_size 2\nparam epochs 2\nparam lr 0.1\ntensor input 1 3 1\n0 1 0\n"
                 "expect loss_history 2\n0 0\n",
                 1, "needs 'tensor rnn1.weight_ih_l0' (missing)"));
}

TEST_F(ParityFiles, HandMadeClipGradNormCase) {
    // Gradients [3] and [4] (two parameters) have total length 5; max_norm 1 scales both by
    // 1/(5 + 1e-6): [0.6] and [0.8]. A scalar gradient (shape []) is a parameter too.
    const std::string text =
        "case clip_grad_norm\nparam max_norm 1\ntensor grad0 1\n3\ntensor grad1\n4\n"
        "expect total_norm\n5\nexpect clipped:grad0 1\n0.6\nexpect clipped:grad1\n0.8\n";
    parity::CaseResult r = parity::run_case_file(write("clip.txt", text));
    EXPECT_TRUE(r.passed) << r.message;
    EXPECT_LT(r.max_error, 1e-6);
    // Under max_norm nothing changes.
    const std::string under = "case clip_grad_norm\nparam max_norm 6\ntensor grad0 1\n3\ntensor grad1\n4\n"
                              "expect total_norm\n5\nexpect clipped:grad0 1\n3\nexpect clipped:grad1\n4\n";
    EXPECT_TRUE(parity::run_case_file(write("under.txt", under)).passed);
}

TEST_F(ParityFiles, ClipGradNormInputs) {
    const std::string head = "case clip_grad_norm\nparam max_norm 1\n";
    const std::string tail = "expect total_norm\n5\n";
    EXPECT_TRUE(fails_at(head + tail, 1, "needs 'tensor grad0' (missing)"));
    EXPECT_TRUE(fails_at(head + "tensor grad1 2\n3 4\n" + tail, 1, "needs 'tensor grad0' (missing)"));
    EXPECT_TRUE(fails_at(head + "tensor grad0 1\n3\ntensor grad2 1\n4\n" + tail, 5,
                         "tensor 'grad2' is not used by a case of kind clip_grad_norm"));
    EXPECT_TRUE(fails_at("case clip_grad_norm\ntensor grad0 2\n3 4\n" + tail, 1, "needs 'param max_norm'"));
    EXPECT_TRUE(fails_at("case clip_grad_norm\nparam max_norm -1\ntensor grad0 2\n3 4\n" + tail, 2,
                         "param max_norm = -1 must be >= 0"));
    EXPECT_TRUE(fails_at(head + "tensor grad0 2\n3 4\nexpect clipped:grad1 2\n0 0\n", 5,
                         "'clipped:grad1' is not a result"));
    // A gradient with no values (a zero dim) is no gradient at all: skipped, and its result is empty.
    EXPECT_TRUE(parity::run_case_file(write("empty.txt", head + "tensor grad0 0 3\n\ntensor grad1 2\n3 4\n" +
                                                             tail + "expect clipped:grad0 0 3\n\n"))
                    .passed);
}

TEST_F(ParityFiles, HandMadeCrossEntropyAndSoftmaxCases) {
    // logits [0, 0], class 1: log softmax = [−ln 2, −ln 2], loss = ln 2; grad = softmax − one_hot = [0.5, −0.5].
    const std::string ce = "case cross_entropy\ntensor logits 1 2\n0 0\ntensor targets 1\n1\n"
                           "expect loss\n0.693147181\nexpect grad:logits 1 2\n0.5 -0.5\n";
    parity::CaseResult r = parity::run_case_file(write("ce.txt", ce));
    EXPECT_TRUE(r.passed) << r.message;
    // softmax([0, ln 3]) = [0.25, 0.75]; target [0, 0]: loss = (0.0625 + 0.5625)/2 = 0.3125,
    // g = y (2/2 · (y − 0)), Σ g·y = 0.625, dx = y ⊙ (g − 0.625) = [0.25·(−0.375), 0.75·0.125].
    const std::string sm = "case softmax\nparam dim -1\nparam log 0\ntensor input 2\n0 1.09861229\n"
                           "tensor target 2\n0 0\nexpect output 2\n0.25 0.75\nexpect loss\n0.3125\n"
                           "expect grad:input 2\n-0.09375 0.09375\n";
    r = parity::run_case_file(write("sm.txt", sm));
    EXPECT_TRUE(r.passed) << r.message;
}

TEST_F(ParityFiles, AttentionKindsInputs) {
    const std::string mha = "case multihead_attention\nparam embed_dim 6\nparam num_heads 4\nparam causal 0\n"
                            "param self_attention 1\nexpect loss\n0\n";
    EXPECT_TRUE(fails_at(mha, 1, "embed_dim 6 is not divisible by num_heads 4"));
    EXPECT_TRUE(fails_at(with(mha, "num_heads 4", "num_heads 2"), 1, "needs 'tensor input' (missing)"));
    EXPECT_TRUE(fails_at(with(mha, "causal 0", "causal 2"), 4, "param causal = 2 must be a whole number in [0, 1]"));
    const std::string narrow_input = "tensor input 1 2 5\n0 0 0 0 0 0 0 0 0 0\nexpect";
    EXPECT_TRUE(fails_at(with(with(mha, "num_heads 4", "num_heads 2"), "expect", narrow_input), 6,
                         "tensor input has shape [1, 2, 5] but must be [batch, length >= 1, 6]"));
    const std::string no_weights = "tensor input 1 1 6\n0 0 0 0 0 0\ntensor target 1 1 6\n0 0 0 0 0 0\nexpect";
    EXPECT_TRUE(fails_at(with(with(mha, "num_heads 4", "num_heads 2"), "expect", no_weights), 1,
                         "MultiheadAttention(6, 2) has 168 parameter values but the file gives only 12"));
    EXPECT_TRUE(fails_at("case softmax\nparam dim 2\nparam log 0\ntensor input 2 2\n1 2 3 4\nexpect loss\n0\n", 2,
                         "param dim = 2 must be a whole number in [-2, 1]"));
    EXPECT_TRUE(fails_at("case cross_entropy\ntensor logits 1 2\n0 0\ntensor targets 1\n2\nexpect loss\n0\n", 5,
                         "target 2.000000 (value 0) is not a whole number in [0, 2)"));
    EXPECT_TRUE(fails_at("case cross_entropy\ntensor logits 2\n0 0\ntensor targets 1\n1\nexpect loss\n0\n", 2,
                         "tensor logits has shape [2] but must be [N, C]"));
    EXPECT_TRUE(fails_at("case layer_norm\nparam normalized_shape 3\nparam eps 1e-5\ntensor input 2 2\n1 2 3 4\n"
                         "expect loss\n0\n",
                         4, "tensor input has shape [2, 2] but must be [..., 3]"));
    const std::string head = "case init\nparam seed 0\n";
    const std::string tail = "expect m.weight 1 1\n0\n";
    EXPECT_TRUE(fails_at(head + "module m MultiheadAttention 6 4\n" + tail, 3, "embed_dim 6 is not divisible by num_heads 4"));
    EXPECT_TRUE(fails_at(head + "module m MultiheadAttention 6\n" + tail, 3, "module MultiheadAttention takes embed_dim num_heads"));
    EXPECT_TRUE(fails_at(head + "module m LayerNorm 4 4\n" + tail, 3, "module LayerNorm takes normalized_shape"));
}

// ---- malformed files: a failure with file:line, never a crash --------------------------------

TEST_F(ParityFiles, UnknownKind) { EXPECT_TRUE(fails_at("# x\ncase conv2d\n", 2, "unknown case kind 'conv2d'")); }

TEST_F(ParityFiles, FirstLineMustBeCase) {
    EXPECT_TRUE(fails_at("param in_features 1\ncase linear\n", 1, "expected 'case KIND'"));
}

TEST_F(ParityFiles, EmptyFile) { EXPECT_TRUE(fails_at("", 1, "no 'case KIND' line")); }

TEST_F(ParityFiles, UnknownLine) {
    EXPECT_TRUE(fails_at(with(kHandLinear, "param in_features 1\n", "parm in_features 1\n"), 3,
                         "unknown line 'parm'"));
}

TEST_F(ParityFiles, WrongNumberOfValues) {
    EXPECT_TRUE(fails_at(with(kHandLinear, "1 2\n", "1 2 3\n"), 6, "needs 2 values, found 3"));
}

TEST_F(ParityFiles, NotANumber) {
    EXPECT_TRUE(fails_at(with(kHandLinear, "3 4\n", "3 four\n"), 12, "'four' is not a number"));
    EXPECT_TRUE(fails_at(with(kHandLinear, "3 4\n", "3 nan\n"), 12, "not a finite number"));
    EXPECT_TRUE(fails_at(with(kHandLinear, "tensor input 2 1", "tensor input 2 x"), 5, "dimension 'x'"));
}

TEST_F(ParityFiles, ValuesLineMissingAtEndOfFile) {
    EXPECT_TRUE(fails_at(std::string(kHandLinear) + "expect h_n\n", 23, "values line is missing"));
}

TEST_F(ParityFiles, MissingTensorAndParam) {
    EXPECT_TRUE(
        fails_at(with(kHandLinear, "tensor target 2 1\n3 4\n", ""), 2, "needs 'tensor target' (missing)"));
    EXPECT_TRUE(
        fails_at(with(kHandLinear, "param out_features 1\n", ""), 2, "needs 'param out_features' (missing)"));
}

TEST_F(ParityFiles, StrayOrDuplicateItems) {
    EXPECT_TRUE(fails_at(with(kHandLinear, "case linear\n", "case linear\nparam hidden 3\n"), 3,
                         "param 'hidden' is not used"));
    EXPECT_TRUE(fails_at(with(kHandLinear, "case linear\n", "case linear\ntensor h0 1\n0\n"), 3,
                         "tensor 'h0' is not used"));
    EXPECT_TRUE(fails_at(with(kHandLinear, "tensor bias 1\n1\n", "tensor bias 1\n1\ntensor bias 1\n1\n"), 11,
                         "given twice"));
    EXPECT_TRUE(
        fails_at(with(kHandLinear, "case linear\n", "case linear\ncase rnn\n"), 3, "a second 'case' line"));
}

TEST_F(ParityFiles, ShapesThatDoNotFitTheKind) {
    EXPECT_TRUE(fails_at(with(kHandLinear, "tensor weight 1 1\n2\n", "tensor weight 1 2\n2 0\n"), 7,
                         "tensor weight has shape [1, 2]"));
    EXPECT_TRUE(fails_at(with(kHandLinear, "param in_features 1", "param in_features 1.5"), 3,
                         "must be a whole number"));
    EXPECT_TRUE(fails_at(with(kHandLinear, "param in_features 1", "param in_features 1000000"), 2,
                         "parameter values but the file gives only"));
}

TEST_F(ParityFiles, UnknownOrMisshapenExpect) {
    EXPECT_TRUE(fails_at(with(kHandLinear, "expect loss\n", "expect lost\n"), 15, "'lost' is not a result"));
    EXPECT_TRUE(fails_at(with(kHandLinear, "expect loss\n0.5\n", "expect loss 1\n0.5\n"), 15,
                         "expect 'loss' has shape [1] but the case computes []"));
}

TEST_F(ParityFiles, ACaseMustExpectSomething) {
    EXPECT_TRUE(
        fails_at("case positional_encoding\nparam max_len 2\nparam d_model 2\n", 1, "expects nothing"));
}

TEST_F(ParityFiles, InitModules) {
    const std::string head = "case init\nparam seed 0\n";
    const std::string tail = "expect m.weight 1 1\n0\n";
    EXPECT_TRUE(fails_at(head + "module m Conv2d 1 1\n" + tail, 3, "unknown module type 'Conv2d'"));
    EXPECT_TRUE(
        fails_at(head + "module m Linear 1\n" + tail, 3, "module Linear takes in_features out_features"));
    EXPECT_TRUE(fails_at(head + "module m Linear 1 x\n" + tail, 3, "module argument 'x'"));
    EXPECT_TRUE(fails_at(head + "module m Linear 100000 100000\n" + tail, 3, "too large"));
    EXPECT_TRUE(
        fails_at("case positional_encoding\nparam max_len 1\nparam d_model 2\nmodule m Linear 1 1\n"
                 "expect pe 1 2\n0 1\n",
                 4, "'module' lines belong to init cases"));
}

TEST_F(ParityFiles, EmbeddingIndexOutOfRange) {
    EXPECT_TRUE(
        fails_at("case embedding\nparam num_embeddings 2\nparam embedding_dim 1\n"
                 "tensor indices 1 2\n0 2\ntensor weight 2 1\n1 2\ntensor target 1 2 1\n0 0\n"
                 "expect loss\n0\n",
                 5, "index 2.000000 (value 1) is not a whole number in [0, 2)"));
}

// ---- the command line ------------------------------------------------------------------------

TEST_F(ParityFiles, CliCountsAndExitStatus) {
    write("a_good.txt", kHandLinear);
    write("b_bad.txt", "case nope\n");
    write("README.md", "not a case");
    std::ostringstream out, err;
    EXPECT_EQ(parity::run_cli({dir_.string()}, out, err), 1);
    EXPECT_NE(out.str().find("PASS a_good (linear, max error 0)\n"), std::string::npos) << out.str();
    EXPECT_NE(out.str().find("FAIL b_bad: "), std::string::npos) << out.str();
    EXPECT_NE(out.str().find("1 passed, 1 failed\n"), std::string::npos) << out.str();

    std::ostringstream out2, err2;
    EXPECT_EQ(parity::run_cli({(dir_ / "a_good.txt").string()}, out2, err2), 0);  // one file
    EXPECT_NE(out2.str().find("1 passed, 0 failed"), std::string::npos);
}

TEST_F(ParityFiles, CliRefusesMissingOrEmptyDirectories) {
    std::ostringstream out, err;
    EXPECT_EQ(parity::run_cli({(dir_ / "nowhere").string()}, out, err), 2);
    EXPECT_NE(err.str().find("does not exist"), std::string::npos) << err.str();
    std::ostringstream out2, err2;
    EXPECT_EQ(parity::run_cli({dir_.string()}, out2, err2), 2);
    EXPECT_NE(err2.str().find("no case files"), std::string::npos) << err2.str();
    std::ostringstream out3, err3;
    EXPECT_EQ(parity::run_cli({}, out3, err3), 2);
}
