// random_test.cpp — the seeded generator reproduces PyTorch's numbers.
//
// Teaches: the golden values here are PyTorch's own outputs (torch.rand / torch.randn after
// torch.manual_seed, printed to 4 decimals as PyTorch prints them, and the init parity case to 9
// digits), and the raw draws are checked against std::mt19937 itself.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "ag/ag.h"
#include "parity_runner/parity.h"

namespace {

void expect_4_decimals(const ag::Tensor& t, const std::vector<float>& want) {
    ASSERT_EQ(t.values().size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(t.values()[i], want[i], 0.5e-4) << "index " << i;
}

}  // namespace

// ---- raw draws -----------------------------------------------------------------------------------

TEST(Random, DrawsAreTheMersenneTwistersOutputs) {
    ag::Generator g(0);
    EXPECT_EQ(g.random(), 2357136044u);  // std::mt19937 seeded with 0: first output
    EXPECT_EQ(g.random(), 2546248239u);
    std::mt19937 ref(0);
    ref();
    ref();
    uint64_t hi = ref(), lo = ref();
    EXPECT_EQ(g.random64(), (hi << 32) | lo);  // 64 bits = first draw high, second low
}

TEST(Random, UniformUsesTheLow24BitsOfOneDraw) {
    ag::Generator g(0);
    // 2357136044 & 0xFFFFFF = 8325804; 8325804 / 2^24 = 0.49625658988952637 (exact in float)
    EXPECT_EQ(g.uniform(0.0f, 1.0f), 8325804.0f / 16777216.0f);
    // second draw 2546248239 & 0xFFFFFF = 12888623 -> u = 0.768222332 (torch.rand's 0.7682);
    // then u·(3 − (−1)) + (−1) in float
    float u = 12888623.0f / 16777216.0f;
    EXPECT_EQ(g.uniform(-1.0f, 3.0f), u * 4.0f + -1.0f);
}

TEST(Random, DefaultSeedIsPyTorchs) {
    ag::Generator a, b(67280421310721ull);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(a.random(), b.random());
}

TEST(Random, ManualSeedRestartsTheStreamAndForgetsTheCachedNormal) {
    ag::Generator g(7);
    g.normal_double();  // caches the pair's second value
    g.manual_seed(7);
    ag::Generator fresh(7);
    EXPECT_EQ(g.normal_double(), fresh.normal_double());
    EXPECT_EQ(g.random(), fresh.random());
}

TEST(Random, DoubleNormalsComeInPairsFromTwo64BitDraws) {
    ag::Generator g(3), counter(3);
    double first = g.normal_double();
    double second = g.normal_double();             // cached: no new draws
    for (int i = 0; i < 4; ++i) counter.random();  // a pair costs two 64-bit draws = four 32-bit
    EXPECT_EQ(g.random(), counter.random());
    EXPECT_TRUE(std::isfinite(first) && std::isfinite(second));
    EXPECT_NE(first, second);
}

// ---- PyTorch's printed outputs -------------------------------------------------------------------

TEST(Random, RandMatchesTorchRandAfterManualSeed) {
    ag::manual_seed(0);  // torch.manual_seed(0); torch.rand(2, 3)
    expect_4_decimals(ag::rand_uniform({2, 3}, 0.0f, 1.0f),
                      {0.4963f, 0.7682f, 0.0885f, 0.1320f, 0.3074f, 0.6341f});
    ag::manual_seed(42);  // torch.manual_seed(42); torch.rand(3)
    expect_4_decimals(ag::rand_uniform({3}, 0.0f, 1.0f), {0.8823f, 0.9150f, 0.3829f});
}

TEST(Random, RandnOfFewValuesUsesTheDoubleBoxMuller) {
    ag::manual_seed(0);  // torch.manual_seed(0); torch.randn(2, 3)  (6 < 16 values)
    expect_4_decimals(ag::randn({2, 3}), {1.5410f, -0.2934f, -2.1788f, 0.5684f, -1.0845f, -1.3986f});
    ag::manual_seed(42);  // torch.manual_seed(42); torch.randn(3)
    expect_4_decimals(ag::randn({3}), {0.3367f, 0.1288f, 0.2345f});
}

TEST(Random, RandnOfSixteenValuesUsesTheFloatBlocks) {
    ag::manual_seed(0);  // torch.manual_seed(0); torch.randn(4, 4)
    expect_4_decimals(ag::randn({4, 4}),
                      {-1.1258f, -1.1524f, -0.2506f, -0.4339f, 0.8487f, 0.6920f, -0.3160f, -2.1152f, 0.3223f,
                       -1.2633f, 0.3500f, 0.3081f, 0.1198f, 1.2377f, 1.1168f, -0.2473f});
}

TEST(Random, NormalAppliesMeanAndStd) {
    ag::Tensor a = ag::Tensor::zeros({20}), b = ag::Tensor::zeros({20});
    ag::Generator g1(5), g2(5);
    ag::normal_(a, 0.0f, 1.0f, g1);
    ag::normal_(b, 3.0f, 0.5f, g2);
    for (size_t i = 0; i < 20; ++i) EXPECT_NEAR(b.values()[i], a.values()[i] * 0.5f + 3.0f, 1e-6) << i;
}

// ---- default initialisation, to the bit -------------------------------------------------------

// After manual_seed(0): RNN(1, 10), Linear(10, 1), Embedding(9, 8) hold PyTorch's initial values
// exactly (the expected decimals are 9 digits: the float nearest each is the float PyTorch held).
TEST(Random, NotebookModelsInitialiseExactlyAsPyTorch) {
    parity::Case c = parity::parse_case_file("tests/parity/init_notebook_models.txt");
    ag::manual_seed(0);
    ag::nn::RNN rnn(1, 10);
    ag::nn::Linear dense(10, 1);
    ag::nn::Embedding embedding(9, 8);
    std::map<std::string, ag::Tensor> got;
    for (auto& [n, p] : rnn.named_parameters()) got["rnn." + n] = p;
    for (auto& [n, p] : dense.named_parameters()) got["dense." + n] = p;
    for (auto& [n, p] : embedding.named_parameters()) got["embedding." + n] = p;
    ASSERT_EQ(c.expects.size(), got.size());
    for (const auto& [name, want] : c.expects) {
        ASSERT_TRUE(got.count(name)) << name;
        const std::vector<float>& v = got[name].values();
        ASSERT_EQ(v.size(), want.values.size()) << name;
        for (size_t i = 0; i < v.size(); ++i)
            EXPECT_EQ(v[i], static_cast<float>(want.values[i])) << name << " index " << i;
    }
    // A few of those numbers spelled out (from the case file).
    EXPECT_EQ(rnn.weight_ih[0].values()[0], -0.0023675405f);
    EXPECT_EQ(dense.bias.values()[0], 0.299545556f);
    EXPECT_EQ(embedding.weight.values()[0], 1.36938095f);
}

TEST(Random, LinearWeightBoundIsOneOverSqrtFanIn) {
    ag::manual_seed(1);
    ag::nn::Linear lin(16, 300);
    for (float w : lin.weight.values()) EXPECT_LE(std::fabs(w), 0.25f);  // 1/√16
    ag::Generator same(1);
    // The weight is the first 4800 uniform draws in [−b, b), b = √3·√(2/6)/√16 rounded to float.
    const float b = static_cast<float>(std::sqrt(3.0) * (std::sqrt(2.0 / 6.0) / 4.0));
    EXPECT_EQ(lin.weight.values()[0], same.uniform(-b, b));
}

TEST(Random, ModulesDrawInConstructionOrder) {
    ag::manual_seed(11);
    ag::nn::Linear a(3, 2);
    ag::nn::Linear b(3, 2);
    ag::manual_seed(11);
    ag::nn::Linear a2(3, 2);
    EXPECT_EQ(a.weight.values(), a2.weight.values());
    EXPECT_NE(a.weight.values(), b.weight.values());
}
