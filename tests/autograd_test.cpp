// autograd_test.cpp — the graph engine itself: reuse, backward semantics, deep graphs, memory.
//
// Teaches: the places hand-written engines go wrong — a value used twice must receive both
// gradients; a freed graph cannot be walked twice; a million-op chain must not overflow the stack
// going forwards, backwards or when it is destroyed; and nothing may keep the graph alive.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <stdexcept>

#include "ag/ag.h"
#include "ag/gradcheck.h"
#include "core_test_util.h"

using ag::Node;
using ag::Shape;
using ag::Tensor;
using core_test::contains_all;
using core_test::grad_ok;
using core_test::message_of;
using core_test::near_all;
using core_test::rand_tensor;
using V = std::vector<Tensor>;

// ---- reuse: one tensor feeding several ops ---------------------------------------------------

TEST(Reuse, APlusAHasGradientTwo) {
    Tensor a({1, -2, 3}, {3}, true);
    ag::sum(a + a).backward();
    EXPECT_EQ(a.grad().values(), (std::vector<float>{2, 2, 2}));
    EXPECT_TRUE(grad_ok([](const V& v) { return v[0] + v[0]; }, {rand_tensor({2, 3}, 1)}));
}

TEST(Reuse, XTimesXHasGradientTwoX) {
    Tensor x({1, -2, 3}, {3}, true);
    ag::sum(x * x).backward();
    EXPECT_EQ(x.grad().values(), (std::vector<float>{2, -4, 6}));
    EXPECT_TRUE(grad_ok([](const V& v) { return v[0] * v[0]; }, {rand_tensor({2, 3}, 2)}));
    EXPECT_TRUE(grad_ok([](const V& v) { return v[0] / v[0]; }, {rand_tensor({4}, 3, 0.5f, 2.0f)}));
    EXPECT_TRUE(grad_ok([](const V& v) { return v[0] - v[0] * 3.0f; }, {rand_tensor({4}, 4)}));
}

TEST(Reuse, Diamond) {
    // b = exp(a), c = sin(a), d = b·c:  dd/da = exp(a)·sin(a) + exp(a)·cos(a)
    std::vector<float> av = {0.5f, -1.0f, 2.0f};
    Tensor a(av, {3}, true);
    Tensor b = ag::exp(a);
    Tensor c = ag::sin(a);
    ag::sum(b * c).backward();
    for (size_t i = 0; i < av.size(); ++i) {
        double want = std::exp(av[i]) * (std::sin(av[i]) + std::cos(av[i]));
        EXPECT_NEAR(a.grad().values()[i], want, 1e-5) << "index " << i;
    }
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::exp(v[0]) * ag::sin(v[0]); }, {rand_tensor({2, 3}, 5)}));
}

TEST(Reuse, DiamondThroughAnIntermediate) {
    // h = 2a; y = h·h + h:  dy/da = (2h + 1)·2
    Tensor a({1, -0.5f}, {2}, true);
    Tensor h = a * 2.0f;
    ag::sum(h * h + h).backward();
    EXPECT_EQ(a.grad().values(), (std::vector<float>{10, -2}));
    EXPECT_TRUE(grad_ok(
        [](const V& v) {
            Tensor h = ag::tanh(v[0]);
            return h * h + h;
        },
        {rand_tensor({2, 3}, 6)}));
}

TEST(Reuse, OneTensorUsedByThreeOps) {
    // L = Σ (3x + x² + sin x):  dL/dx = 3 + 2x + cos x
    std::vector<float> xv = {0.25f, -1.5f, 2.0f, 0.0f};
    Tensor x(xv, {4}, true);
    Tensor y1 = x * 3.0f;
    Tensor y2 = ag::square(x);
    Tensor y3 = ag::sin(x);
    ag::sum(y1 + y2 + y3).backward();
    for (size_t i = 0; i < xv.size(); ++i)
        EXPECT_NEAR(x.grad().values()[i], 3.0 + 2.0 * xv[i] + std::cos(xv[i]), 1e-5) << "index " << i;
    EXPECT_TRUE(grad_ok([](const V& v) { return v[0] * 3.0f + ag::square(v[0]) + ag::sin(v[0]); },
                        {rand_tensor({2, 3}, 7)}));
}

