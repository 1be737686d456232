// slabs.cpp — where the free lists' memory first comes from, and where it goes when a thread ends.
//
// Machinery, not maths (see include/ag/detail/recycling.h). The first touch of a page of new
// memory is a page fault: on the virtual machine this project is measured on, 2 to 9 µs, as long
// as 10 to 60 RNN steps, and an RNN's graph of 2000 steps touches about 240 new pages in its first
// epoch. Asked for with MAP_POPULATE, a mapping arrives with its pages in place, for at most that
// cost a page and no fault at all later. So nodes and small buffers are cut from slabs of 128 KB
// mapped that way (one slab for nodes, one for buffers), and each large buffer is a mapping of
// its own.
#include <sys/mman.h>

#include <cstdint>
#include <mutex>
#include <new>

#include "ag/detail/recycling.h"

namespace ag::detail {

namespace {

#ifdef MAP_POPULATE
constexpr int kMapFlags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE;
#else
constexpr int kMapFlags = MAP_PRIVATE | MAP_ANONYMOUS;
#endif
constexpr size_t kSlabBytes = size_t(128) << 10;
constexpr size_t kPage = 4096;

void* map_bytes(size_t bytes) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, kMapFlags, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return p;
}

size_t page_rounded(size_t bytes) { return (bytes + kPage - 1) & ~(kPage - 1); }

// This thread's slabs, one for nodes and one for small buffers: a node is 64-byte aligned, and cut
// from the same slab as the 40-byte buffer of an RNN step, each would leave a gap before the
// next node (the first epoch of `context` touched 32 pages more). [next, end) is still free.
// Trivially destructible, so readable to the end.
struct Slab {
    char* next = nullptr;
    char* end = nullptr;
};
thread_local Slab node_slab, float_slab;

// The blocks of threads that ended (and of buffers that died after their thread's lists), for
// any thread to take. Made once and never destroyed: blocks may die as late as a static's
// destructor.
struct Orphans {
    std::mutex lock;
    FreeLists* lists = nullptr;  // made on first use; its small and node lists are used alone
};
Orphans& orphans() {
    static Orphans* o = new Orphans();
    return *o;
}

}  // namespace

std::atomic<bool> orphans_waiting{false};

void* cut_from_slab(SlabOf which, size_t bytes, size_t align) {  // (at most 4 KB: a node, or a small buffer)
    Slab& s = which == SlabOf::nodes ? node_slab : float_slab;
    char* p = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(s.next) + align - 1) & ~(align - 1));
    if (!s.next || p + bytes > s.end) {
        p = s.next = static_cast<char*>(map_bytes(kSlabBytes));  // the rest of the old slab stays unused
        s.end = s.next + kSlabBytes;
    }
    s.next = p + bytes;
    return p;
}

static FreeLists& orphan_lists(Orphans& o) {
    if (!o.lists) o.lists = new FreeLists();
    return *o.lists;
}

void give_orphan_floats(float* p, size_t n) {
    Orphans& o = orphans();
    std::lock_guard<std::mutex> hold(o.lock);
    orphan_lists(o).small[n].push_back(p);
    orphans_waiting.store(true, std::memory_order_relaxed);
}

void give_orphan_node(void* p) {
    Orphans& o = orphans();
    std::lock_guard<std::mutex> hold(o.lock);
    orphan_lists(o).nodes.push_back(p);
    orphans_waiting.store(true, std::memory_order_relaxed);
}

// Moves every small buffer and node of `from` to the end of `to`'s lists.
static void move_blocks(FreeLists& from, FreeLists& to) {
    for (size_t n = 1; n <= kSmallFloats; ++n) {
        to.small[n].insert(to.small[n].end(), from.small[n].begin(), from.small[n].end());
        std::vector<float*>().swap(from.small[n]);
    }
    to.nodes.insert(to.nodes.end(), from.nodes.begin(), from.nodes.end());
    std::vector<void*>().swap(from.nodes);
}

void give_orphans(FreeLists& l) {
    Orphans& o = orphans();
    std::lock_guard<std::mutex> hold(o.lock);
    if (&l == o.lists) return;
    move_blocks(l, orphan_lists(o));
    orphans_waiting.store(true, std::memory_order_relaxed);
}

void adopt_orphans(FreeLists& l) {
    Orphans& o = orphans();
    std::lock_guard<std::mutex> hold(o.lock);
    if (!o.lists || &l == o.lists) return;
    move_blocks(*o.lists, l);
    orphans_waiting.store(false, std::memory_order_relaxed);
}

float* map_large(size_t n) { return static_cast<float*>(map_bytes(page_rounded(n * sizeof(float)))); }
void unmap_large(float* p, size_t n) { munmap(p, page_rounded(n * sizeof(float))); }

}  // namespace ag::detail
