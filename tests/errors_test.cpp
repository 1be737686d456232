// errors_test.cpp — bad shapes and bad indices give exceptions that say what went wrong.
//
// Teaches: an error message is part of the interface. Each one names the op, the shapes and the
// offending value, so a learner can fix the call without opening the engine; and bad input is
// always an exception of a std type, never undefined behaviour.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>

#include "ag/ag.h"
#include "core_test_util.h"

using ag::Shape;
using ag::Tensor;
using core_test::contains_all;
using core_test::message_of;

static const int64_t kHuge = std::numeric_limits<int64_t>::max();

// ---- matmul and linear -----------------------------------------------------------------------

TEST(Errors, MatmulInnerSizesMismatchExactMessage) {
    Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({4, 5});
    EXPECT_THROW(ag::matmul(a, b), std::invalid_argument);
    EXPECT_EQ(message_of<std::invalid_argument>([&] { ag::matmul(a, b); }),
              "matmul: shapes [2, 3] and [4, 5] do not match (3 != 4)");
}

TEST(Errors, MatmulRankAndBatchDims) {
    EXPECT_TRUE(contains_all(
        message_of<std::invalid_argument>([] { ag::matmul(Tensor::zeros({3}), Tensor::zeros({3, 2})); }),
        {"matmul", "rank 2", "[3]", "[3, 2]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>(
                                 [] { ag::matmul(Tensor::zeros({2, 3, 4}), Tensor::zeros({3, 4, 5})); }),
                             {"matmul", "batch dims", "[2, 3, 4]", "[3, 4, 5]"}));
    EXPECT_THROW(ag::matmul(Tensor::zeros({3, 4}), Tensor::zeros({2, 4, 5})), std::invalid_argument);
}

TEST(Errors, LinearShapes) {
    Tensor w = Tensor::zeros({5, 4});
    EXPECT_TRUE(contains_all(
        message_of<std::invalid_argument>([&] { ag::linear(Tensor::zeros({2, 3}), w, Tensor()); }),
        {"linear", "[2, 3]", "[5, 4]", "3 != 4"}));
    EXPECT_TRUE(contains_all(
        message_of<std::invalid_argument>([&] { ag::linear(Tensor::zeros({2, 4}), w, Tensor::zeros({4})); }),
        {"linear", "bias", "[4]", "[5]"}));
    EXPECT_THROW(ag::linear(Tensor::zeros({2, 4}), Tensor::zeros({4}), Tensor()), std::invalid_argument);
    EXPECT_THROW(ag::linear(Tensor::scalar(1), w, Tensor()), std::invalid_argument);
}

// ---- broadcasting ----------------------------------------------------------------------------

TEST(Errors, BroadcastMismatchNamesBothShapes) {
    Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({4});
    EXPECT_THROW(ag::add(a, b), std::invalid_argument);
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::add(a, b); }), {"add", "[2, 3]", "[4]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { a - b; }), {"sub", "[2, 3]", "[4]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { a * Tensor::zeros({3, 3}); }),
                             {"mul", "[2, 3]", "[3, 3]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::div(Tensor::zeros({2, 1, 3}), Tensor::zeros({4, 2})); }),
                             {"div", "[2, 1, 3]", "[4, 2]"}));
}

// ---- indexing --------------------------------------------------------------------------------

TEST(Errors, SelectOutOfRangeNamesIndexAndSize) {
    Tensor x = Tensor::zeros({2, 3});
    EXPECT_THROW(ag::select(x, 1, 3), std::out_of_range);
    EXPECT_TRUE(contains_all(message_of<std::out_of_range>([&] { ag::select(x, 1, 5); }),
                             {"select", "index 5", "size 3", "[2, 3]"}));
    EXPECT_TRUE(contains_all(message_of<std::out_of_range>([&] { ag::select(x, 0, -3); }),
                             {"select", "index -3", "size 2"}));
    EXPECT_TRUE(contains_all(message_of<std::out_of_range>([&] { ag::select(x, 2, 0); }), {"select", "dim 2"}));
    EXPECT_THROW(ag::select(x, 0, kHuge), std::out_of_range);
    EXPECT_THROW(ag::select(x, 0, -kHuge), std::out_of_range);
}

TEST(Errors, NarrowOutOfRangeNamesTheRangeAndSize) {
    Tensor x = Tensor::zeros({4, 2});
    EXPECT_THROW(ag::narrow(x, 0, 2, 3), std::out_of_range);
    EXPECT_TRUE(contains_all(message_of<std::out_of_range>([&] { ag::narrow(x, 0, 2, 3); }),
                             {"narrow", "[2, 5)", "size 4", "[4, 2]"}));
    EXPECT_THROW(ag::narrow(x, 0, -1, 2), std::out_of_range);
    EXPECT_THROW(ag::narrow(x, 1, 0, -1), std::out_of_range);
    EXPECT_THROW(ag::narrow(x, -3, 0, 1), std::out_of_range);
    // a start + length that would overflow int64 is still just out of range
    EXPECT_THROW(ag::narrow(x, 0, kHuge, 1), std::out_of_range);
    EXPECT_THROW(ag::narrow(x, 0, 1, kHuge), std::out_of_range);
    EXPECT_TRUE(contains_all(message_of<std::out_of_range>([&] { ag::narrow(x, 0, kHuge, kHuge); }),
                             {"narrow", "overflow", "size 4"}));
}

