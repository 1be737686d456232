// Shape: the sizes kept in place up to rank 4 and on the heap beyond, with the same behaviour.
#include <gtest/gtest.h>

#include <sstream>
#include <utility>

#include "ag/ag.h"

namespace {

using ag::Shape;

TEST(Shape, BehavesLikeAListOfSizes) {
    Shape s{2, 3};
    EXPECT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0], 2);
    EXPECT_EQ(s.back(), 3);
    s.push_back(4);
    s.insert(s.begin(), 1);  // [1, 2, 3, 4]
    EXPECT_EQ(s, (Shape{1, 2, 3, 4}));
    s.erase(s.begin() + 2);  // [1, 2, 4]
    EXPECT_EQ(s, (Shape{1, 2, 4}));
    EXPECT_NE(s, (Shape{1, 2}));
    EXPECT_EQ(Shape(3, 7), (Shape{7, 7, 7}));
    EXPECT_TRUE(Shape().empty());
    std::ostringstream os;
    os << s;
    EXPECT_EQ(os.str(), "[1, 2, 4]");
}

TEST(Shape, GrowsPastFourSizesAndKeepsThem) {
    Shape s;
    for (int64_t d = 1; d <= 9; ++d) s.push_back(d);  // in place, then on the heap
    ASSERT_EQ(s.size(), 9u);
    for (int64_t d = 1; d <= 9; ++d) EXPECT_EQ(s[d - 1], d);
    s.insert(s.begin() + 4, 100);
    EXPECT_EQ(s[4], 100);
    EXPECT_EQ(s[5], 5);
    Shape copy = s;  // a heap copy of its own
    copy[0] = -1;
    EXPECT_EQ(s[0], 1);
    Shape moved = std::move(copy);
    EXPECT_EQ(moved.size(), 10u);
    EXPECT_EQ(moved[0], -1);
    EXPECT_TRUE(copy.empty());  // NOLINT: a moved-from shape is empty
    moved = Shape{5};           // back in place
    EXPECT_EQ(moved, (Shape{5}));
    s = s;  // self-assignment keeps it
    EXPECT_EQ(s.size(), 10u);
}

TEST(Shape, TensorsOfRankFiveAndSixWork) {
    ag::Tensor x = ag::Tensor::ones({1, 2, 1, 3, 2}, true);
    ag::Tensor y = ag::sum(ag::reshape(x, {2, 1, 1, 1, 3, 2}) * 2.0f);
    EXPECT_EQ(y.item(), 24.0f);
    y.backward();
    EXPECT_EQ(x.grad().shape(), (Shape{1, 2, 1, 3, 2}));
    for (float g : x.grad().values()) EXPECT_EQ(g, 2.0f);
}

}  // namespace
