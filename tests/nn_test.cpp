// nn_test.cpp — Module, Linear, RNN, Embedding, mse_loss and positional_encoding.
//
// Teaches: each layer is checked three ways — a forward value worked out by hand, its gradient
// against central differences (gradcheck), and its error message for a wrong shape. The numbers
// PyTorch computed are in the parity cases (parity_test.cpp).
#include <gtest/gtest.h>

#include <cmath>

#include "ag/ag.h"
#include "core_test_util.h"

using ag::Tensor;
using core_test::contains_all;
using core_test::grad_ok;
using core_test::message_of;
using core_test::rand_tensor;
using V = std::vector<Tensor>;

namespace {

// Copies `values` into a parameter (shapes must agree): tests set weights by hand.
void set(Tensor& p, const std::vector<float>& values) {
    ASSERT_EQ(p.values().size(), values.size());
    p.mutable_values() = values;
}

// gradcheck hands f fresh leaves; these point a module's parameters at them (in PyTorch's order,
// starting at in[first]), so that the gradient the check reads is the module's.
void use_inputs(ag::nn::Linear& m, const V& in, size_t first) {
    m.weight = in[first];
    if (m.bias.defined()) m.bias = in[first + 1];
}
void use_inputs(ag::nn::RNN& m, const V& in, size_t first) {
    for (size_t k = 0; k < m.weight_ih.size(); ++k) {
        m.weight_ih[k] = in[first + 4 * k];
        m.weight_hh[k] = in[first + 4 * k + 1];
        m.bias_ih[k] = in[first + 4 * k + 2];
        m.bias_hh[k] = in[first + 4 * k + 3];
    }
}
void use_inputs(ag::nn::Embedding& m, const V& in, size_t first) { m.weight = in[first]; }

}  // namespace

// ---- Module ----------------------------------------------------------------------------------

struct TwoLayer : ag::nn::Module {
    ag::nn::RNN rnn{1, 3, 2};
    ag::nn::Linear dense{3, 1};
    TwoLayer() {
        register_module("rnn", rnn);
        register_module("dense", dense);
    }
};

TEST(Module, NamedParametersFollowPyTorchsNamesAndOrder) {
    TwoLayer m;
    std::vector<std::string> names;
    for (auto& [n, p] : m.named_parameters()) {
        names.push_back(n);
        EXPECT_TRUE(p.requires_grad()) << n;
        EXPECT_TRUE(p.is_leaf()) << n;
    }
    EXPECT_EQ(names,
              (std::vector<std::string>{"rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0",
                                        "rnn.bias_hh_l0", "rnn.weight_ih_l1", "rnn.weight_hh_l1",
                                        "rnn.bias_ih_l1", "rnn.bias_hh_l1", "dense.weight", "dense.bias"}));
    EXPECT_EQ(m.parameters().size(), 10u);
    EXPECT_EQ(m.parameters()[0].shape(), (ag::Shape{3, 1}));
    EXPECT_EQ(m.parameters()[4].shape(), (ag::Shape{3, 3}));  // layer 1 reads hidden_size features
}

TEST(Module, ParametersShareStorageWithTheMembers) {
    ag::nn::Linear lin(2, 2);
    lin.parameters()[0].mutable_values()[0] = 42.0f;  // an optimizer writes through parameters()
    EXPECT_EQ(lin.weight.values()[0], 42.0f);
}

TEST(Module, ZeroGradZeroesEveryParameter) {
    TwoLayer m;
    Tensor x = rand_tensor({2, 4, 1}, 3, -1, 1, false);
    auto [out, h] = m.rnn.forward(x);
    ag::sum(m.dense.forward(out)).backward();
    for (auto& p : m.parameters()) ASSERT_TRUE(p.has_grad());
    m.zero_grad();
    for (auto& [n, p] : m.named_parameters()) {
        Tensor g = p.grad();  // a copy: keep it alive while reading its values
        for (float v : g.values()) EXPECT_EQ(v, 0.0f) << n;
    }
}

// ---- Linear ----------------------------------------------------------------------------------

TEST(Linear, ForwardIsXTimesWTransposedPlusB) {
    ag::nn::Linear lin(2, 3);
    set(lin.weight, {1, 2, 3, 4, 5, 6});  // rows: (1, 2), (3, 4), (5, 6)
    set(lin.bias, {0.5f, -1, 0});
    Tensor y = lin.forward(Tensor({1, -1, 2, 0.5f}, {2, 2}));
    // [1, −1]: 1−2+0.5, 3−4−1, 5−6 ; [2, 0.5]: 2+1+0.5, 6+2−1, 10+3
    EXPECT_EQ(y.shape(), (ag::Shape{2, 3}));
    EXPECT_EQ(y.values(), (std::vector<float>{-0.5f, -2, -1, 3.5f, 7, 13}));
}

