// buffer.h — Buffer: a std::vector<float> whose memory is recycled when it dies.
//
// Machinery, not maths: a Buffer is used exactly as a std::vector<float> (Buffer y(n) is n zeros),
// but its memory comes from, and goes back to, this thread's free lists (recycling.h), so the
// thousands of small buffers an RNN's graph makes and frees every epoch cost no malloc.
#pragma once

#include <algorithm>
#include <vector>

#include "ag/detail/recycling.h"

namespace ag {

class Buffer : public std::vector<float, detail::RecyclingAllocator<float>> {
    using Base = std::vector<float, detail::RecyclingAllocator<float>>;

public:
    using Base::Base;
    Buffer() = default;
    explicit Buffer(size_t n) : Base(n, 0.0f) {}  // n zeros
    // n floats with no set value, for an op that writes every one of them before it reads any
    // (it saves filling large outputs with zeros first).
    static Buffer uninitialized(size_t n) { return Buffer(n, Unset{}); }
    Buffer(const std::vector<float>& v) : Base(v.begin(), v.end()) {}  // a copy of v's values
    operator std::vector<float>() const { return {begin(), end()}; }

    friend bool operator==(const Buffer& a, const std::vector<float>& b) {
        return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
    }
    friend bool operator==(const std::vector<float>& a, const Buffer& b) { return b == a; }
    friend bool operator!=(const Buffer& a, const std::vector<float>& b) { return !(a == b); }
    friend bool operator!=(const std::vector<float>& a, const Buffer& b) { return !(b == a); }

private:
    struct Unset {};
    // n floats made with no value: the allocator's construct() leaves each as it is, so the
    // compiler drops the loop that would make them.
    Buffer(size_t n, Unset) : Base(n) {}
};

}  // namespace ag
