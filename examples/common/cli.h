// cli.h — the examples' command-line flags: declare each one with its help, then parse argv.
//
// Teaches: check every input before doing any work. A mistake (unknown flag, a non-number, a
// length of zero) is reported in one line on stderr with exit status 2, before any file is written.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "plot.h"

namespace ex {

// The flags every example shares.
struct CommonOptions {
    uint64_t seed = 0;            // --seed: manual_seed(seed) before each model is built
    std::string out = "out";      // --out: data, scripts and pictures go to OUT/EXAMPLE/
    PlotMode plot = PlotMode::Auto;  // --plot
};

class Args {
public:
    // program: the example's name (also its out folder); about: what it reproduces, for --help.
    Args(std::string program, std::string about);

    // Declares `--name VALUE`. `set` parses the text; it throws std::invalid_argument with the
    // reason when the value is bad. `fallback` is shown in --help as the default.
    void option(const std::string& name, const std::string& value_name, const std::string& help,
                const std::string& fallback, std::function<void(const std::string&)> set);
    // Declares --seed, --out and --plot.
    void common(CommonOptions& options);
    // Declares --jobs N for an example that trains independent configurations: how many of them
    // train at the same time, one thread each (jobs.h). Its default is the number of cores.
    void jobs(int64_t& jobs);

    // Reads argv (`--name value` or `--name=value`). --help prints usage and exits 0; a mistake
    // prints "PROGRAM: error: ... (see --help)" on stderr and exits 2.
    void parse(int argc, char** argv) const;
    std::string usage() const;

private:
    struct Option {
        std::string name, value_name, help, fallback;
        std::function<void(const std::string&)> set;
    };
    std::string program_, about_;
    std::vector<Option> options_;
};

// Runs an example's `run`; an error it throws at run time (an --out folder that cannot be created,
// ...) becomes one line "PROGRAM: error: ..." on stderr and exit status 1.
int main_guard(const char* program, int (*run)(int, char**), int argc, char** argv);

// ---- value parsers (each throws std::invalid_argument saying what is wrong) --------------------
int64_t parse_positive(const std::string& text);                    // "20" -> 20; 0, -3, "x" throw
std::vector<int64_t> parse_positive_list(const std::string& text);  // "20,100" -> {20, 100}
// "rnn,gru" -> {"rnn", "gru"}; an empty item throws, its message showing `example`
std::vector<std::string> split_list(const std::string& text, const char* example);
uint64_t parse_seed(const std::string& text);                       // a whole number >= 0
std::string parse_sentence(const std::string& text);                // at least one word
int64_t parse_count(const std::string& text);                       // "0", "7" -> a whole number >= 0
std::vector<int64_t> parse_count_list(const std::string& text);     // "0,1,4" -> {0, 1, 4}
double parse_number(const std::string& text);                       // "0.5", "2", "1e-3" -> finite
std::string parse_file_path(const std::string& text);               // "out/rnn.safetensors"; not "", not "dir/"

}  // namespace ex
