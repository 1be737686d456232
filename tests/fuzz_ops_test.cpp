// fuzz_ops_test.cpp — random shapes, dims and indices thrown at every op.
//
// Every call must either succeed with a result of a sane shape (and survive a backward pass), or
// throw a std::exception whose message names the op. Never a crash, never a silent garbage shape.
// Run under `make test SANITIZE=1` this also proves there is no out-of-bounds access.
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>

#include "ag/ag.h"

namespace {

struct Fuzzer {
    std::mt19937 rng{2024};
    int64_t pick(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); }

    ag::Shape shape(int64_t max_rank = 4) {
        ag::Shape s(pick(0, max_rank));
        for (auto& d : s) d = pick(0, 9) == 0 ? pick(-2, 0) : pick(1, 4);  // sometimes 0 or negative
        return s;
    }
    // A tensor of a valid (non-negative) shape with small values.
    ag::Tensor tensor(ag::Shape s) {
        for (auto& d : s) d = std::max<int64_t>(d, 0);
        std::vector<float> v(ag::shape_numel(s));
        for (auto& x : v) x = std::uniform_real_distribution<float>(0.1f, 1.0f)(rng);
        return ag::Tensor(v, s, true);
    }
    ag::Tensor tensor() { return tensor(shape()); }
};

// Calls f; on success checks the result and backpropagates through it; on failure checks that the
// exception carries a message naming `op`.
void survive(const std::string& op, const std::function<ag::Tensor()>& f, int& ok, int& refused) {
    ag::Tensor y;
    try {
        y = f();
    } catch (const std::exception& e) {
        std::string what = e.what();
        EXPECT_NE(what.find(op), std::string::npos) << "message does not name '" << op << "': " << what;
        ++refused;
        return;
    }
    ASSERT_TRUE(y.defined()) << op;
    EXPECT_EQ(ag::shape_numel(y.shape()), y.numel()) << op;
    if (y.requires_grad() && y.numel() > 0) ag::sum(y).backward();
    ++ok;
}

TEST(Fuzz, RandomShapesIntoEveryOp) {
    Fuzzer z;
    int ok = 0, refused = 0;
    for (int round = 0; round < 300; ++round) {
        ag::Tensor a = z.tensor(), b = z.tensor();
        // ...and sometimes b shaped like a suffix of a, so that broadcasting succeeds often
        if (z.pick(0, 2) == 0 && a.dim() > 0) b = z.tensor(ag::Shape(a.shape().end() - z.pick(1, a.dim()), a.shape().end()));
        int64_t d = z.pick(-5, 4), d2 = z.pick(-5, 4), i = z.pick(-3, 5), n = z.pick(-1, 4);

        survive("add", [&] { return ag::add(a, b); }, ok, refused);
        survive("sub", [&] { return ag::sub(a, b); }, ok, refused);
        survive("mul", [&] { return ag::mul(a, b); }, ok, refused);
        survive("div", [&] { return ag::div(a, b); }, ok, refused);
        survive("matmul", [&] { return ag::matmul(a, b); }, ok, refused);
        survive("linear", [&] { return ag::linear(a, b, ag::Tensor()); }, ok, refused);
        survive("sum", [&] { return ag::sum(a, d, z.pick(0, 1)); }, ok, refused);
        survive("mean", [&] { return ag::mean(a, d, z.pick(0, 1)); }, ok, refused);
        survive("mean", [&] { return ag::mean(a); }, ok, refused);
        survive("transpose", [&] { return ag::transpose(a, d, d2); }, ok, refused);
        survive("reshape", [&] { return ag::reshape(a, z.shape()); }, ok, refused);
        survive("narrow", [&] { return ag::narrow(a, d, i, n); }, ok, refused);
        survive("select", [&] { return ag::select(a, d, i); }, ok, refused);
        survive("stack", [&] { return ag::stack({a, b}, d); }, ok, refused);
        survive("cat", [&] { return ag::cat({a, b}, d); }, ok, refused);
        survive("index_select_rows", [&] {
            ag::Tensor idx(std::vector<float>(3, float(i)), {3});
            return ag::index_select_rows(a, idx);
        }, ok, refused);
        survive("rnn_step", [&] { return ag::rnn_step(a, i, b, a); }, ok, refused);
        survive("tensor", [&] { return ag::Tensor(std::vector<float>(z.pick(0, 5)), z.shape()); }, ok, refused);
    }
    // Both outcomes must actually have been exercised.
    EXPECT_GT(ok, 500);
    EXPECT_GT(refused, 500);
}

TEST(Fuzz, NonWholeAndHugeIndicesAreRefused) {
    ag::Tensor table = ag::Tensor::ones({4, 2});
    for (float bad : {0.5f, -1.0f, 4.0f, 1e30f, std::nanf(""), INFINITY}) {
        ag::Tensor idx({bad}, {1});
        EXPECT_THROW(ag::index_select_rows(table, idx), std::exception) << bad;
    }
}

}  // namespace
