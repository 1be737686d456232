// recycling.cpp — each thread's free lists: made on first use, handed on when the thread ends.
//
// Machinery, not maths (see include/ag/detail/recycling.h).
#include "ag/detail/recycling.h"

#include <utility>

namespace ag::detail {

FreeLists::~FreeLists() {
    give_orphans(*this);  // small buffers and nodes, for the threads that go on
    for (auto& [n, list] : large)
        for (float* p : list) unmap_large(p, n);
}

namespace {
thread_local bool lists_gone = false;  // trivially destructible: readable until the thread ends

struct ListsOwner {
    ~ListsOwner() {
        FreeLists* l = this_thread_lists();
        this_thread_lists() = nullptr;  // what dies from here on goes to the shared list
        lists_gone = true;
        delete l;
    }
};
}  // namespace

FreeLists* make_lists() {
    if (lists_gone) return nullptr;
    static thread_local ListsOwner owner;  // hands the lists on when the thread ends
    (void)owner;
    return this_thread_lists() = new FreeLists();
}

float* take_large(FreeLists& l, size_t n) {
    auto it = l.large.find(n);
    if (it == l.large.end() || it->second.empty()) return nullptr;
    float* p = it->second.back();
    it->second.pop_back();
    l.large_floats -= n;
    return p;
}

// When keeping p would pass the cap, everything kept so far is given back first: sizes the program
// no longer uses leave with it, and the sizes it still uses come back within an epoch.
void keep_large(FreeLists& l, float* p, size_t n) {
    if (l.large_floats + n > kMaxKeptFloats) {
        for (auto& [size, list] : l.large)
            for (float* q : list) unmap_large(q, size);
        l.large.clear();
        l.large_floats = 0;
    }
    if (n > kMaxKeptFloats) return unmap_large(p, n);
    l.large[n].push_back(p);
    l.large_floats += n;
}

}  // namespace ag::detail
