// core_test_util.h — small helpers shared by the engine-core tests.
//
// Teaches: three tools keep each test one idea long: deterministic inputs (the same numbers on
// every run), a one-line gradcheck assertion that prints the mismatch, and a check that an
// exception has the right type and a message naming the op, the shapes and the bad value.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "ag/ag.h"
#include "ag/gradcheck.h"

namespace core_test {

// Values in [lo, hi) from a fixed linear congruential generator, one stream per seed.
inline ag::Tensor rand_tensor(const ag::Shape& shape, uint32_t seed = 1, float lo = -1.0f,
                              float hi = 1.0f, bool requires_grad = true) {
    std::vector<float> v(static_cast<size_t>(ag::shape_numel(shape)));
    uint32_t state = seed * 2654435761u + 1u;
    for (float& x : v) {
        state = state * 1664525u + 1013904223u;
        x = lo + (hi - lo) * static_cast<float>(state >> 8) / 16777216.0f;
    }
    return ag::Tensor(std::move(v), shape, requires_grad);
}

// Values in ±[lo, hi): away from zero, for relu (kink at 0) and divisors.
inline ag::Tensor rand_away_from_zero(const ag::Shape& shape, uint32_t seed, float lo = 0.3f,
                                      float hi = 1.5f) {
    ag::Tensor t = rand_tensor(shape, seed, lo, hi);
    for (size_t i = 0; i < t.values().size(); ++i)
        if (i % 2) t.mutable_values()[i] = -t.values()[i];
    return t;
}

using Fn = std::function<ag::Tensor(const std::vector<ag::Tensor>&)>;

// EXPECT_TRUE(grad_ok(f, inputs)) — passes when ag::gradcheck agrees, else shows its message.
inline ::testing::AssertionResult grad_ok(const Fn& f, const std::vector<ag::Tensor>& inputs,
                                          ag::GradcheckOptions options = {}) {
    ag::GradcheckResult r = ag::gradcheck(f, inputs, options);
    if (r.ok) return ::testing::AssertionSuccess() << "max error " << r.max_error;
    return ::testing::AssertionFailure() << r.message << " (max error " << r.max_error << ")";
}

// The what() of the exception of type E that f throws; fails the test (and returns "") when f
// throws nothing or something else.
template <class E, class F>
std::string message_of(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "threw an exception of another type: " << e.what();
        return "";
    }
    ADD_FAILURE() << "did not throw";
    return "";
}

// EXPECT_TRUE(contains_all(msg, {"matmul", "[2, 3]"})) — names the missing part on failure.
inline ::testing::AssertionResult contains_all(const std::string& message,
                                               std::initializer_list<std::string> parts) {
    for (const std::string& p : parts)
        if (message.find(p) == std::string::npos)
            return ::testing::AssertionFailure() << "message \"" << message << "\" lacks \"" << p << "\"";
    return ::testing::AssertionSuccess();
}

// Element-by-element comparison with a tolerance; reports the first difference.
inline ::testing::AssertionResult near_all(const std::vector<float>& got,
                                           const std::vector<float>& want, float tol = 1e-5f) {
    if (got.size() != want.size())
        return ::testing::AssertionFailure() << "sizes differ: " << got.size() << " vs " << want.size();
    for (size_t i = 0; i < got.size(); ++i)
        if (!(std::abs(got[i] - want[i]) <= tol))
            return ::testing::AssertionFailure() << "index " << i << ": " << got[i] << " vs " << want[i];
    return ::testing::AssertionSuccess();
}

}  // namespace core_test
