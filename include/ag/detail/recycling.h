// recycling.h — memory that goes back to this thread's free lists instead of to the system.
//
// Machinery, not maths: an RNN step on a hidden size of 10 does about 300 multiply-adds, and
// allocating and freeing its output, its gradient and its graph node would cost as much again.
// So a float buffer that dies is kept, by size, for the next one of that size, and a node's memory
// for the next node. Each thread has its own lists, so no lock is taken; memory may die on another
// thread than the one that made it (it then joins that thread's lists), and whatever a thread
// keeps is freed when the thread ends. Nothing about the values changes.
#pragma once

#include <utility>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <unordered_map>
#include <vector>

namespace ag::detail {

constexpr size_t kSmallFloats = 1024;    // a free list for each buffer size up to this
constexpr size_t kMaxKeptFloats = 8u << 20;  // floats kept at most (32 MB) in small buffers,
                                             //   and as many again in large ones
constexpr size_t kMaxKeptNodes = 1u << 20;   // graph nodes' memory kept at most
constexpr std::align_val_t kNodeAlignment{64};  // a node starts on a cache line

// One thread's free lists.
struct FreeLists {
    std::vector<float*> small[kSmallFloats + 1];                   // [size] -> free buffers
    size_t small_floats = 0;
    std::unordered_map<size_t, std::vector<float*>> large;         // size -> free buffers
    size_t large_floats = 0;
    struct FreeNode { FreeNode* next; };
    FreeNode* nodes = nullptr;                                     // dead nodes' memory
    size_t node_count = 0;
    ~FreeLists();
};

// This thread's lists: nullptr before their first use, and again once the thread is ending
// (memory freed after that, as by a static tensor, goes straight back to the system).
inline FreeLists*& this_thread_lists() {
    static thread_local FreeLists* lists = nullptr;
    return lists;
}
FreeLists* make_lists();  // nullptr once the thread is ending
inline FreeLists* lists() {
    FreeLists* l = this_thread_lists();
    return l ? l : make_lists();
}

float* take_large(FreeLists& l, size_t n);  // nullptr when none of size n is kept
void keep_large(FreeLists& l, float* p, size_t n);

inline float* take_floats(size_t n) {
    if (FreeLists* l = lists()) {
        if (n <= kSmallFloats && !l->small[n].empty()) {
            float* p = l->small[n].back();
            l->small[n].pop_back();
            l->small_floats -= n;
            return p;
        }
        if (n > kSmallFloats)
            if (float* p = take_large(*l, n)) return p;
    }
    return static_cast<float*>(::operator new(n * sizeof(float)));
}

inline void give_floats(float* p, size_t n) {
    FreeLists* l = this_thread_lists();
    if (l && n <= kSmallFloats && l->small_floats + n <= kMaxKeptFloats) {
        if (l->small[n].capacity() == 0) l->small[n].reserve(1u << 14);  // no regrowth while a graph dies
        l->small[n].push_back(p);
        l->small_floats += n;
    } else if (l && n > kSmallFloats) {
        keep_large(*l, p, n);
    } else {
        ::operator delete(p);
    }
}

// The allocator of a Buffer (buffer.h): the standard allocator's interface over the lists above.
template <class T>
struct RecyclingAllocator {
    static_assert(sizeof(T) == sizeof(float), "recycles float buffers");
    using value_type = T;
    RecyclingAllocator() = default;
    template <class U>
    RecyclingAllocator(const RecyclingAllocator<U>&) {}
    T* allocate(size_t n) { return reinterpret_cast<T*>(take_floats(n)); }
    void deallocate(T* p, size_t n) { give_floats(reinterpret_cast<float*>(p), n); }
    // A float made with no value is left unset (default-initialised), not zeroed: Buffer(n) asks
    // for its zeros explicitly, Buffer::uninitialized(n) does not pay for them.
    template <class U>
    void construct(U* p) noexcept {
        ::new (static_cast<void*>(p)) U;
    }
    template <class U, class... Args>
    void construct(U* p, Args&&... args) {
        ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
    friend bool operator==(const RecyclingAllocator&, const RecyclingAllocator&) { return true; }
    friend bool operator!=(const RecyclingAllocator&, const RecyclingAllocator&) { return false; }
};

// Memory for one graph node (Node's own operator new and delete use these).
inline int64_t& live_node_count() {  // nodes made minus nodes freed on this thread
    static thread_local int64_t count = 0;
    return count;
}

inline void* take_node_memory(size_t bytes) {
    ++live_node_count();
    FreeLists* l = lists();
    if (l && l->nodes) {
        FreeLists::FreeNode* f = l->nodes;
        l->nodes = f->next;
        --l->node_count;
        return f;
    }
    return ::operator new(bytes, kNodeAlignment);
}
inline void give_node_memory(void* p) {
    --live_node_count();
    FreeLists* l = this_thread_lists();
    if (!l || l->node_count >= kMaxKeptNodes) return ::operator delete(p, kNodeAlignment);
    auto* f = static_cast<FreeLists::FreeNode*>(p);
    f->next = l->nodes;
    l->nodes = f;
    ++l->node_count;
}

}  // namespace ag::detail