TEST(Linear, WithoutBiasHasOneParameter) {
    ag::nn::Linear lin(2, 1, false);
    EXPECT_FALSE(lin.bias.defined());
    ASSERT_EQ(lin.named_parameters().size(), 1u);
    EXPECT_EQ(lin.named_parameters()[0].first, "weight");
    set(lin.weight, {2, 3});
    EXPECT_EQ(lin.forward(Tensor({1, 1}, {1, 2})).item(), 5.0f);
}

TEST(Linear, GradcheckOn2DAnd3DInput) {
    for (ag::Shape xs : {ag::Shape{4, 3}, ag::Shape{2, 5, 3}}) {
        SCOPED_TRACE(ag::shape_str(xs));
        ag::nn::Linear lin(3, 2);
        EXPECT_TRUE(grad_ok(
            [&lin](const V& in) {
                use_inputs(lin, in, 1);
                return lin.forward(in[0]);
            },
            {rand_tensor(xs, 1), rand_tensor({2, 3}, 2), rand_tensor({2}, 3)}));
    }
}

TEST(Linear, WrongInputSizeNamesTheLayerAndShape) {
    ag::nn::Linear lin(4, 2);
    std::string m = message_of<std::invalid_argument>([&] { lin.forward(Tensor::zeros({3, 5})); });
    EXPECT_TRUE(contains_all(m, {"Linear(4, 2)", "[3, 5]", "[..., 4]"}));
}

// ---- RNN -------------------------------------------------------------------------------------

TEST(RNN, OneUnitByHand) {
    ag::nn::RNN rnn(1, 1);
    set(rnn.weight_ih[0], {0.5f});
    set(rnn.weight_hh[0], {-1.0f});
    set(rnn.bias_ih[0], {0.1f});
    set(rnn.bias_hh[0], {0.2f});
    auto [out, h_n] = rnn.forward(Tensor({1, 2}, {1, 2, 1}));
    float h1 = std::tanh(0.5f * 1 + 0.1f + 0.2f);       // h0 = 0
    float h2 = std::tanh(0.5f * 2 + 0.1f - h1 + 0.2f);  // W_hh = −1
    ASSERT_EQ(out.shape(), (ag::Shape{1, 2, 1}));
    EXPECT_NEAR(out.values()[0], h1, 1e-6);
    EXPECT_NEAR(out.values()[1], h2, 1e-6);
    EXPECT_EQ(h_n.shape(), (ag::Shape{1, 1, 1}));
    EXPECT_EQ(h_n.item(), out.values()[1]);
}

TEST(RNN, NonlinearitiesByHand) {
    for (auto [nl, f] : {std::pair<ag::nn::Nonlinearity, float (*)(float)>{
                             ag::nn::Nonlinearity::ReLU, [](float z) { return z > 0 ? z : 0.0f; }},
                         {ag::nn::Nonlinearity::Identity, [](float z) { return z; }}}) {
        ag::nn::RNN rnn(1, 1, 1, nl);
        set(rnn.weight_ih[0], {1.0f});
        set(rnn.weight_hh[0], {2.0f});
        set(rnn.bias_ih[0], {0.0f});
        set(rnn.bias_hh[0], {-0.5f});
        auto [out, h_n] = rnn.forward(Tensor({1, -3, 1}, {1, 3, 1}));
        float h1 = f(1 - 0.5f), h2 = f(-3 + 2 * h1 - 0.5f), h3 = f(1 + 2 * h2 - 0.5f);
        EXPECT_EQ(out.values(), (std::vector<float>{h1, h2, h3}));
    }
}

TEST(RNN, StepsAreTheOutputAndTheirGradientsAreReachable) {
    ag::manual_seed(2);
    ag::nn::RNN rnn(2, 3, 2);
    Tensor x = rand_tensor({2, 4, 2}, 5, -1, 1, false);
    ag::nn::RNNSteps s = rnn.forward_steps(x);
    ASSERT_EQ(s.hidden.size(), 2u);
    ASSERT_EQ(s.hidden[1].size(), 4u);
    for (int64_t t = 0; t < 4; ++t)
        EXPECT_EQ(ag::select(s.output, 1, t).values(), s.hidden[1][t].values()) << t;
    EXPECT_EQ(ag::select(s.h_n, 0, 0).values(), s.hidden[0][3].values());
    EXPECT_EQ(ag::select(s.h_n, 0, 1).values(), s.hidden[1][3].values());
    // ∂L/∂h_t for L = Σ output: at the last step only the output itself depends on h_t.
    for (auto& h : s.hidden[1]) h.retain_grad();
    ag::sum(s.output).backward();
    Tensor g_last = s.hidden[1][3].grad();
    for (float g : g_last.values()) EXPECT_FLOAT_EQ(g, 1.0f);
    ASSERT_TRUE(s.hidden[1][0].has_grad());  // earlier steps collect more than the direct 1
}