TEST(Reuse, AUseNearTheLossWaitsForAUseFarFromIt) {
    // h = 2a is used by the loss directly and through a chain of five ops, so the walk reaches it
    // first from the short path; its backward must still wait for the long one.
    // L = Σ (h + c), c = (((h·3)·3)·3)·3·3 = 243h:  dL/da = (1 + 243)·2 = 488
    Tensor a({1.0f, -2.0f}, {2}, true);
    Tensor h = a * 2.0f;
    Tensor c = h;
    for (int i = 0; i < 5; ++i) c = c * 3.0f;
    ag::sum(h + c).backward();
    EXPECT_EQ(a.grad().values(), (std::vector<float>{488, 488}));
    EXPECT_TRUE(grad_ok(
        [](const V& v) {
            Tensor h = ag::tanh(v[0]);
            Tensor c = h;
            for (int i = 0; i < 5; ++i) c = ag::sin(c) * 1.5f;
            return h * c + h;
        },
        {rand_tensor({2, 3}, 9)}));
}

TEST(Reuse, BroadcastAgainstItself) {
    // x [3] + x viewed as [3, 1] -> [3, 3]: each x_i is read 3 times as a row and 3 times as a column
    Tensor x({1, 2, 3}, {3}, true);
    ag::sum(x + ag::reshape(x, {3, 1})).backward();
    EXPECT_EQ(x.grad().values(), (std::vector<float>{6, 6, 6}));
    EXPECT_TRUE(grad_ok([](const V& v) { return v[0] * ag::reshape(v[0], {3, 1}); }, {rand_tensor({3}, 8)}));
}

// ---- backward() semantics --------------------------------------------------------------------

TEST(Backward, NonScalarWithoutGradOutputThrowsNamingTheShape) {
    Tensor x = rand_tensor({2, 3}, 1);
    Tensor y = x * 2.0f;
    EXPECT_THROW(y.backward(), std::logic_error);
    EXPECT_TRUE(contains_all(message_of<std::logic_error>([&] { y.backward(); }), {"[2, 3]", "grad_output"}));
}

TEST(Backward, ExplicitGradOutput) {
    Tensor x({1, 2, 3}, {3}, true);
    Tensor y = x * x;
    y.backward(Tensor({1, 0.5f, -1}, {3}));
    EXPECT_EQ(x.grad().values(), (std::vector<float>{2, 2, -6}));  // 2x · grad_output
}

TEST(Backward, GradOutputOfWrongShapeThrows) {
    Tensor x = rand_tensor({2, 3}, 1);
    Tensor y = x * 2.0f;
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { y.backward(Tensor::ones({3, 2})); }),
                             {"[3, 2]", "[2, 3]"}));
}

TEST(Backward, LeafGradientsAccumulateUntilZeroGrad) {
    Tensor x({1, 2}, {2}, true);
    EXPECT_FALSE(x.has_grad());
    EXPECT_FALSE(x.grad().defined());
    ag::sum(x * 3.0f).backward();
    EXPECT_EQ(x.grad().values(), (std::vector<float>{3, 3}));
    ag::sum(x * x).backward();  // a second, fresh graph: adds 2x
    EXPECT_EQ(x.grad().values(), (std::vector<float>{5, 7}));
    x.zero_grad();
    EXPECT_EQ(x.grad().values(), (std::vector<float>{0, 0}));
    ag::sum(x * 3.0f).backward();
    EXPECT_EQ(x.grad().values(), (std::vector<float>{3, 3}));
}

TEST(Backward, SecondBackwardThroughFreedGraphThrows) {
    Tensor x({1, 2}, {2}, true);
    Tensor loss = ag::sum(ag::tanh(x) * 2.0f);
    loss.backward();
    EXPECT_THROW(loss.backward(), std::logic_error);
    EXPECT_TRUE(contains_all(message_of<std::logic_error>([&] { loss.backward(); }), {"retain_graph"}));
}

