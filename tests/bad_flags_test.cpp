// bad_flags_test.cpp — the two programs the other flag tests leave out: 00_autograd (no flags at
// all) and bench. A mistake on the command line is one line on stderr and exit status 2, before
// any work; --help is a usage text on stdout and exit status 0.
//
// (01–05 are covered in examples_test.cpp, 06 and 07 in claims_test.cpp.)
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "example_test_util.h"

using ex_test::read_all;
using ex_test::run_example;
using ex_test::TempDir;

namespace {

// Exit status 2, nothing on stdout, exactly one line on stderr starting with `prefix`.
void expect_one_line_refusal(const std::string& name, const std::string& flags, const std::string& prefix,
                             const TempDir& tmp) {
    EXPECT_EQ(run_example(name, flags, tmp.path), 2) << name << " " << flags;
    const std::string err = read_all(tmp.path + "/stderr.txt");
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << name << " " << flags << ": " << err;
    EXPECT_EQ(err.rfind(prefix, 0), 0u) << name << " " << flags << ": " << err;
    EXPECT_TRUE(read_all(tmp.path + "/stdout.txt").empty()) << name << " " << flags;
}

}  // namespace

TEST(BadFlags, AutogradTakesNoFlags) {
    TempDir tmp;
    for (const char* flags : {"--bogus", "--seed 1", "extra", "-x", "--out /tmp/x", "--help=1"})
        expect_one_line_refusal("00_autograd", flags, "00_autograd: error: unknown flag '", tmp);

    ASSERT_EQ(run_example("00_autograd", "--help", tmp.path), 0);
    EXPECT_EQ(read_all(tmp.path + "/stdout.txt").rfind("usage: 00_autograd", 0), 0u);

    // Without flags it still runs: y = tanh(0.5·2 − 0.3) = tanh(0.7) = 0.604368, dy/dw = (1 − y²)·2.
    ASSERT_EQ(run_example("00_autograd", "", tmp.path), 0);
    const std::string out = read_all(tmp.path + "/stdout.txt");
    EXPECT_NE(out.find("0.6044"), std::string::npos) << out;
    EXPECT_NE(out.find("dy/dw  = 1.269479"), std::string::npos) << out;
}

TEST(BadFlags, BenchRefusesBeforeRunningAnything) {
    // Each of these would otherwise start a workload that takes seconds: the refusal comes first.
    const std::vector<std::string> cases = {
        "--bogus 1",         "--batch 0",         "--length -5",   "--hidden x",     "--epochs 2.5",
        "--layers",          "--workload nope",   "--repeat 1e3",  "--input ''",     "--workload wide --batch 0",
        "--length 10abc"};
    TempDir tmp;
    for (const std::string& flags : cases) expect_one_line_refusal("bench", flags, "bench: ", tmp);

    ASSERT_EQ(run_example("bench", "--help", tmp.path), 0);
    EXPECT_EQ(read_all(tmp.path + "/stdout.txt").rfind("usage: bench", 0), 0u);
}