TEST(RNN, ForwardEqualsForwardSteps) {
    ag::nn::RNN rnn(3, 2);
    Tensor x = rand_tensor({1, 5, 3}, 8, -1, 1, false);
    auto [out, h_n] = rnn.forward(x);
    ag::nn::RNNSteps s = rnn.forward_steps(x);
    EXPECT_EQ(out.values(), s.output.values());
    EXPECT_EQ(h_n.values(), s.h_n.values());
}

// gradcheck over (x, [h0,] every parameter) for 1 and 2 layers, with and without h0, tanh and relu.
TEST(RNN, Gradcheck) {
    for (auto nl : {ag::nn::Nonlinearity::Tanh, ag::nn::Nonlinearity::ReLU})
        for (int64_t layers : {1, 2})
            for (bool with_h0 : {false, true}) {
                SCOPED_TRACE(std::string(nl == ag::nn::Nonlinearity::Tanh ? "tanh" : "relu") +
                             " layers=" + std::to_string(layers) + (with_h0 ? " h0" : ""));
                ag::manual_seed(static_cast<uint64_t>(layers));
                ag::nn::RNN rnn(2, 3, layers, nl);
                V in{rand_tensor({2, 3, 2}, 20)};
                if (with_h0) in.push_back(rand_tensor({layers, 2, 3}, 21));
                const size_t first = in.size();
                uint32_t seed = 30;
                for (auto& p : rnn.parameters()) in.push_back(rand_tensor(p.shape(), seed++, -0.8f, 0.8f));
                EXPECT_TRUE(grad_ok(
                    [&rnn, with_h0, first](const V& v) {
                        use_inputs(rnn, v, first);
                        auto [out, h_n] = rnn.forward(v[0], with_h0 ? v[1] : Tensor());
                        return ag::cat({ag::reshape(out, {-1}), ag::reshape(h_n, {-1})}, 0);
                    },
                    in));
            }
}

TEST(RNN, WrongShapesNameTheModuleAndTheShapes) {
    ag::nn::RNN rnn(1, 10);
    std::string m = message_of<std::invalid_argument>([&] { rnn.forward(Tensor::zeros({1, 20})); });
    EXPECT_TRUE(contains_all(m, {"RNN", "input of shape [1, 20] must be [batch, length, 1]"}));
    m = message_of<std::invalid_argument>([&] { rnn.forward(Tensor::zeros({1, 20, 2})); });
    EXPECT_TRUE(contains_all(m, {"RNN", "[1, 20, 2]", "[batch, length, 1]"}));
    m = message_of<std::invalid_argument>([&] {
        rnn.forward(Tensor::zeros({2, 5, 1}), Tensor::zeros({1, 3, 10}));
    });
    EXPECT_TRUE(contains_all(m, {"RNN", "h0 of shape [1, 3, 10]", "[1, 2, 10]"}));
    m = message_of<std::invalid_argument>([&] { rnn.forward(Tensor::zeros({2, 0, 1})); });
    EXPECT_TRUE(contains_all(m, {"RNN", "[2, 0, 1]", "no time steps"}));
}

// ---- Embedding -------------------------------------------------------------------------------

TEST(Embedding, PicksRows) {
    ag::nn::Embedding emb(3, 2);
    set(emb.weight, {0, 1, 10, 11, 20, 21});
    Tensor out = emb.forward(Tensor({2, 0, 2}, {1, 3}));
    EXPECT_EQ(out.shape(), (ag::Shape{1, 3, 2}));
    EXPECT_EQ(out.values(), (std::vector<float>{20, 21, 0, 1, 20, 21}));
}

TEST(Embedding, RepeatedIndexAccumulatesIntoItsRow) {
    ag::nn::Embedding emb(4, 2);
    ag::sum(emb.forward(Tensor({1, 3, 1, 1}, {2, 2}))).backward();
    // row 1 picked three times, row 3 once, rows 0 and 2 never
    EXPECT_EQ(emb.weight.grad().values(), (std::vector<float>{0, 0, 3, 3, 0, 0, 1, 1}));
}