TEST(Errors, IndexSelectRowsOutOfRangeNamesIndexAndTableSize) {
    Tensor table = Tensor::zeros({5, 3});
    EXPECT_THROW(ag::index_select_rows(table, Tensor({1, 7}, {2})), std::out_of_range);
    EXPECT_TRUE(contains_all(message_of<std::out_of_range>([&] { ag::index_select_rows(table, Tensor({1, 7}, {2})); }),
                             {"index_select_rows", "index 7", "5 rows", "[5, 3]"}));
    EXPECT_TRUE(contains_all(message_of<std::out_of_range>([&] { ag::index_select_rows(table, Tensor({-1}, {1})); }),
                             {"index -1", "5 rows"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::index_select_rows(table, Tensor({1.5f}, {1})); }),
                             {"index_select_rows", "1.5", "whole number"}));
    EXPECT_THROW(ag::index_select_rows(table, Tensor({std::numeric_limits<float>::quiet_NaN()}, {1})),
                 std::invalid_argument);
    EXPECT_TRUE(contains_all(message_of<std::out_of_range>([&] { ag::index_select_rows(table, Tensor({1e30f}, {1})); }),
                             {"index 1000000015047466219876688855040 ", "5 rows"}));
    EXPECT_THROW(ag::index_select_rows(table, Tensor({-INFINITY}, {1})), std::out_of_range);
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::index_select_rows(Tensor::zeros({5}), Tensor({0}, {1})); }),
                             {"index_select_rows", "[N, D]", "[5]"}));
}

// ---- shapes ----------------------------------------------------------------------------------

TEST(Errors, ReshapeToAWrongSize) {
    Tensor x = Tensor::zeros({2, 3});
    EXPECT_THROW(ag::reshape(x, {4, 2}), std::invalid_argument);
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::reshape(x, {4, 2}); }),
                             {"reshape", "[2, 3]", "[4, 2]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::reshape(x, {4, -1}); }),
                             {"reshape", "[2, 3]", "[4, -1]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::reshape(x, {-1, -1}); }),
                             {"reshape", "-1"}));
    EXPECT_THROW(ag::reshape(x, {-2, 3}), std::invalid_argument);
    EXPECT_THROW(ag::reshape(x, {0, -1}), std::invalid_argument);
    // sizes whose product overflows int64 are rejected, not wrapped around
    EXPECT_THROW(ag::reshape(x, {int64_t(1) << 40, int64_t(1) << 40, -1}), std::invalid_argument);
    EXPECT_THROW(ag::reshape(x, {int64_t(1) << 40, int64_t(1) << 40, 1}), std::invalid_argument);
}

TEST(Errors, TransposeBadDim) {
    EXPECT_TRUE(contains_all(message_of<std::out_of_range>([] { ag::transpose(Tensor::zeros({2, 3}), 0, 2); }),
                             {"transpose", "dim 2", "[2, 3]"}));
    EXPECT_THROW(ag::transpose(Tensor::scalar(1), 0, 0), std::out_of_range);
}

TEST(Errors, StackOfMismatchedShapes) {
    Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({3, 2});
    EXPECT_THROW(ag::stack({a, b}, 0), std::invalid_argument);
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::stack({a, a, b}, 0); }),
                             {"stack", "tensor 2", "[3, 2]", "[2, 3]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([] { ag::stack({}, 0); }), {"stack", "at least one"}));
    EXPECT_TRUE(contains_all(message_of<std::out_of_range>([&] { ag::stack({a, a}, 3); }), {"stack", "dim 3"}));
    EXPECT_NO_THROW(ag::stack({a, a}, 2));  // a new last dim is allowed
}

TEST(Errors, CatOfMismatchedShapes) {
    Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({3, 2});
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::cat({a, b}, 1); }),
                             {"cat", "tensor 1", "[3, 2]", "[2, 3]"}));
    EXPECT_THROW(ag::cat({a, Tensor::zeros({2, 3, 1})}, 0), std::invalid_argument);
    EXPECT_THROW(ag::cat({a, a}, 2), std::out_of_range);
    EXPECT_THROW(ag::cat({}, 0), std::invalid_argument);
}

TEST(Errors, SumAndMeanAlongABadDim) {
    Tensor x = Tensor::zeros({2, 3});
    EXPECT_THROW(ag::sum(x, 2), std::out_of_range);
    EXPECT_TRUE(contains_all(message_of<std::out_of_range>([&] { ag::sum(x, 2); }), {"sum", "dim 2", "[2, 3]"}));
    EXPECT_TRUE(contains_all(message_of<std::out_of_range>([&] { ag::sum(x, -3, true); }), {"sum", "dim -3"}));
    EXPECT_TRUE(contains_all(message_of<std::out_of_range>([&] { ag::mean(x, 5); }), {"mean", "dim 5", "[2, 3]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([] { ag::mean(Tensor::zeros({0})); }), {"mean", "empty"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([] { ag::mean(Tensor::zeros({2, 0}), 1); }),
                             {"mean", "empty"}));
}

TEST(Errors, ArangeTooLargeIsAnErrorNotAnAllocation) {
    EXPECT_THROW(Tensor::arange(kHuge), std::exception);
}

TEST(Errors, UndefinedInputsNameTheOp) {
    Tensor u, x = Tensor::zeros({2, 2});
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::matmul(x, u); }), {"matmul", "undefined"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::sum(u); }), {"sum", "undefined"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::stack({x, u}, 0); }), {"stack", "undefined"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::select(u, 0, -1); }), {"select", "undefined"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::reshape(u, {4}); }), {"reshape", "undefined"}));
}
