// parity_fuzz_test.cpp — every parity case file, corrupted in many random ways, fed to the runner.
//
// A case file is input from outside, so the runner must treat it like any user input: whatever the
// file holds, the outcome is a PASS/FAIL result or a "file:line: reason" message — never a crash,
// a hang or a huge allocation. The corruptions are drawn from a fixed seed, so a failure here
// repeats exactly; the message printed with it shows the file that broke the runner.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "example_test_util.h"
#include "parity_runner/parity.h"

namespace {

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string s; std::getline(in, s);) lines.push_back(s);
    return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
    std::string out;
    for (const std::string& l : lines) out += l + "\n";
    return out;
}

std::vector<std::string> words(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> w;
    for (std::string s; in >> s;) w.push_back(s);
    return w;
}

std::string join_words(const std::vector<std::string>& w) {
    std::string out;
    for (size_t i = 0; i < w.size(); ++i) out += (i ? " " : "") + w[i];
    return out;
}

// Numbers a careless edit or a broken export could leave in a file.
const std::vector<std::string> kBadNumbers = {
    "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e309", "-1e309", "3.5e38", "1e38", "-1e38",
    "1e300", "1e-320", "0", "-0", "-1", "-7", "2147483648", "9223372036854775807", "9223372036854775808",
    "-9223372036854775809", "99999999999999999999999", "1099511627776", "0x10", "1.5.2", "--1", "+", "-",
    "1e", "e5", "abc", "", "1,5", "\x01", "\xff\xfe", "3\t4", "2 3"};
const std::vector<std::string> kKinds = {"linear", "rnn", "embedding", "adam", "train_rnn_model",
                                         "positional_encoding", "clip_grad_norm", "init", "LINEAR", "",
                                         "rnn rnn", "conv2d"};

// One random corruption of a case file's text; `name` says which, for the failure message.
struct Mutator : ex_test::RandomChoices {
    using RandomChoices::RandomChoices;

    std::string operator()(const std::string& text, std::string& name) {
        std::vector<std::string> lines = split_lines(text);
        if (lines.empty()) lines.push_back("");  // an earlier corruption emptied the file
        const size_t n = lines.size();
        const size_t at = below(n);
        switch (below(14)) {
            case 0:
                name = "drop line " + std::to_string(at + 1);
                lines.erase(lines.begin() + at);
                break;
            case 1:
                name = "duplicate line " + std::to_string(at + 1);
                lines.insert(lines.begin() + at, lines[at]);
                break;
            case 2: {  // truncate a line: fewer values, or a number cut in half
                name = "truncate line " + std::to_string(at + 1);
                lines[at] = lines[at].substr(0, below(lines[at].size() + 1));
                break;
            }
            case 3: {  // replace one word (a number, a dim, a name) by a bad number
                std::vector<std::string> w = words(lines[at]);
                if (w.empty()) break;
                const size_t k = below(w.size());
                w[k] = pick(kBadNumbers);
                name = "line " + std::to_string(at + 1) + " word " + std::to_string(k) + " -> '" + w[k] + "'";
                lines[at] = join_words(w);
                break;
            }
            case 4: {  // dims of a tensor/expect line: 0, negative, huge, or one more/less
                std::vector<size_t> headers;
                for (size_t i = 0; i < n; ++i)
                    if (lines[i].rfind("tensor ", 0) == 0 || lines[i].rfind("expect ", 0) == 0) headers.push_back(i);
                if (headers.empty()) break;
                const size_t h = pick(headers);
                std::vector<std::string> w = words(lines[h]);
                const std::vector<std::string> dims = {"0", "-1", "-3", "1", "2", "1000000", "4294967296",
                                                       "9223372036854775807", "1099511628000"};
                if (w.size() > 2 && below(3) > 0) w[2 + below(w.size() - 2)] = pick(dims);
                else if (w.size() > 2 && below(2)) w.pop_back();
                else w.push_back(pick(dims));
                name = "dims of line " + std::to_string(h + 1) + " -> '" + join_words(w) + "'";
                lines[h] = join_words(w);
                break;
            }
            case 5: {  // the kind
                for (auto& l : lines)
                    if (l.rfind("case ", 0) == 0) l = "case " + pick(kKinds);
                name = "kind changed";
                break;
            }
            case 6: {  // a param's value
                std::vector<size_t> params;
                for (size_t i = 0; i < n; ++i)
                    if (lines[i].rfind("param ", 0) == 0 || lines[i].rfind("module ", 0) == 0) params.push_back(i);
                if (params.empty()) break;
                const size_t p = pick(params);
                std::vector<std::string> w = words(lines[p]);
                if (w.size() < 3) break;
                w[2 + below(w.size() - 2)] = pick(kBadNumbers);
                name = "param/module line " + std::to_string(p + 1) + " -> '" + join_words(w) + "'";
                lines[p] = join_words(w);
                break;
            }
            case 7: {  // a few random bytes anywhere
                std::string t = join_lines(lines);
                for (size_t k = 0, m = 1 + below(8); k < m && !t.empty(); ++k) t[below(t.size())] = static_cast<char>(rng());
                name = "random bytes";
                return t;
            }
            case 8:
                name = "empty file";
                return "";
            case 9: {  // binary junk
                std::string t(below(600), '\0');
                for (char& c : t) c = static_cast<char>(rng());
                name = "binary junk";
                return t;
            }
            case 10: {  // cut the file at a random byte
                const std::string t = join_lines(lines);
                name = "cut at a byte";
                return t.substr(0, below(t.size()));
            }
            case 11: {  // two lines swapped
                const size_t other = below(n);
                if (n) std::swap(lines[at], lines[other]);
                name = "swap lines " + std::to_string(at + 1) + " and " + std::to_string(other + 1);
                break;
            }
            case 12: {  // a values line made longer or shorter by one value
                std::vector<std::string> w = words(lines[at]);
                if (below(2) && !w.empty()) w.pop_back();
                else w.push_back("0.5");
                name = "one value more/less on line " + std::to_string(at + 1);
                lines[at] = join_words(w);
                break;
            }
            default: {  // CR line ends, tabs and a stray line of text
                for (auto& l : lines) l += below(2) ? "\r" : "\t";
                lines.insert(lines.begin() + below(n + 1), below(2) ? "garbage here" : "#");
                name = "line ends and a stray line";
                break;
            }
        }
        return join_lines(lines);
    }
};

