// cli.cpp — flag parsing for the examples: strict, with one clear line per mistake.
//
// Teaches: a parser that guesses nothing. Each value goes through a parser that either returns
// it or throws the reason; parse() turns that reason into "PROGRAM: error: ... (see --help)", exit 2.
#include "cli.h"
#include "jobs.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace ex {

Args::Args(std::string program, std::string about)
    : program_(std::move(program)), about_(std::move(about)) {}

void Args::option(const std::string& name, const std::string& value_name, const std::string& help,
                  const std::string& fallback, std::function<void(const std::string&)> set) {
    options_.push_back({name, value_name, help, fallback, std::move(set)});
}

void Args::common(CommonOptions& options) {
    option("--seed", "N", "seed for the initial weights (torch.manual_seed(N))",
           std::to_string(options.seed), [&options](const std::string& v) { options.seed = parse_seed(v); });
    option("--out", "DIR", "folder for data, scripts and pictures (DIR/" + program_ + "/)",
           options.out, [&options](const std::string& v) {
               if (v.empty()) throw std::invalid_argument("the folder name is empty");
               options.out = v;
           });
    option("--plot", "MODE", "auto | window | png | svg | dumb | none", plot_mode_name(options.plot),
           [&options](const std::string& v) { options.plot = parse_plot_mode(v); });
}

void Args::jobs(int64_t& jobs) {
    jobs = default_jobs();
    option("--jobs", "N", "configurations trained at once, one thread each (same output for any N)",
           std::to_string(jobs) + ", the number of cores", [&jobs](const std::string& v) { jobs = parse_positive(v); });
}

std::string Args::usage() const {
    std::ostringstream os;
    os << "usage: " << program_ << " [flags]\n" << about_ << "\n\nflags:\n";
    for (const Option& o : options_) {
        std::string left = "  " + o.name + " " + o.value_name;
        os << left << std::string(left.size() < 24 ? 24 - left.size() : 1, ' ') << o.help
           << " (default: " << o.fallback << ")\n";
    }
    os << "  --help                print this and exit\n";
    return os.str();
}

void Args::parse(int argc, char** argv) const {
    auto fail = [this](const std::string& message) {
        std::cerr << program_ << ": error: " << message << " (see --help)\n";
        std::exit(2);
    };
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::cout << usage();
            std::exit(0);
        }
        std::string name = arg, value;
        bool has_value = false;
        size_t eq = arg.find('=');
        if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
            has_value = true;
        }
        const Option* found = nullptr;
        for (const Option& o : options_) {
            if (o.name == name) found = &o;
        }
        if (!found) fail("unknown flag '" + arg + "'");
        if (!has_value) {
            if (i + 1 >= argc) fail(name + " needs a value (" + found->value_name + ")");
            value = argv[++i];
        }
        try {
            found->set(value);
        } catch (const std::exception& e) {
            fail(name + ": " + e.what());
        }
    }
}

// ---- value parsers ---------------------------------------------------------------------------

int64_t parse_positive(const std::string& text) {
    size_t used = 0;
    long long value = 0;
    bool digits = !text.empty() && (std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '-' || text[0] == '+');
    try {
        if (digits) value = std::stoll(text, &used);
    } catch (const std::exception&) {
        throw std::invalid_argument("'" + text + "' is not a whole number in range");
    }
    if (!digits || used != text.size()) throw std::invalid_argument("'" + text + "' is not a whole number");
    if (value <= 0) throw std::invalid_argument("'" + text + "' must be at least 1");
    return value;
}

// Splits "a,b,c" and parses each item; an empty item is refused, naming an example of the form.
std::vector<std::string> split_list(const std::string& text, const char* example) {
    std::vector<std::string> items;
    size_t start = 0;
    while (true) {
        const size_t comma = text.find(',', start);
        std::string piece = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (piece.empty())
            throw std::invalid_argument("'" + text + "' has an empty item (write e.g. " + example + ")");
        items.push_back(piece);
        if (comma == std::string::npos) return items;
        start = comma + 1;
    }
}

static std::vector<int64_t> parse_list(const std::string& text, const char* example,
                                       int64_t (*parse_item)(const std::string&)) {
    std::vector<int64_t> values;
    for (const std::string& piece : split_list(text, example)) values.push_back(parse_item(piece));
    return values;
}

std::vector<int64_t> parse_positive_list(const std::string& text) {
    return parse_list(text, "20,100", parse_positive);
}

uint64_t parse_seed(const std::string& text) {
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
        throw std::invalid_argument("'" + text + "' is not a whole number >= 0");
    }
    try {
        return std::stoull(text);
    } catch (const std::exception&) {
        throw std::invalid_argument("'" + text + "' is too large for a 64-bit seed");
    }
}

std::string parse_sentence(const std::string& text) {
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
        throw std::invalid_argument("the sentence has no words");
    }
    return text;
}

int64_t parse_count(const std::string& text) {
    if (!text.empty() && text[0] == '-') throw std::invalid_argument("'" + text + "' must be 0 or more");
    if (!text.empty() && text.find_first_not_of("0") == std::string::npos) return 0;  // "0", "00"
    return parse_positive(text);  // the same messages for "x", "2.5", a huge number
}

std::vector<int64_t> parse_count_list(const std::string& text) {
    return parse_list(text, "0,1,4", parse_count);
}

double parse_number(const std::string& text) {
    size_t used = 0;
    double value = 0.0;
    const bool starts = !text.empty() && !std::isspace(static_cast<unsigned char>(text[0]));
    try {
        if (starts) value = std::stod(text, &used);
    } catch (const std::exception&) {
        throw std::invalid_argument("'" + text + "' is not a number in range");
    }
    if (!starts || used != text.size()) throw std::invalid_argument("'" + text + "' is not a number");
    if (!std::isfinite(value)) throw std::invalid_argument("'" + text + "' is not a finite number");
    return value;
}

int main_guard(const char* program, int (*run)(int, char**), int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: error: %s\n", program, e.what());
        return 1;
    }
}

std::string parse_file_path(const std::string& text) {
    if (text.empty()) throw std::invalid_argument("the path is empty");
    if (text.back() == '/') throw std::invalid_argument("'" + text + "' names a folder, not a file");
    return text;
}

}  // namespace ex