TEST(Embedding, GradcheckWithRepeatedIndices) {
    ag::nn::Embedding emb(5, 3);
    Tensor indices({4, 1, 4, 0, 4, 2}, {2, 3});  // no grad: passed through unchanged
    EXPECT_TRUE(grad_ok(
        [&emb](const V& v) {
            use_inputs(emb, v, 1);
            Tensor out = emb.forward(v[0]);
            return out * out;  // nonlinear, so the check sees each row's value
        },
        {indices, rand_tensor({5, 3}, 4)}));
}

TEST(Embedding, IndexOutOfRangeNamesTheIndexAndTheTableSize) {
    ag::nn::Embedding emb(9, 8);
    std::string m = message_of<std::out_of_range>([&] { emb.forward(Tensor({1, 9}, {1, 2})); });
    EXPECT_TRUE(contains_all(m, {"Embedding(9, 8)", "index 9", "9 rows"}));
    m = message_of<std::invalid_argument>([&] { emb.forward(Tensor({1.5f}, {1})); });
    EXPECT_TRUE(contains_all(m, {"Embedding(9, 8)", "not a whole number"}));
}

// ---- mse_loss --------------------------------------------------------------------------------

TEST(MSELoss, MeanOfSquaredDifferences) {
    Tensor a({1, 2, 3, 4}, {2, 2}), b({1, 0, 3, 1}, {2, 2});
    EXPECT_FLOAT_EQ(ag::nn::mse_loss(a, b).item(), (0 + 4 + 0 + 9) / 4.0f);
    EXPECT_EQ(ag::nn::mse_loss(a, b).shape(), ag::Shape{});
    ag::nn::MSELoss loss;
    EXPECT_FLOAT_EQ(loss(a, b).item(), 13.0f / 4.0f);
}

TEST(MSELoss, GradientIsTwiceTheDifferenceOverN) {
    Tensor a({1, 2, 3}, {3}, true), b({0, 2, 5}, {3}, true);
    ag::nn::mse_loss(a, b).backward();
    // d/da = 2(a − b)/3, d/db = −2(a − b)/3
    EXPECT_EQ(a.grad().values(), (std::vector<float>{2.0f / 3, 0, -4.0f / 3}));
    EXPECT_EQ(b.grad().values(), (std::vector<float>{-2.0f / 3, 0, 4.0f / 3}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::nn::mse_loss(v[0], v[1]); },
                        {rand_tensor({2, 3, 2}, 6), rand_tensor({2, 3, 2}, 7)}));
}

TEST(MSELoss, RefusesToBroadcast) {
    std::string m = message_of<std::invalid_argument>([] {
        ag::nn::mse_loss(Tensor::zeros({1, 20, 1}), Tensor::zeros({1, 20}));
    });
    EXPECT_TRUE(contains_all(m, {"mse_loss", "[1, 20, 1]", "[1, 20]"}));
}

// ---- positional_encoding ---------------------------------------------------------------------

TEST(PositionalEncoding, SinesAndCosinesByHand) {
    Tensor pe = ag::positional_encoding(3, 4);
    EXPECT_EQ(pe.shape(), (ag::Shape{3, 4}));
    EXPECT_EQ(pe.requires_grad(), false);
    // pos 0: sin 0 = 0, cos 0 = 1
    EXPECT_EQ(pe.at({0, 0}), 0.0f);
    EXPECT_EQ(pe.at({0, 1}), 1.0f);
    // pos 2, i = 0: angle 2; i = 1: angle 2 / 10000^(2/4) = 0.02
    EXPECT_NEAR(pe.at({2, 0}), 0.909297427f, 1e-7);
    EXPECT_NEAR(pe.at({2, 1}), -0.416146837f, 1e-7);
    EXPECT_NEAR(pe.at({2, 2}), 0.0199986667f, 1e-9);
    EXPECT_NEAR(pe.at({2, 3}), 0.999800007f, 1e-7);
}

TEST(PositionalEncoding, OddWidthEndsWithASine) {
    Tensor pe = ag::nn::positional_encoding(2, 3);
    EXPECT_EQ(pe.shape(), (ag::Shape{2, 3}));
    // column 2 = sin(1 / 10000^(2/3)) = sin(0.0021544347)
    EXPECT_NEAR(pe.at({1, 2}), 0.0021544330f, 1e-9);
    std::string m = message_of<std::invalid_argument>([] { ag::positional_encoding(0, 4); });
    EXPECT_TRUE(contains_all(m, {"positional_encoding", "max_len"}));
}
