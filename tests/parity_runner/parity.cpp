// parity.cpp — compare what the engine computed with what PyTorch computed, case by case.
//
// Teaches: the comparison is per value, |got − want| ≤ 1e-5 + 1e-4·|want|; a case fails at the
// first expected tensor with a value outside that band and says where. Every case reports the
// largest error it saw, so a pass also tells how close it was.
#include "parity.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <ostream>

namespace parity {

namespace {

std::string sci(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2g", x);
    return buf;
}

std::string num(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", x);
    return buf;
}

// Flat index -> "[i, j, k]" for a shape of rank >= 2.
std::string multi_index(int64_t flat, const ag::Shape& shape) {
    if (shape.size() < 2) return "";
    ag::Shape idx(shape.size());
    for (size_t d = shape.size(); d-- > 0;) {
        idx[d] = shape[d] == 0 ? 0 : flat % shape[d];
        flat = shape[d] == 0 ? 0 : flat / shape[d];
    }
    return " " + ag::shape_str(idx);
}

}  // namespace

CaseResult run_case(const Case& c) {
    CaseResult r;
    r.name = c.name;
    r.kind = c.kind;
    try {
        std::map<std::string, ag::Tensor> got = compute(c);
        for (const auto& [name, want] : c.expects) {
            auto it = got.find(name);
            if (it == got.end()) {
                std::string known;
                for (const auto& g : got) known += (known.empty() ? "" : ", ") + g.first;
                throw CaseError(c.file + ":" + std::to_string(want.line) + ": expect '" + name +
                                "' is not a result of a case of kind " + c.kind + " (results: " + known +
                                ")");
            }
            const ag::Tensor& t = it->second;
            if (t.shape() != want.shape)
                throw CaseError(c.file + ":" + std::to_string(want.line) + ": expect '" + name +
                                "' has shape " + ag::shape_str(want.shape) + " but the case computes " +
                                ag::shape_str(t.shape()));
            const std::vector<float>& v = t.values();
            double max_err = 0.0;
            int64_t max_at = -1, first_bad = -1;
            for (size_t i = 0; i < v.size(); ++i) {
                double err = std::fabs(static_cast<double>(v[i]) - want.values[i]);
                if (std::isnan(err)) err = INFINITY;  // a NaN is as wrong as it gets
                if (max_at < 0 || err > max_err) max_err = err, max_at = static_cast<int64_t>(i);
                if (first_bad < 0 && !within_tolerance(v[i], want.values[i]))
                    first_bad = static_cast<int64_t>(i);
            }
            r.max_error = std::max(r.max_error, max_err);
            if (first_bad >= 0 && r.message.empty()) {
                r.message = name + " max error " + sci(max_err) + " at index " + std::to_string(max_at) +
                            multi_index(max_at, want.shape) + " (got " + num(v[max_at]) + ", want " +
                            num(want.values[max_at]) + ")";
                if (first_bad != max_at && within_tolerance(v[max_at], want.values[max_at]))
                    r.message += "; first value outside tolerance at index " + std::to_string(first_bad) +
                                 multi_index(first_bad, want.shape) + " (got " + num(v[first_bad]) +
                                 ", want " + num(want.values[first_bad]) + ")";
            }
        }
        r.passed = r.message.empty();
    } catch (const CaseError& e) {
        r.passed = false;
        r.message = e.what();
    } catch (const std::exception& e) {
        // The engine refused something (a shape, an index): still a failure with a location.
        r.passed = false;
        r.message = c.file + ":" + std::to_string(c.kind_line) + ": running the " + c.kind +
                    " case failed: " + e.what();
    }
    return r;
}

CaseResult run_case_file(const std::string& path) {
    try {
        return run_case(parse_case_file(path));
    } catch (const std::exception& e) {
        CaseResult r;
        std::string base =
            path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
        r.name = base.size() > 4 && base.compare(base.size() - 4, 4, ".txt") == 0
                     ? base.substr(0, base.size() - 4)
                     : base;
        r.message = e.what();
        return r;
    }
}

std::string format_result(const CaseResult& r) {
    if (r.passed) return "PASS " + r.name + " (" + r.kind + ", max error " + sci(r.max_error) + ")";
    return "FAIL " + r.name + ": " + r.message;
}

std::vector<std::string> case_files(const std::string& dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(dir, ec)) throw std::runtime_error("parity: directory " + dir + " does not exist");
    if (!fs::is_directory(dir, ec)) throw std::runtime_error("parity: " + dir + " is not a directory");
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(dir, ec))
        if (entry.path().extension() == ".txt" && !entry.is_directory())
            files.push_back(entry.path().string());
    if (ec) throw std::runtime_error("parity: cannot list " + dir + ": " + ec.message());
    if (files.empty()) throw std::runtime_error("parity: no case files (*.txt) in " + dir);
    std::sort(files.begin(), files.end());
    return files;
}

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.empty()) {
        err << "usage: parity DIR_OR_CASE_FILE...   (runs every *.txt case in each directory)\n";
        return 2;
    }
    std::vector<std::string> files;
    try {
        for (const std::string& a : args) {
            std::error_code ec;
            if (std::filesystem::is_regular_file(a, ec)) {
                files.push_back(a);
            } else {
                std::vector<std::string> more = case_files(a);
                files.insert(files.end(), more.begin(), more.end());
            }
        }
    } catch (const std::exception& e) {
        err << e.what() << "\n";
        return 2;
    }
    int passed = 0, failed = 0;
    for (const std::string& f : files) {
        CaseResult r = run_case_file(f);
        out << format_result(r) << "\n";
        (r.passed ? passed : failed) += 1;
    }
    out << passed << " passed, " << failed << " failed\n";
    return failed == 0 ? 0 : 1;
}

}  // namespace parity
