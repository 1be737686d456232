// ref_ptr.h — a shared owning pointer whose count is a plain integer inside the object.
//
// Machinery, not maths: it behaves as std::shared_ptr does for a Tensor's node (copying a handle
// shares the node; the last handle to go deletes it), but the count is not atomic. An atomic
// count is what lets two threads copy the same shared_ptr at the same moment; a graph is built
// and walked by one thread at a time, and each op copies several handles, so the plain count is
// kept (the README's Performance section measures it). A tensor may still move to another thread,
// handed over as any object is (through a join, a future or a mutex), as long as two threads do
// not hold copies of it at the same time.
#pragma once

#include <cstdint>
#include <utility>

namespace ag::detail {

struct RefCounted {
    RefCounted() = default;
    RefCounted(const RefCounted&) = delete;  // an owned object is shared, never copied
    RefCounted& operator=(const RefCounted&) = delete;
    int32_t refs = 0;  // how many RefPtrs own this object
};

// T derives from RefCounted and is deleted with `delete` when its last RefPtr goes.
template <class T>
class RefPtr {
public:
    RefPtr() = default;
    explicit RefPtr(T* p) : p_(p) { retain(); }  // takes a new object (count 0) or shares one
    RefPtr(const RefPtr& o) : p_(o.p_) { retain(); }
    RefPtr(RefPtr&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    RefPtr& operator=(RefPtr o) noexcept {
        std::swap(p_, o.p_);
        return *this;
    }
    ~RefPtr() { release(); }

    T* get() const { return p_; }
    T& operator*() const { return *p_; }
    T* operator->() const { return p_; }
    explicit operator bool() const { return p_ != nullptr; }
    long use_count() const { return p_ ? p_->refs : 0; }

private:
    void retain() {
        if (p_) ++p_->refs;
    }
    void release() {
        if (p_ && --p_->refs == 0) delete p_;
    }
    T* p_ = nullptr;
};

}  // namespace ag::detail