TEST(Backward, FreedIntermediateIsDetectedFromANewRoot) {
    // h is shared by two losses; the first backward frees the graph behind h.
    Tensor x({1, 2}, {2}, true);
    Tensor h = ag::tanh(x);
    Tensor l1 = ag::sum(h);
    Tensor l2 = ag::sum(h * 2.0f);
    l1.backward();
    EXPECT_TRUE(contains_all(message_of<std::logic_error>([&] { l2.backward(); }), {"tanh", "retain_graph"}));
}

TEST(Backward, RetainGraphAllowsASecondPassAndGradientsDouble) {
    Tensor x({0.5f, -1}, {2}, true);
    Tensor loss = ag::sum(ag::tanh(x) * x);
    loss.backward(true);
    std::vector<float> once = x.grad().values();
    loss.backward(true);
    EXPECT_TRUE(near_all(x.grad().values(), {2 * once[0], 2 * once[1]}, 1e-6f));
    loss.backward();  // the third, without retain_graph, frees it
    EXPECT_TRUE(near_all(x.grad().values(), {3 * once[0], 3 * once[1]}, 1e-6f));
    EXPECT_THROW(loss.backward(), std::logic_error);
}

TEST(Backward, RetainGradKeepsANonLeafGradient) {
    // h = 2x, q = h·h, L = Σ q:  dL/dh = 2h, dL/dx = 4h
    Tensor x({1, -3}, {2}, true);
    Tensor h = x * 2.0f;
    h.retain_grad();
    Tensor q = h * h;
    ag::sum(q).backward();
    ASSERT_TRUE(h.has_grad());
    EXPECT_EQ(h.grad().values(), (std::vector<float>{4, -12}));
    EXPECT_FALSE(q.has_grad());  // not retained: freed after backward, like PyTorch
    EXPECT_FALSE(q.grad().defined());
    EXPECT_EQ(x.grad().values(), (std::vector<float>{8, -24}));
    EXPECT_FALSE(h.is_leaf());
}

TEST(Backward, RetainGradWithRetainGraphDoesNotResendTheOldGradient) {
    // Same graph, two passes: h.grad accumulates (4, 8 per element), but what flows to x in the
    // second pass must be this pass's dL/dh only — x.grad doubles, it does not triple.
    Tensor x({1, -3}, {2}, true);
    Tensor h = x * 2.0f;
    h.retain_grad();
    Tensor loss = ag::sum(h * h);
    loss.backward(true);
    loss.backward(true);
    EXPECT_EQ(h.grad().values(), (std::vector<float>{8, -24}));
    EXPECT_EQ(x.grad().values(), (std::vector<float>{16, -48}));
}

TEST(Backward, RetainGradOnTheRoot) {
    Tensor x({1, 2}, {2}, true);
    Tensor y = x * 3.0f;
    y.retain_grad();
    y.backward(Tensor({1, 1}, {2}), true);
    y.backward(Tensor({1, 1}, {2}));
    EXPECT_EQ(y.grad().values(), (std::vector<float>{2, 2}));
    EXPECT_EQ(x.grad().values(), (std::vector<float>{6, 6}));
}

TEST(Backward, OnALeafItself) {
    Tensor x = Tensor::scalar(2.0f, true);
    x.backward();
    EXPECT_EQ(x.grad().item(), 1.0f);
}

TEST(Backward, OnATensorThatDoesNotRequireGradThrows) {
    Tensor x({1, 2}, {2});
    Tensor y = ag::sum(x * 2.0f);
    EXPECT_FALSE(y.requires_grad());
    EXPECT_THROW(y.backward(), std::logic_error);
    EXPECT_TRUE(contains_all(message_of<std::logic_error>([&] { y.backward(); }), {"does not require grad"}));
}

TEST(Backward, InputsWithoutRequiresGradGetNoGradient) {
    Tensor x({1, 2}, {2}, true), c({3, 4}, {2});
    ag::sum(x * c).backward();
    EXPECT_EQ(x.grad().values(), (std::vector<float>{3, 4}));
    EXPECT_FALSE(c.has_grad());
}

