// shape.h — the sizes of a tensor's dimensions, kept in place for up to four of them.
//
// Teaches: a shape is a short list of sizes, outermost first: {2, 3} is 2 rows of 3 values.
// Sizes are signed so that a negative size can be reported as the user's mistake it is.
// Shape reads like a std::vector<int64_t> (size, [], push_back, insert, erase, ==), but up to four
// sizes live inside the object itself. Every op makes a shape for its output; with a vector that
// was one more heap allocation per op (per RNN step), for a list that is almost never longer than
// three. A fifth size moves them all to the heap, so any rank still works.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <type_traits>

namespace ag {

class Shape {
public:
    using value_type = int64_t;
    using iterator = int64_t*;
    using const_iterator = const int64_t*;

    Shape() {}
    explicit Shape(size_t rank, int64_t size = 0) { resize(rank, size); }
    Shape(std::initializer_list<int64_t> sizes) { append(sizes.begin(), sizes.end()); }
    template <class It, class = typename std::iterator_traits<It>::iterator_category>
    Shape(It first, It last) {
        append(first, last);
    }
    Shape(const Shape& o) { append(o.begin(), o.end()); }
    Shape(Shape&& o) noexcept { take(o); }
    Shape& operator=(const Shape& o) {
        if (this != &o) {
            n_ = 0;
            append(o.begin(), o.end());
        }
        return *this;
    }
    Shape& operator=(Shape&& o) noexcept {
        if (this != &o) {
            release();
            take(o);
        }
        return *this;
    }
    ~Shape() { release(); }

    size_t size() const { return n_; }
    bool empty() const { return n_ == 0; }
    int64_t* data() { return on_heap() ? heap_ : local_; }
    const int64_t* data() const { return on_heap() ? heap_ : local_; }
    iterator begin() { return data(); }
    iterator end() { return data() + n_; }
    const_iterator begin() const { return data(); }
    const_iterator end() const { return data() + n_; }
    int64_t& operator[](size_t i) { return data()[i]; }
    int64_t operator[](size_t i) const { return data()[i]; }
    int64_t& back() { return data()[n_ - 1]; }
    int64_t back() const { return data()[n_ - 1]; }

    void push_back(int64_t size) {
        if (n_ == cap_) grow();
        data()[n_++] = size;
    }
    void pop_back() { --n_; }
    void resize(size_t rank, int64_t size = 0) {
        if (rank < n_) n_ = static_cast<uint32_t>(rank);
        while (n_ < rank) push_back(size);
    }
    void assign(size_t rank, int64_t size) {
        n_ = 0;
        resize(rank, size);
    }
    iterator insert(const_iterator pos, int64_t size) {  // before pos
        const size_t i = static_cast<size_t>(pos - begin());
        push_back(size);
        std::rotate(begin() + i, end() - 1, end());
        return begin() + i;
    }
    iterator erase(const_iterator pos) {
        const size_t i = static_cast<size_t>(pos - begin());
        std::copy(begin() + i + 1, end(), begin() + i);
        --n_;
        return begin() + i;
    }

    friend bool operator==(const Shape& a, const Shape& b) {
        return std::equal(a.begin(), a.end(), b.begin(), b.end());
    }
    friend bool operator!=(const Shape& a, const Shape& b) { return !(a == b); }

private:
    static constexpr uint32_t kInPlace = 4;
    bool on_heap() const { return cap_ > kInPlace; }
    template <class It>
    void append(It first, It last) {
        for (; first != last; ++first) push_back(static_cast<int64_t>(*first));
    }
    void grow() {  // twice the room, on the heap
        int64_t* bigger = new int64_t[2 * cap_];
        std::copy(begin(), end(), bigger);
        release();
        heap_ = bigger;
        cap_ *= 2;
    }
    void release() {
        if (on_heap()) delete[] heap_;
        cap_ = kInPlace;
    }
    void take(Shape& o) {  // o's sizes move here; o becomes empty
        n_ = o.n_;
        cap_ = o.cap_;
        if (o.on_heap()) heap_ = o.heap_;
        else std::copy(o.local_, o.local_ + o.n_, local_);
        o.n_ = 0;
        o.cap_ = kInPlace;
    }

    uint32_t n_ = 0;
    uint32_t cap_ = kInPlace;
    union {
        int64_t local_[kInPlace];  // while cap_ == kInPlace
        int64_t* heap_;            // once it grew
    };
};

}  // namespace ag
