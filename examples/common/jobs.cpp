// jobs.cpp — a pool of std::threads pulling configuration numbers from one atomic counter, and a
// printer that lets each configuration's text out only after all the ones before it.
//
// Teaches: the smallest useful thread pool. Threads share only the counter and the printing; each
// configuration's numbers stay in its own slot until it is its turn to print.
#include "jobs.h"

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace ex {

void Log::printf(const char* format, ...) {
    va_list args;
    va_start(args, format);
    va_list again;
    va_copy(again, args);
    const int n = std::vsnprintf(nullptr, 0, format, args);  // the length first, then the text
    va_end(args);
    if (n > 0) {
        const size_t old = text_.size();
        text_.resize(old + static_cast<size_t>(n) + 1);
        std::vsnprintf(&text_[old], static_cast<size_t>(n) + 1, format, again);
        text_.resize(old + static_cast<size_t>(n));  // drop vsnprintf's closing '\0'
    }
    va_end(again);
}

int64_t default_jobs() { return std::max<int64_t>(1, std::thread::hardware_concurrency()); }

void run_configurations(int64_t count, int64_t jobs, const std::function<void(int64_t i, Log& log)>& configure,
                        std::FILE* out) {
    std::vector<Log> logs(static_cast<size_t>(count));                 // [i]: what configuration i printed
    std::vector<std::exception_ptr> errors(static_cast<size_t>(count));  // [i]: what it threw, if anything
    std::atomic<int64_t> next{0};       // the next configuration to start
    std::atomic<bool> failed{false};    // once one has thrown, no new configuration starts

    // Printing in order: configuration i is printed when 0 .. i−1 have been.
    std::mutex printing;
    std::vector<char> done(static_cast<size_t>(count), 0);
    int64_t printed = 0;   // logs 0 .. printed−1 are on `out`
    bool stopped = false;  // a printed configuration threw: nothing after it is printed
    auto finish = [&](int64_t i) {
        std::lock_guard<std::mutex> lock(printing);
        done[i] = 1;
        while (!stopped && printed < count && done[printed]) {
            const std::string& text = logs[printed].text();
            std::fwrite(text.data(), 1, text.size(), out);
            std::fflush(out);
            stopped = errors[printed] != nullptr;
            logs[printed] = Log();  // printed: its text is no longer needed
            ++printed;
        }
    };

    auto work = [&] {
        for (int64_t i; !failed && (i = next++) < count;) {
            try {
                configure(i, logs[i]);
            } catch (...) {
                errors[i] = std::current_exception();
                failed = true;
            }
            finish(i);
        }
    };

    const int64_t threads = std::min(jobs, count);
    if (threads <= 1) {
        work();  // one after the other, on this thread
    } else {
        std::vector<std::thread> pool;
        for (int64_t t = 0; t < threads; ++t) {
            try {
                pool.emplace_back(work);
            } catch (const std::system_error&) {
                break;  // the system refuses more threads: go on with those already started
            }
        }
        if (pool.empty()) work();
        for (std::thread& thread : pool) thread.join();
    }
    for (const std::exception_ptr& error : errors)  // the smallest i first, as one thread would
        if (error) std::rethrow_exception(error);
}

}  // namespace ex
