// jobs_test.cpp — configurations trained side by side on threads give what one thread gives.
//
// Teaches: what "thread-safe enough" means for the examples' --jobs. Each thread has its own
// random generator (a manual_seed on one thread leaves the others alone), the helper prints each
// configuration's text in order whatever order they finish in, and the examples write the same
// bytes and print the same text with one thread or two. Every test here is in the suite Threads,
// so that a ThreadSanitizer build can run exactly these (--gtest_filter='Threads.*').
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../examples/common/jobs.h"
#include "../examples/common/models.h"
#include "ag/ag.h"
#include "example_test_util.h"

namespace fs = std::filesystem;

namespace {

// What one configuration draws from this thread's default generator: uniforms, normals (both of
// normal_'s paths) and the notebook's three-layer model's initial weights, as plain floats (no
// Tensor may leave the thread that made it).
std::vector<float> draws() {
    const ag::Tensor uniform = ag::rand_uniform({3}, 0.0f, 1.0f);
    const ag::Tensor few = ag::randn({5});    // few values: the double Box–Muller
    const ag::Tensor many = ag::randn({37});  // 16 or more: the float blocks
    std::vector<float> out = uniform.values();
    out.insert(out.end(), few.values().begin(), few.values().end());
    out.insert(out.end(), many.values().begin(), many.values().end());
    ex::VanishingRNNModel model(3);
    for (const ag::Tensor& p : model.parameters())
        for (float v : p.values()) out.push_back(v);
    return out;
}

// Everything a program wrote under `dir`, as relative path -> bytes.
std::vector<std::pair<std::string, std::string>> files_under(const std::string& dir) {
    std::vector<std::pair<std::string, std::string>> files;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        if (!entry.is_regular_file()) continue;
        files.push_back({fs::relative(entry.path(), dir).string(), ex_test::read_all(entry.path().string())});
    }
    std::sort(files.begin(), files.end());
    return files;
}

// `text` with every occurrence of `from` replaced by `to`.
std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

// Runs `name` with `flags` and --jobs 1, then with --jobs J for each J in `jobs`, each into its
// own folder, and expects the same files byte for byte and the same stdout (the out folder's name,
// which the closing line prints, read as OUT). The examples print no timings, so nothing is removed.
void expect_same_output_for_any_jobs(const std::string& name, const std::string& flags, std::vector<int> jobs) {
    ex_test::TempDir one;
    ASSERT_EQ(ex_test::run_example(name, flags + " --plot none --jobs 1 --out " + one.path + "/out", one.path), 0)
        << ex_test::read_all(one.path + "/stderr.txt");
    const auto want_files = files_under(one.path + "/out");
    const std::string want_stdout = replace_all(ex_test::read_all(one.path + "/stdout.txt"), one.path, "OUT");
    ASSERT_GE(want_files.size(), 1u);
    ASSERT_NE(want_stdout.find("OUT/out/" + name), std::string::npos) << want_stdout;
    EXPECT_TRUE(ex_test::read_all(one.path + "/stderr.txt").empty());
    for (int j : jobs) {
        ex_test::TempDir many;
        ASSERT_EQ(ex_test::run_example(name, flags + " --plot none --jobs " + std::to_string(j) + " --out " +
                                                 many.path + "/out", many.path), 0)
            << ex_test::read_all(many.path + "/stderr.txt");
        const auto got_files = files_under(many.path + "/out");
        ASSERT_EQ(got_files.size(), want_files.size()) << name << " --jobs " << j;
        for (size_t f = 0; f < want_files.size(); ++f) {
            EXPECT_EQ(got_files[f].first, want_files[f].first) << name << " --jobs " << j;
            EXPECT_EQ(got_files[f].second, want_files[f].second) << name << " --jobs " << j << ": " << want_files[f].first;
        }
        EXPECT_EQ(replace_all(ex_test::read_all(many.path + "/stdout.txt"), many.path, "OUT"), want_stdout)
            << name << " --jobs " << j;
        EXPECT_TRUE(ex_test::read_all(many.path + "/stderr.txt").empty()) << ex_test::read_all(many.path + "/stderr.txt");
    }
}

// What run_configurations wrote to `out` (a temporary file).
std::string read_back(std::FILE* out) {
    std::string text;
    std::rewind(out);
    for (int c; (c = std::fgetc(out)) != EOF;) text.push_back(static_cast<char>(c));
    return text;
}

}  // namespace

// ---- the random generator: one per thread ------------------------------------------------------

TEST(Threads, ManualSeedOnTwoThreadsGivesTheSameDrawsAsOneAfterTheOther) {
    ag::manual_seed(0);
    const std::vector<float> want0 = draws();
    ag::manual_seed(7);
    const std::vector<float> want7 = draws();
    // torch.manual_seed(0); torch.rand(3) -> 0.4963, 0.7682, 0.0885
    EXPECT_NEAR(want0[0], 0.4963f, 0.5e-4);
    EXPECT_NEAR(want0[1], 0.7682f, 0.5e-4);
    EXPECT_NEAR(want0[2], 0.0885f, 0.5e-4);
    // rnn1: 10 + 100 + 10 + 10 weights, rnn2 and rnn3: 100 + 100 + 10 + 10 each, dense: 10 + 1
    ASSERT_EQ(want0.size(), 3u + 5u + 37u + 130u + 220u + 220u + 11u);
    EXPECT_NE(want0, want7);

    // Both threads seed first, then wait for each other, then draw: with one generator shared by
    // all threads, the second seed would replace the first, and the draws would interleave.
    std::atomic<int> seeded{0};
    std::vector<float> got0, got7;
    auto configuration = [&seeded](uint64_t seed, std::vector<float>& got) {
        ag::manual_seed(seed);
        ++seeded;
        while (seeded < 2) std::this_thread::yield();
        got = draws();
    };
    std::thread a(configuration, 0, std::ref(got0)), b(configuration, 7, std::ref(got7));
    a.join();
    b.join();
    EXPECT_EQ(got0, want0);
    EXPECT_EQ(got7, want7);
}

