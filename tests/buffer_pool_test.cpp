// The buffer pools: a freed buffer is handed out again for its own size only, recycled zeros are
// zeros, and what the pools keep stays under its cap.
#include <gtest/gtest.h>

#include "ag/ag.h"
#include "ag/buffer_pool.h"

using namespace ag::detail;

namespace {

TEST(BufferPool, SmallBufferComesBackForItsSize) {
    std::vector<float> a = take_buffer(10);
    const float* where = a.data();
    give_buffer(std::move(a));
    EXPECT_TRUE(a.empty());
    std::vector<float> other = take_buffer(11);  // another size: not that buffer
    EXPECT_NE(other.data(), where);
    std::vector<float> same = take_buffer(10);
    EXPECT_EQ(same.data(), where);
    EXPECT_EQ(same.size(), 10u);
}

TEST(BufferPool, LargeBufferComesBackForItsSize) {
    const size_t n = kPoolMaxFloats * 20 + 3;  // a whole sequence's values, say
    std::vector<float> a = take_buffer(n);
    const float* where = a.data();
    give_buffer(std::move(a));
    std::vector<float> other = take_buffer(n + 1);
    EXPECT_NE(other.data(), where);
    std::vector<float> same = take_buffer(n);
    EXPECT_EQ(same.data(), where);
    EXPECT_EQ(same.size(), n);
}

TEST(BufferPool, RecycledZerosAreZeros) {
    for (size_t n : {size_t(7), kPoolMaxFloats * 3}) {
        std::vector<float> a = take_buffer(n);
        std::fill(a.begin(), a.end(), 5.0f);
        give_buffer(std::move(a));
        std::vector<float> z = take_zeros(n);
        ASSERT_EQ(z.size(), n);
        for (float v : z) ASSERT_EQ(v, 0.0f);
    }
}

TEST(BufferPool, LargeBuffersKeptStayUnderTheCap) {
    // Twice the cap in buffers of many sizes: the pool empties itself instead of growing.
    const size_t n = kPoolMaxTotal / 8;
    for (size_t k = 0; k < 16; ++k) give_buffer(std::vector<float>(n + k));
    EXPECT_LE(pools()->large_floats, kPoolMaxTotal);
    EXPECT_GT(pools()->large_floats, 0u);
    std::vector<float> too_big(kPoolMaxTotal + 1);
    give_buffer(std::move(too_big));  // larger than the cap itself: freed, not kept
    EXPECT_LE(pools()->large_floats, kPoolMaxTotal);
}

TEST(BufferPool, TrainingTwiceReusesTheFirstEpochsLargeBuffers) {
    // The second identical forward and backward takes its sequence-sized buffers from the pool.
    ag::manual_seed(0);
    ag::nn::RNN rnn(1, 4);
    ag::Tensor x = ag::Tensor::full({1, 600, 1}, 0.5f);
    auto epoch = [&] {
        ag::Tensor out = std::get<0>(rnn.forward(x));
        ag::sum(out).backward();
    };
    epoch();
    const size_t kept = pools()->large_floats;
    EXPECT_GT(kept, 0u);  // the (1, 600, 4) values and gradients came back
    epoch();
    EXPECT_EQ(pools()->large_floats, kept);  // taken and given back again: no growth
}

}  // namespace