// The outcome is acceptable: a pass, a fail on the numbers, or "PATH:LINE: reason" with a real LINE.
::testing::AssertionResult well_formed(const parity::CaseResult& r, const std::string& path, size_t line_count) {
    if (r.passed) {
        if (!r.message.empty()) return ::testing::AssertionFailure() << "passed with a message: " << r.message;
        return ::testing::AssertionSuccess();
    }
    // A case that ran but computed other numbers than the file expects: "NAME max error E at index I ..."
    const size_t space = r.message.find(' ');
    if (space != std::string::npos && r.message.compare(space, 11, " max error ") == 0 &&
        r.message.find(" at index ") != std::string::npos)
        return ::testing::AssertionSuccess();
    // Anything else: "PATH:LINE: reason".
    if (r.message.rfind(path + ":", 0) != 0)
        return ::testing::AssertionFailure() << "message does not start with the path: " << r.message;
    const std::string rest = r.message.substr(path.size() + 1);
    size_t digits = 0;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
    if (digits == 0 || rest.compare(digits, 2, ": ") != 0 || rest.size() <= digits + 2) {
        // "PATH: cannot open the file" is the one message without a line
        if (rest.rfind(" cannot open", 0) == 0) return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure() << "message is not file:line: reason: " << r.message;
    }
    const long line = std::stol(rest.substr(0, digits));
    if (line < 1 || static_cast<size_t>(line) > std::max<size_t>(line_count, 1))
        return ::testing::AssertionFailure() << "line " << line << " outside the file's " << line_count
                                             << " lines: " << r.message;
    return ::testing::AssertionSuccess();
}

}  // namespace

TEST(ParityFuzz, CorruptedCaseFilesFailWithALocationNeverACrash) {
    const std::vector<std::string> files = parity::case_files("tests/parity");
    ASSERT_GE(files.size(), 8u);
    ex_test::TempDir tmp("ag_parity_fuzz");
    const std::string path = tmp.path + "/case.txt";
    Mutator mutate(20240611);
    int passed = 0, failed = 0;
    double slowest = 0.0;
    std::string slowest_name;
    for (const std::string& file : files) {
        const std::string original = ex_test::read_all(file);
        for (int round = 0; round < 200; ++round) {
            std::string name, text = original;
            // usually one corruption, sometimes two or three on top of each other
            for (size_t k = 0, m = 1 + (round % 4 == 3 ? 1 + mutate.below(2) : 0); k < m; ++k) {
                std::string step;
                text = mutate(text, step);
                name += (k ? " + " : "") + step;
            }
            std::ofstream(path, std::ios::binary) << text;
            const long rss_before = ex_test::peak_rss_kb();
            const auto start = std::chrono::steady_clock::now();
            const parity::CaseResult r = parity::run_case_file(path);
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            EXPECT_LT(ex_test::peak_rss_kb() - rss_before, 64 * 1024) << "the peak memory grew by "
                << (ex_test::peak_rss_kb() - rss_before) / 1024 << " MB on " << file << ": " << name;
            if (seconds > slowest) slowest = seconds, slowest_name = file + ": " + name;
            size_t line_count = split_lines(text).size();
            EXPECT_TRUE(well_formed(r, path, line_count)) << file << ": " << name;
            (r.passed ? passed : failed) += 1;
            if (::testing::Test::HasFailure()) return;  // one broken file tells enough
        }
    }
    // Nearly every corruption is caught; a few are harmless (a duplicated comment, a value
    // changed within the tolerance, a stray tab).
    EXPECT_GT(failed, 8 * passed);
    EXPECT_LT(slowest, 1.0) << "the slowest case took " << slowest << " s: " << slowest_name;
}