TEST(Threads, ANewThreadStartsFromPyTorchsDefaultSeed) {
    ag::manual_seed(5);  // this thread's generator only
    std::vector<float> on_new_thread;
    std::thread t([&] { on_new_thread = ag::rand_uniform({4}, 0.0f, 1.0f).values(); });
    t.join();
    ag::Generator fresh;  // PyTorch's default seed, 67280421310721
    for (float v : on_new_thread) EXPECT_EQ(v, fresh.uniform(0.0f, 1.0f));
    ag::Generator five(5);
    EXPECT_EQ(ag::rand_uniform({1}, 0.0f, 1.0f).values()[0], five.uniform(0.0f, 1.0f));  // untouched here
}

// ---- run_configurations: any order of finishing, the same printing -----------------------------

TEST(Threads, ConfigurationsPrintInTheirOrderWhateverOrderTheyFinishIn) {
    for (int64_t jobs : {1, 3, 20}) {
        std::FILE* out = std::tmpfile();
        ASSERT_NE(out, nullptr);
        std::mutex seen_mutex;
        std::set<std::thread::id> threads;
        std::vector<int> runs(8, 0);
        ex::run_configurations(8, jobs, [&](int64_t i, ex::Log& log) {
            // the first configurations take longest, so with several threads they finish last
            std::this_thread::sleep_for(std::chrono::milliseconds(5 * (8 - i)));
            log.printf("configuration %lld\n", (long long)i);
            log.printf("  its second line, %s\n", i % 2 ? "odd" : "even");
            std::lock_guard<std::mutex> lock(seen_mutex);
            threads.insert(std::this_thread::get_id());
            ++runs[i];
        }, out);
        std::string want;
        for (int i = 0; i < 8; ++i)
            want += "configuration " + std::to_string(i) + "\n  its second line, " + (i % 2 ? "odd" : "even") + "\n";
        EXPECT_EQ(read_back(out), want) << "jobs " << jobs;
        EXPECT_EQ(runs, std::vector<int>(8, 1)) << "jobs " << jobs;  // each exactly once
        if (jobs == 1) {
            EXPECT_EQ(threads, std::set<std::thread::id>{std::this_thread::get_id()});  // on this thread
        } else {
            EXPECT_GE(threads.size(), 2u) << "jobs " << jobs;
            EXPECT_LE(threads.size(), size_t(std::min<int64_t>(jobs, 8))) << "jobs " << jobs;
        }
        std::fclose(out);
    }
}

TEST(Threads, TheFirstFailingConfigurationIsRethrownAndNothingAfterItIsPrinted) {
    for (int64_t jobs : {1, 2}) {
        std::FILE* out = std::tmpfile();
        ASSERT_NE(out, nullptr);
        try {
            ex::run_configurations(6, jobs, [](int64_t i, ex::Log& log) {
                if (i == 2) std::this_thread::sleep_for(std::chrono::milliseconds(30));  // 3 fails first
                log.printf("configuration %lld\n", (long long)i);
                if (i == 2 || i == 3) throw std::runtime_error("configuration " + std::to_string(i) + " failed");
            }, out);
            ADD_FAILURE() << "no exception, jobs " << jobs;
        } catch (const std::runtime_error& e) {
            EXPECT_STREQ(e.what(), "configuration 2 failed") << "jobs " << jobs;
        }
        EXPECT_EQ(read_back(out), "configuration 0\nconfiguration 1\nconfiguration 2\n") << "jobs " << jobs;
        std::fclose(out);
    }
}

TEST(Threads, NoConfigurationsIsNothingToDo) {
    std::FILE* out = std::tmpfile();
    ASSERT_NE(out, nullptr);
    ex::run_configurations(0, 2, [](int64_t, ex::Log&) { ADD_FAILURE() << "called"; }, out);
    EXPECT_EQ(read_back(out), "");
    std::fclose(out);
}

// ---- the examples: --jobs changes the speed, not one byte of the output ------------------------

TEST(Threads, Example01WritesAndPrintsTheSameWithOneOrTwoJobs) {
    expect_same_output_for_any_jobs("01_rnn_context", "--lengths 30,5,12,7 --epochs 3 --seed 2", {2});
}

TEST(Threads, Example01LoadingOneFileOnTwoThreadsWritesAndPrintsTheSameAsOnOne) {
    // --load: every configuration reads the file on its own thread, into its own model.
    expect_same_output_for_any_jobs(
        "01_rnn_context", "--lengths 30,5,12,7 --epochs 2 --load tests/data/notebook_rnn_seed0_adam5.safetensors", {2});
}

TEST(Threads, Example02WritesAndPrintsTheSameWithOneOrTwoJobs) {
    expect_same_output_for_any_jobs("02_vanishing_gradient", "--length 9 --epochs 5,2,3", {2});
}

TEST(Threads, Example08WritesAndPrintsTheSameWithOneOrThreeJobs) {
    expect_same_output_for_any_jobs("08_attention_memory", "--lags 1,3 --hidden 4 --steps 6 --length 8 --batch 4", {3});
}

TEST(Threads, Example07WritesAndPrintsTheSameWithOneTwoOrFiveJobs) {
    expect_same_output_for_any_jobs("07_memory_lag", "--lags 0,1,3 --hidden 2,5 --steps 20 --length 8 --batch 4",
                                    {2, 5});
}