TEST(Backward, SetRequiresGradOnNonLeafThrows) {
    Tensor x({1, 2}, {2}, true);
    Tensor y = x * 2.0f;
    EXPECT_THROW(y.set_requires_grad(false), std::logic_error);
    EXPECT_TRUE(contains_all(message_of<std::logic_error>([&] { y.set_requires_grad(true); }), {"mul_scalar", "detach"}));
    Tensor leaf({1}, {1});
    leaf.set_requires_grad(true);
    EXPECT_TRUE(leaf.requires_grad());
}

TEST(Backward, RetainGradOnTensorWithoutGradThrows) {
    Tensor c({1}, {1});
    EXPECT_THROW(c.retain_grad(), std::logic_error);
}

// ---- no-grad and detach ----------------------------------------------------------------------

TEST(NoGrad, ResultsDoNotRequireGradAndNestingRestores) {
    Tensor x({1, 2}, {2}, true);
    EXPECT_TRUE(ag::is_grad_enabled());
    {
        ag::NoGradGuard outer;
        EXPECT_FALSE(ag::is_grad_enabled());
        Tensor y = x * 2.0f + x;
        EXPECT_FALSE(y.requires_grad());
        EXPECT_TRUE(y.is_leaf());
        EXPECT_EQ(y.node().inputs.size(), 0u);  // nothing recorded, nothing kept alive
        EXPECT_EQ(y.values(), (std::vector<float>{3, 6}));
        {
            ag::NoGradGuard inner;
            EXPECT_FALSE(ag::is_grad_enabled());
        }
        EXPECT_FALSE(ag::is_grad_enabled());  // the inner guard restores "off", not "on"
    }
    EXPECT_TRUE(ag::is_grad_enabled());
    EXPECT_TRUE((x * 2.0f).requires_grad());
}

TEST(NoGrad, DetachStopsTheGradient) {
    // L = Σ x · detach(x): dL/dx = detach(x) = x (not 2x)
    Tensor x({1, -2}, {2}, true);
    Tensor d = x.detach();
    EXPECT_FALSE(d.requires_grad());
    EXPECT_TRUE(d.is_leaf());
    EXPECT_EQ(d.values(), x.values());
    EXPECT_NE(&d.node(), &x.node());
    ag::sum(x * d).backward();
    EXPECT_EQ(x.grad().values(), (std::vector<float>{1, -2}));
    Tensor h = ag::tanh(x);
    EXPECT_FALSE(h.detach().requires_grad());
    EXPECT_TRUE(h.detach().is_leaf());
}

// ---- anomaly mode ----------------------------------------------------------------------------

TEST(Anomaly, ForwardNaNNamesTheOp) {
    Tensor x({-1, 2}, {2}, true);
    EXPECT_FALSE(ag::is_anomaly_enabled());
    EXPECT_NO_THROW(ag::log(x));  // off by default: NaN flows through silently
    {
        ag::DetectAnomalyGuard guard;
        EXPECT_TRUE(ag::is_anomaly_enabled());
        EXPECT_THROW(ag::log(x), std::runtime_error);
        EXPECT_TRUE(contains_all(message_of<std::runtime_error>([&] { ag::log(x); }), {"'log'", "NaN"}));
    }
    EXPECT_FALSE(ag::is_anomaly_enabled());
}

TEST(Anomaly, BackwardInfNamesTheOp) {
    Tensor x({0, 4}, {2}, true);
    Tensor loss = ag::sum(ag::sqrt(x));  // forward is finite: sqrt(0) = 0; backward 1/(2·0) is not
    ag::set_detect_anomaly(true);
    std::string m = message_of<std::runtime_error>([&] { loss.backward(); });
    ag::set_detect_anomaly(false);
    EXPECT_TRUE(contains_all(m, {"backward", "'sqrt'", "Inf"}));
}

