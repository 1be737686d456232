// jobs.h — train an example's independent configurations (each length, each epoch count, each
// lag and hidden size) on several threads, and still print exactly what one thread would.
//
// Teaches: parallelism at the coarsest grain needs no locks in the maths. Each configuration
// seeds its own thread's generator, builds its own data and model, and writes its text into its
// own Log; a thread never touches another thread's tensors. Only the hand-out of the next
// configuration (one atomic counter) and the printing in order (one mutex) are shared.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

namespace ex {

// The text one configuration prints, kept until every configuration before it has printed.
class Log {
public:
    // Appends like std::printf.
    void printf(const char* format, ...) __attribute__((format(printf, 2, 3)));
    const std::string& text() const { return text_; }

private:
    std::string text_;
};

// --jobs's default: the number of cores (std::thread::hardware_concurrency()), at least 1.
int64_t default_jobs();

// Runs configure(i, log) for i = 0 .. count−1 on min(jobs, count) threads, each thread taking the
// next i from a shared counter (jobs = 1: one after the other, on the calling thread). Each
// configuration's log goes to `out` in the order of i, as soon as it and every one before it are
// done, so the output is the same for any jobs. If configurations throw, the one with the smallest
// i is rethrown here once every thread has stopped: its log is printed and none after it, and no
// new configuration starts once one has failed.
//
// No Tensor may be shared between configurations (reference counts are not atomic): each builds
// its own data and returns plain numbers (e.g. into a std::vector indexed by i).
void run_configurations(int64_t count, int64_t jobs, const std::function<void(int64_t i, Log& log)>& configure,
                        std::FILE* out = stdout);

}  // namespace ex
