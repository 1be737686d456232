// small_vector_test.cpp — the hand-written containers of include/ag/detail/ at their limits.
//
// Teaches: a container written by hand earns tests of its own, run under AddressSanitizer
// (make test SANITIZE=1): empty, exactly full in place, the first element past it, growth twice
// over, rank 64, copies and moves in both states, and elements that own memory (std::string,
// Tensor), whose leaks or double frees the sanitizer would report.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "ag/ag.h"

namespace {

using ag::detail::SmallVector;
using Ints = SmallVector<int64_t, 4>;
using Strings = SmallVector<std::string, 2>;

std::vector<int64_t> as_vector(const Ints& v) { return std::vector<int64_t>(v.begin(), v.end()); }

TEST(SmallVector, EmptyHasNothingAndCompares) {
    Ints a, b;
    EXPECT_TRUE(a.empty());
    EXPECT_EQ(a.size(), 0u);
    EXPECT_EQ(a.begin(), a.end());
    EXPECT_EQ(a, b);
    EXPECT_NE(a, (Ints{0}));
    Ints c = a, d = std::move(b);
    EXPECT_TRUE(c.empty() && d.empty());
}

TEST(SmallVector, FillsInPlaceThenGrowsTwiceOver) {
    Ints v;
    for (int64_t i = 0; i < 4; ++i) v.push_back(i);
    EXPECT_EQ(v.capacity(), 4u);  // exactly full, still in place
    v.push_back(4);               // the first size past it moves everything to the heap
    EXPECT_GE(v.capacity(), 5u);
    for (int64_t i = 5; i < 64; ++i) v.push_back(i);  // and grows again, several times
    ASSERT_EQ(v.size(), 64u);
    for (int64_t i = 0; i < 64; ++i) EXPECT_EQ(v[i], i);
    EXPECT_EQ(v.back(), 63);
}

TEST(SmallVector, Rank64ShapeCopiesMovesAndCompares) {
    ag::Shape s(64, 1);
    s[0] = 2;
    s[63] = 3;
    ag::Shape copy = s;
    EXPECT_EQ(copy, s);
    ag::Shape moved = std::move(copy);
    EXPECT_EQ(moved, s);
    EXPECT_TRUE(copy.empty());  // a moved-from vector is empty and usable
    copy.push_back(7);
    EXPECT_EQ(as_vector(copy), (std::vector<int64_t>{7}));
    EXPECT_EQ(ag::shape_numel(s), 6);
    Ints small{1, 2};
    small = s;  // in place <- heap
    EXPECT_EQ(small, s);
    s = Ints{5};  // heap <- in place
    EXPECT_EQ(as_vector(s), (std::vector<int64_t>{5}));
}

TEST(SmallVector, ComparesTheLengthAndEveryElement) {
    EXPECT_NE((Ints{1, 2, 3}), (Ints{1, 2, 4}));  // only the last element differs, in place
    EXPECT_NE((Ints{1, 2}), (Ints{1, 2, 3}));     // a prefix is not equal
    EXPECT_NE((Ints{1, 2, 3}), (Ints{1, 2}));
    ag::Shape a(64, 1), b(64, 1);
    EXPECT_EQ(a, b);
    b[63] = 2;
    EXPECT_NE(a, b);  // the last of 64, on the heap
    EXPECT_EQ((Strings{"ab", "c"}), (Strings{"ab", "c"}));
    EXPECT_NE((Strings{"ab", "c"}), (Strings{"ab", "d", "e"}));
}

TEST(SmallVector, SelfAssignmentKeepsTheValues) {
    Ints v{1, 2, 3, 4, 5, 6};
    Ints& same = v;
    v = same;
    EXPECT_EQ(as_vector(v), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
    v = std::move(same);
    EXPECT_EQ(v.size(), 6u);
}

TEST(SmallVector, InsertEraseResizeAssign) {
    Ints v{1, 2, 3};
    v.insert(v.begin(), 0);      // fills the in-place room
    v.insert(v.begin() + 2, 9);  // and spills
    EXPECT_EQ(as_vector(v), (std::vector<int64_t>{0, 1, 9, 2, 3}));
    v.erase(v.begin() + 2);
    EXPECT_EQ(as_vector(v), (std::vector<int64_t>{0, 1, 2, 3}));
    v.erase(v.end() - 1);
    EXPECT_EQ(as_vector(v), (std::vector<int64_t>{0, 1, 2}));
    v.resize(6, 8);
    EXPECT_EQ(as_vector(v), (std::vector<int64_t>{0, 1, 2, 8, 8, 8}));
    v.resize(1);
    EXPECT_EQ(as_vector(v), (std::vector<int64_t>{0}));
    v.assign(3, 4);
    EXPECT_EQ(as_vector(v), (std::vector<int64_t>{4, 4, 4}));
    Ints w(v.begin(), v.end());
    EXPECT_EQ(w, v);
}

TEST(SmallVector, PushingItsOwnElementWhileGrowing) {
    // push_back(v[0]) when full: the new block is allocated before v[0] is read from the old one
    Strings v{"first", "second"};
    v.push_back(v[0]);
    v.push_back(v[2]);
    ASSERT_EQ(v.size(), 4u);
    EXPECT_EQ(v[2], "first");
    EXPECT_EQ(v[3], "first");
}

TEST(SmallVector, ElementsThatOwnMemoryAreNeitherLeakedNorFreedTwice) {
    Strings v;
    for (int i = 0; i < 40; ++i) v.push_back(std::string(100, char('a' + i % 26)));  // heap strings
    Strings copy = v;
    Strings moved = std::move(copy);
    EXPECT_EQ(moved, v);
    moved.erase(moved.begin());
    moved.insert(moved.begin() + 3, "x");
    moved.resize(2);
    moved = v;
    EXPECT_EQ(moved.size(), 40u);
    Strings in_place{"a"};
    Strings from_place = std::move(in_place);  // moved element by element
    EXPECT_EQ(from_place[0], "a");
    EXPECT_TRUE(in_place.empty());
}

TEST(SmallVector, HoldsTensorsAndReleasesThem) {
    const int64_t before = ag::live_nodes();
    {
        SmallVector<ag::Tensor, 3> v;
        for (int i = 0; i < 10; ++i) v.push_back(ag::Tensor::full({2}, float(i)));
        EXPECT_EQ(ag::live_nodes(), before + 10);
        EXPECT_EQ(v[9].values()[1], 9.0f);
        v.erase(v.begin());
        EXPECT_EQ(ag::live_nodes(), before + 9);
        SmallVector<ag::Tensor, 3> copy = v;
        EXPECT_EQ(copy[0].use_count(), 2);
    }
    EXPECT_EQ(ag::live_nodes(), before);
}

// ---- Buffer: a std::vector<float> that recycles its memory ----------------------------------

TEST(Buffer, ActsAsAVectorOfZeros) {
    ag::Buffer b(5);
    EXPECT_EQ(b, (std::vector<float>{0, 0, 0, 0, 0}));
    ag::Buffer c{1, 2};
    c.push_back(3);  // grows like a vector (each capacity is its own size class)
    EXPECT_EQ(c, (std::vector<float>{1, 2, 3}));
    std::vector<float> plain = c;
    EXPECT_EQ(plain, (std::vector<float>{1, 2, 3}));
    EXPECT_TRUE(ag::Buffer().empty());
}

TEST(Buffer, FreedMemoryIsReusedAndComesBackAsZeros) {
    std::thread fresh([] {  // a new thread: its free lists start empty, whatever ran before
        for (size_t n : {size_t(10), size_t(1024), size_t(5000), size_t(1) << 20}) {  // small and large
            const float* first;
            {
                ag::Buffer a(n, 7.0f);
                first = a.data();
            }
            ag::Buffer b(n);  // the same size: the block a gave back
            EXPECT_EQ(b.data(), first) << n;
            for (float x : b) ASSERT_EQ(x, 0.0f) << n;  // recycled, but zeros as a vector promises
        }
    });
    fresh.join();
}

TEST(Buffer, KeepsNoMoreThanItsCap) {
    // Two buffers of 9 M floats (36 MB each) are more than the lists keep (32 MB): they go back
    // to the system, and a new one is a fresh allocation that still works.
    std::vector<ag::Buffer> big;
    for (int i = 0; i < 2; ++i) big.emplace_back(size_t(9) << 20, 1.0f);
    big.clear();
    ag::Buffer again(size_t(9) << 20);
    EXPECT_EQ(again[again.size() - 1], 0.0f);
}

TEST(Buffer, MemoryMadeOnOneThreadDiesOnAnotherAfterItEnded) {
    std::vector<ag::Buffer> made;
    std::thread worker([&] {
        for (size_t n : {size_t(3), size_t(100), size_t(4096)}) made.emplace_back(n, 2.0f);
    });
    worker.join();  // the worker's own lists are gone now
    EXPECT_EQ(made[1][99], 2.0f);
    made.clear();        // its blocks join this thread's lists
    ag::Buffer b(100);  // and are used again here
    EXPECT_EQ(b[0], 0.0f);
}

}  // namespace
