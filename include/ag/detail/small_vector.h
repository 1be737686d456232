// small_vector.h — a std::vector that keeps its first N elements inside the object itself.
//
// Machinery, not maths: a tensor's shape (almost always 4 sizes or fewer) and an op's inputs
// (almost always 3 or fewer) are short lists made once per op. Kept in place, they cost no heap
// allocation; a longer list moves to the heap and grows like a std::vector, so any length works.
// Tested on its own at its limits in tests/small_vector_test.cpp.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <new>
#include <type_traits>
#include <utility>

namespace ag::detail {

template <class T, size_t N>
class SmallVector {
public:
    using value_type = T;
    using size_type = size_t;
    using iterator = T*;
    using const_iterator = const T*;

    SmallVector() = default;
    explicit SmallVector(size_t n, const T& value = T()) { resize(n, value); }
    SmallVector(std::initializer_list<T> items) { append(items.begin(), items.end()); }
    template <class It, class = typename std::iterator_traits<It>::iterator_category>
    SmallVector(It first, It last) {
        append(first, last);
    }
    SmallVector(const SmallVector& o) { append(o.begin(), o.end()); }
    SmallVector(SmallVector&& o) noexcept { steal(o); }
    SmallVector& operator=(const SmallVector& o) {
        if (this != &o) {
            clear();
            append(o.begin(), o.end());
        }
        return *this;
    }
    SmallVector& operator=(SmallVector&& o) noexcept {
        if (this != &o) {
            clear();
            free_heap();
            steal(o);
        }
        return *this;
    }
    ~SmallVector() {
        clear();
        free_heap();
    }

    size_t size() const { return size_; }
    size_t capacity() const { return capacity_; }
    bool empty() const { return size_ == 0; }
    T* data() { return data_; }
    const T* data() const { return data_; }
    iterator begin() { return data_; }
    iterator end() { return data_ + size_; }
    const_iterator begin() const { return data_; }
    const_iterator end() const { return data_ + size_; }
    T& operator[](size_t i) { return data_[i]; }
    const T& operator[](size_t i) const { return data_[i]; }
    T& back() { return data_[size_ - 1]; }
    const T& back() const { return data_[size_ - 1]; }

    void push_back(const T& item) { emplace_back(item); }
    void push_back(T&& item) { emplace_back(std::move(item)); }
    template <class... Args>
    T& emplace_back(Args&&... args) {
        if (size_ == capacity_) {  // build the new element first: args may point into this vector
            T item(std::forward<Args>(args)...);
            grow(2 * capacity_);
            return *new (data_ + size_++) T(std::move(item));
        }
        return *new (data_ + size_++) T(std::forward<Args>(args)...);
    }
    void pop_back() { data_[--size_].~T(); }
    void clear() {
        while (size_ > 0) pop_back();
    }
    void reserve(size_t n) {
        if (n > capacity_) grow(n);
    }
    void resize(size_t n, const T& value = T()) {
        while (size_ > n) pop_back();
        reserve(n);
        while (size_ < n) new (data_ + size_++) T(value);
    }
    void assign(size_t n, const T& value) {
        clear();
        resize(n, value);
    }
    iterator insert(const_iterator pos, T item) {  // before pos
        const size_t i = static_cast<size_t>(pos - begin());
        push_back(std::move(item));
        std::rotate(begin() + i, end() - 1, end());
        return begin() + i;
    }
    iterator erase(const_iterator pos) {
        const size_t i = static_cast<size_t>(pos - begin());
        std::move(begin() + i + 1, end(), begin() + i);
        pop_back();
        return begin() + i;
    }

    friend bool operator==(const SmallVector& a, const SmallVector& b) {  // (a loop: shapes are short)
        if (a.size_ != b.size_) return false;
        for (size_t i = 0; i < a.size_; ++i)
            if (!(a.data_[i] == b.data_[i])) return false;
        return true;
    }
    friend bool operator!=(const SmallVector& a, const SmallVector& b) { return !(a == b); }

private:
    T* in_place() { return reinterpret_cast<T*>(storage_); }
    bool on_heap() const { return data_ != reinterpret_cast<const T*>(storage_); }
    template <class It>
    void append(It first, It last) {
        for (; first != last; ++first) emplace_back(*first);
    }
    void grow(size_t n) {  // moves every element to a heap block of n
        T* bigger = static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{alignof(T)}));
        for (size_t i = 0; i < size_; ++i) {
            new (bigger + i) T(std::move(data_[i]));
            data_[i].~T();
        }
        free_heap();
        data_ = bigger;
        capacity_ = static_cast<uint32_t>(n);
    }
    void free_heap() {
        if (on_heap()) ::operator delete(data_, std::align_val_t{alignof(T)});
        data_ = in_place();
        capacity_ = N;
    }
    void steal(SmallVector& o) {  // o's elements come here; o is left empty, in place
        if (o.on_heap()) {
            data_ = o.data_;
            size_ = o.size_;
            capacity_ = o.capacity_;
            o.data_ = o.in_place();
            o.size_ = 0;
            o.capacity_ = N;
        } else {
            if constexpr (std::is_trivially_copyable<T>::value)  // a shape: one fixed-size copy, no loop
                std::memcpy(storage_, o.storage_, sizeof storage_);
            else
                for (size_t i = 0; i < o.size_; ++i) new (data_ + i) T(std::move(o.data_[i]));
            size_ = o.size_;
            o.clear();
        }
    }

    T* data_ = in_place();
    uint32_t size_ = 0;  // (32 bits: a shape or an input list is never near 4 billion long)
    uint32_t capacity_ = N;
    alignas(T) unsigned char storage_[N * sizeof(T)];
};

}  // namespace ag::detail
