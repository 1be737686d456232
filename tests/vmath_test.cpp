// vmath_test.cpp — the vectorised maths of include/ag/detail/vmath.h at its edges.
//
// Teaches: machinery that promises to change no number is checked against the library it
// replaces (std::exp in double, rounded to float) over a sweep of inputs and at the special
// values, and the lane-by-lane sums against totals known in closed form, at sizes around the
// lane count (0, 1, 15, 16, 17, ...).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "ag/detail/vmath.h"

namespace {

const float kInf = std::numeric_limits<float>::infinity();

TEST(VmathExp, MatchesStdExpToTheLastBit) {
    // 2²¹ evenly spaced inputs from −110 to 90: past both ends of the float range of e^x
    const int64_t n = int64_t(1) << 21;
    std::vector<float> x(static_cast<size_t>(n)), got(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>(-110.0 + 200.0 * double(i) / double(n));
    ag::detail::exp_array(x.data(), got.data(), n);
    int64_t differ = 0;
    for (int64_t i = 0; i < n; ++i) {
        const float want = static_cast<float>(std::exp(double(x[i])));
        if (got[i] != want) {
            ++differ;  // a tie-break of the rounding at most: one unit in the last place
            EXPECT_EQ(std::nextafter(want, got[i]), got[i]) << "x = " << x[i];
        }
    }
    EXPECT_LE(differ, 2) << "of " << n;  // all 2.2·10⁹ floats in that range: 36 differ, by one unit
}

TEST(VmathExp, SpecialValuesAndInPlace) {
    std::vector<float> x = {-kInf, kInf, std::nanf(""), 0.0f, -0.0f, 1.0f, -1.0f, 88.7f, 88.8f, -87.0f, -200.0f, 1e30f};
    ag::detail::exp_array(x.data(), x.data(), static_cast<int64_t>(x.size()));  // in place
    EXPECT_EQ(x[0], 0.0f);
    EXPECT_EQ(x[1], kInf);
    EXPECT_TRUE(std::isnan(x[2]));
    EXPECT_EQ(x[3], 1.0f);
    EXPECT_EQ(x[4], 1.0f);
    EXPECT_EQ(x[5], 2.71828183f);
    EXPECT_EQ(x[6], 0.367879441f);
    EXPECT_EQ(x[7], static_cast<float>(std::exp(double(88.7f))));  // 3.326e38, just below FLT_MAX
    EXPECT_EQ(x[8], kInf);
    EXPECT_EQ(x[9], static_cast<float>(std::exp(-87.0)));
    EXPECT_EQ(x[10], 0.0f);
    EXPECT_EQ(x[11], kInf);
}

TEST(VmathExp, ScaleShiftAndTheTotal) {
    // e^(x·2 − 1) for x = 0, 1, 2 (and 3 more, past a vector of lanes): e^−1, e^1, e^3, ...
    std::vector<float> x = {0, 1, 2, 0.5f, -3, 4}, y(6);
    const double total = ag::detail::exp_array(x.data(), y.data(), 6, 2.0f, 1.0f);
    double want_total = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        const float want = static_cast<float>(std::exp(2.0 * x[i] - 1.0));
        EXPECT_EQ(y[i], want) << i;
        want_total += want;
    }
    EXPECT_EQ(total, want_total);
}

TEST(VmathSoftmax, HandValuesHiddenEntriesAndEmptySlices) {
    // softmax(0, 1, 2) = e^k / (1 + e + e²); the same from (0, 2, 4) with scale ½
    std::vector<float> x = {0, 1, 2}, y = {0, 2, 4};
    ag::detail::softmax_in_place(x.data(), 3);
    ag::detail::softmax_in_place(y.data(), 3, 0.5f);
    for (const auto& v : {x, y}) {
        EXPECT_NEAR(v[0], 0.0900305732f, 1e-8f);
        EXPECT_NEAR(v[1], 0.244728471f, 1e-8f);
        EXPECT_NEAR(v[2], 0.665240956f, 1e-8f);
    }
    // −∞ entries get 0 and the others share the weight; all −∞ gives all 0
    std::vector<float> h = {-kInf, 1, -kInf, 1}, all = {-kInf, -kInf};
    ag::detail::softmax_in_place(h.data(), 4);
    EXPECT_EQ(h, (std::vector<float>{0, 0.5f, 0, 0.5f}));
    ag::detail::softmax_in_place(all.data(), 2);
    EXPECT_EQ(all, (std::vector<float>{0, 0}));
    ag::detail::softmax_in_place(nullptr, 0);
    // 37 equal entries of 1000 (past the lanes, and e^1000 would overflow): 1/37 each
    std::vector<float> flat(37, 1000.0f);
    ag::detail::softmax_in_place(flat.data(), 37);
    for (float v : flat) EXPECT_NEAR(v, 1.0f / 37, 1e-8f);
}

TEST(VmathReduce, DotsAndMaximaAroundTheLaneCount) {
    for (int64_t n : {0, 1, 2, 15, 16, 17, 31, 32, 33, 100, 160}) {
        SCOPED_TRACE(n);
        std::vector<float> up(static_cast<size_t>(n)), twos(static_cast<size_t>(n), 2.0f);
        for (int64_t i = 0; i < n; ++i) up[i] = float(i + 1);  // 1, 2, ..., n
        EXPECT_EQ(ag::detail::dot_of(up.data(), twos.data(), n), double(n * (n + 1)));
        EXPECT_EQ(ag::detail::dot_of(up.data(), up.data(), n), double(n * (n + 1) * (2 * n + 1) / 6));
        // the largest value at each place in turn, among negative numbers
        for (int64_t at = 0; at < n; at += std::max<int64_t>(1, n / 7)) {
            std::vector<float> x(static_cast<size_t>(n), -5.0f);
            x[at] = -1.5f;
            EXPECT_EQ(ag::detail::max_of(x.data(), n), -1.5f) << "at " << at;
        }
    }
    EXPECT_EQ(ag::detail::max_of(nullptr, 0), -kInf);
    std::vector<float> masked = {-kInf, -kInf, -kInf};
    EXPECT_EQ(ag::detail::max_of(masked.data(), 3), -kInf);
}

}  // namespace