TEST(Anomaly, ABackwardRetriedAfterTheErrorStartsFromFreshGradients) {
    // The failed pass left partial gradients in the intermediate nodes; they must not leak into
    // the next pass. dL/dx₁ = 3 · 1/(2·√4) = 0.75.
    Tensor x({0, 4}, {2}, true);
    Tensor loss = ag::sum(ag::sqrt(x) * 3.0f);
    {
        ag::DetectAnomalyGuard guard;
        EXPECT_THROW(loss.backward(), std::runtime_error);
    }
    x.zero_grad();
    loss.backward();
    EXPECT_FLOAT_EQ(x.grad().values()[1], 0.75f);
}

// ---- gradcheck catches a wrong backward --------------------------------------------------------

// y = 2x, recorded with a backward that is either right or (deliberately) off by a factor 2.
static Tensor doubled(const Tensor& x, float claimed_derivative) {
    ag::Buffer y = x.values();
    for (float& v : y) v *= 2.0f;
    return ag::record("doubled", std::move(y), x.shape(), {x}, [claimed_derivative](Node& o) {
        // d(2x)/dx = 2; the wrong version claims `claimed_derivative`
        float* g = o.input_grad(0);
        if (!g) return;
        for (size_t i = 0; i < o.grad.size(); ++i) g[i] += claimed_derivative * o.grad[i];
    });
}

TEST(Gradcheck, PassesOnACorrectBackward) {
    ag::GradcheckResult r = ag::gradcheck([](const V& v) { return doubled(v[0], 2.0f); }, {rand_tensor({2, 3}, 1)});
    EXPECT_TRUE(r.ok) << r.message;
    EXPECT_LT(r.max_error, 1e-3);
}

TEST(Gradcheck, FailsOnABackwardWrongByAFactorTwo) {
    ag::GradcheckResult r = ag::gradcheck([](const V& v) { return doubled(v[0], 4.0f); }, {rand_tensor({2, 3}, 1)});
    EXPECT_FALSE(r.ok);
    EXPECT_GT(r.max_error, 0.4);
    EXPECT_TRUE(contains_all(r.message, {"input 0", "[2, 3]", "analytic", "numeric"}));
}

TEST(Gradcheck, FailsWhenOnlyTheSecondInputIsWrong) {
    ag::GradcheckResult r = ag::gradcheck([](const V& v) { return v[0] * doubled(v[1], 4.0f); },
                                          {rand_tensor({3}, 1), rand_tensor({3}, 2)});
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(contains_all(r.message, {"input 1"}));
}

TEST(Gradcheck, LeavesTheCallersTensorsUntouched) {
    Tensor x = rand_tensor({3}, 1);
    std::vector<float> before = x.values();
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::exp(v[0]); }, {x}));
    EXPECT_EQ(x.values(), before);
    EXPECT_FALSE(x.has_grad());
}

// ---- deep graphs: a million ops ----------------------------------------------------------------

static constexpr int kMillion = 1000000;

TEST(DeepGraph, MillionOpChainBackpropagatesAndIsDestroyed) {
    auto start = std::chrono::steady_clock::now();
    Tensor x = Tensor::scalar(0.5f, true);
    const int64_t before = ag::live_nodes();
    {
        Tensor y = x;
        for (int i = 0; i < kMillion; ++i) y = y + 1.0f;  // exact in float: k + 0.5 < 2²⁴
        EXPECT_EQ(ag::live_nodes(), before + kMillion);
        EXPECT_EQ(y.item(), 1000000.5f);
        y.backward();
        EXPECT_EQ(x.grad().item(), 1.0f);
        EXPECT_EQ(ag::live_nodes(), before + 1);  // backward released the chain; only y is left
    }
    EXPECT_EQ(ag::live_nodes(), before);
    EXPECT_EQ(x.use_count(), 1);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(seconds, 10.0);
}

