// recycling.cpp — each thread's free lists: made on first use, emptied when the thread ends.
//
// Machinery, not maths (see include/ag/detail/recycling.h): every block kept here came from
// ::operator new on its own, so any thread may free it, and the lists free it when their thread ends.
#include "ag/detail/recycling.h"

#include <utility>

namespace ag::detail {

FreeLists::~FreeLists() {
    for (auto& list : small)
        for (float* p : list) ::operator delete(p);
    for (auto& [n, list] : large)
        for (float* p : list) ::operator delete(p);
    while (nodes) ::operator delete(std::exchange(nodes, nodes->next), kNodeAlignment);
}

namespace {
thread_local bool lists_gone = false;  // trivially destructible: readable until the thread ends

struct ListsOwner {
    ~ListsOwner() {
        delete this_thread_lists();
        this_thread_lists() = nullptr;
        lists_gone = true;
    }
};
}  // namespace

FreeLists* make_lists() {
    if (lists_gone) return nullptr;
    static thread_local ListsOwner owner;  // frees the lists when the thread ends
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

// When keeping p would pass the cap, everything kept so far is freed first: sizes the program no
// longer uses leave with it, and the sizes it still uses come back within an epoch.
void keep_large(FreeLists& l, float* p, size_t n) {
    if (l.large_floats + n > kMaxKeptFloats) {
        for (auto& [size, list] : l.large)
            for (float* q : list) ::operator delete(q);
        l.large.clear();
        l.large_floats = 0;
    }
    if (n > kMaxKeptFloats) return ::operator delete(p);
    l.large[n].push_back(p);
    l.large_floats += n;
}

}  // namespace ag::detail
