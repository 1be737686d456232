// example_test_util.h — what the tests that run the example programs share: a scratch folder,
// running AG_BUILD_DIR/examples/NAME with flags, and reading back the files and tables it wrote.
//
// AG_BUILD_DIR is the build folder of the test binary itself (build/, build-sanitize/, ...), so a
// sanitizer build of the tests runs the sanitizer build of the examples.
#pragma once

#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ex_test {

// A fresh folder under the system temp directory, removed with everything in it at scope exit.
struct TempDir {
    std::string path;
    explicit TempDir(const std::string& prefix = "ag_example_test") {
        std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "_XXXXXX")).string();
        char* made = mkdtemp(pattern.data());
        if (!made) throw std::runtime_error("mkdtemp failed for " + pattern);
        path = made;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

// Runs AG_BUILD_DIR/examples/NAME with `flags` (shell words), stdout and stderr to
// DIR/stdout.txt and DIR/stderr.txt; `env` is prefixed as VAR=value words. Returns the exit
// status, or -1 when the program did not exit normally (a crash, a signal).
inline int run_example(const std::string& name, const std::string& flags, const std::string& dir,
                       const std::string& env = "") {
    const std::string command = env + " " AG_BUILD_DIR "/examples/" + name + " " + flags + " >'" + dir +
                                "/stdout.txt' 2>'" + dir + "/stderr.txt'";
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The process's peak resident memory so far, in kB (it only grows).
inline long peak_rss_kb() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

// Random choices for a fuzz test's mutations, from one seeded stream (the same run every time).
struct RandomChoices {
    std::mt19937_64 rng;
    explicit RandomChoices(uint64_t seed) : rng(seed) {}
    size_t below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng() % n); }  // 0 ≤ k < n
    template <class T>
    const T& pick(const std::vector<T>& v) { return v[below(v.size())]; }
};

// The whole file as bytes ("" when it is missing).
inline std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream os;
    os << in.rdbuf();
    return os.str();
}

// A .dat file as text: its first line (the header) and the other rows split on whitespace.
struct Table {
    std::string header;
    std::vector<std::vector<std::string>> rows;
    double at(size_t row, size_t column) const { return std::stod(rows.at(row).at(column)); }
};

inline Table read_table(const std::string& path) {
    std::ifstream in(path);
    EXPECT_TRUE(in.good()) << "missing " << path;
    Table table;
    std::string line;
    std::getline(in, table.header);
    while (std::getline(in, line)) {
        std::istringstream cells(line);
        std::vector<std::string> row;
        for (std::string c; cells >> c;) row.push_back(c);
        table.rows.push_back(row);
    }
    return table;
}

// A .dat file of numbers: the last `#` line before the numbers (the column names), and every
// other line read as a row of numbers.
struct NumberTable {
    std::string header;
    std::vector<std::vector<double>> rows;
};

inline NumberTable read_numbers(const std::string& path) {
    std::ifstream in(path);
    EXPECT_TRUE(in.good()) << "missing " << path;
    NumberTable table;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("#", 0) == 0) {
            table.header = line;
            continue;
        }
        std::istringstream cells(line);
        std::vector<double> row;
        for (std::string c; cells >> c;) row.push_back(std::stod(c));
        table.rows.push_back(row);
    }
    return table;
}

}  // namespace ex_test