TEST(DeepGraph, MillionBinaryOpsSharingOneLeaf) {
    // y = y + c, a million times: c is a parent of every node and collects a gradient of 1e6
    Tensor x = Tensor::scalar(0.0f, true);
    Tensor c = Tensor::scalar(0.0f, true);
    {
        Tensor y = x;
        for (int i = 0; i < kMillion; ++i) y = y + c;
        y.backward(true);  // retain_graph: the chain is torn down by the destructors below
        EXPECT_EQ(x.grad().item(), 1.0f);
        EXPECT_EQ(c.grad().item(), 1000000.0f);
    }
    EXPECT_EQ(c.use_count(), 1);
}

TEST(DeepGraph, ANodeReachedTwiceIsWalkedOnce) {
    // y = (y + y)·0.5, 200,000 times: 2²⁰⁰⁰⁰⁰ paths lead back to x, so a walk without a visited
    // mark would never finish; with it, the gradient is exactly 1 (2 · 0.5 per step).
    Tensor x = Tensor::scalar(3.0f, true);
    Tensor y = x;
    for (int i = 0; i < 200000; ++i) y = (y + y) * 0.5f;
    EXPECT_EQ(y.item(), 3.0f);
    y.backward();
    EXPECT_EQ(x.grad().item(), 1.0f);
}

TEST(DeepGraph, MillionOpChainDestroyedWithoutBackward) {
    Tensor x = Tensor::scalar(1.0f, true);
    const int64_t before = ag::live_nodes();
    {
        Tensor y = x;
        for (int i = 0; i < kMillion; ++i) y = i % 2 ? y * 1.0f : -y;
        EXPECT_EQ(ag::live_nodes(), before + kMillion);  // the whole chain is alive...
    }
    EXPECT_EQ(ag::live_nodes(), before);  // ...and gone with its last tensor
    EXPECT_EQ(x.use_count(), 1);
}

// ---- memory: nothing keeps a graph alive -------------------------------------------------------

// Builds loss = Σ tanh(x·w)·(x·w), backpropagates `passes` times, and lets it all go out of scope.
static void build_and_maybe_backward(const Tensor& x, const Tensor& w, int passes, bool retain_graph) {
    const int64_t before = ag::live_nodes();
    Tensor h = ag::matmul(x, w);
    Tensor loss = ag::sum(ag::tanh(h) * h);
    for (int i = 0; i < passes; ++i) loss.backward(retain_graph);
    EXPECT_GE(ag::live_nodes(), before + 2);  // h and loss themselves are still in scope here
}

TEST(Memory, IntermediateNodeDiesWithItsTensors) {
    Tensor x = rand_tensor({2, 3}, 1), w = rand_tensor({3, 4}, 2);
    const int64_t before = ag::live_nodes();
    build_and_maybe_backward(x, w, 0, false);  // never backpropagated
    EXPECT_EQ(ag::live_nodes(), before);
    build_and_maybe_backward(x, w, 1, false);  // after backward
    EXPECT_EQ(ag::live_nodes(), before);
    build_and_maybe_backward(x, w, 2, true);  // graph kept by retain_graph
    EXPECT_EQ(ag::live_nodes(), before);
    EXPECT_EQ(x.use_count(), 1);
    EXPECT_EQ(w.use_count(), 1);
}

TEST(Memory, RetainedGradientDoesNotKeepTheGraph) {
    Tensor x = rand_tensor({3}, 1);
    const int64_t before = ag::live_nodes();
    {
        Tensor h = ag::exp(x);
        h.retain_grad();
        ag::sum(h * h).backward(true);
        EXPECT_TRUE(h.has_grad());
    }
    EXPECT_EQ(ag::live_nodes(), before);
}

TEST(Memory, GraphIsAliveExactlyAsLongAsTheOutput) {
    // The root owns its graph: while the loss lives, the intermediate lives; then it goes.
    Tensor x = rand_tensor({3}, 1);
    const int64_t before = ag::live_nodes();
    Tensor loss;
    {
        Tensor h = ag::sin(x);
        loss = ag::sum(h * 2.0f);
    }
    EXPECT_EQ(ag::live_nodes(), before + 3);  // sin, mul_scalar, sum: kept by the loss
    loss = Tensor();
    EXPECT_EQ(ag::live_nodes(), before);
}
