// parity.h — the PyTorch parity runner as a library: read a case file, rebuild the computation
// with the engine, compare every expected number.
//
// Teaches: a golden-number test. PyTorch computed each case once (tests/parity/README.md has the
// format); the runner must reproduce every value within |got − want| ≤ 1e-5 + 1e-4·|want|.
// A file that cannot be run is a failure that names the file and line, never a crash or a pass.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "ag/tensor.h"

namespace parity {

// "file:line: reason" — anything wrong with a case file (or with running it).
class CaseError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A `tensor` or `expect` item: its shape and values as written, and where.
struct TensorText {
    ag::Shape shape;             // the dims on the header line; {} = a scalar
    std::vector<double> values;  // (numel) row-major, as parsed
    int line = 0;                // the header line
};

struct ParamText {
    std::string text;  // the value as written (integers are re-read exactly from it)
    double value = 0;
    int line = 0;
};

// `module NAME TYPE ARG...` (init cases)
struct ModuleText {
    std::string name, type;
    std::vector<int64_t> args;
    int line = 0;
};

struct Case {
    std::string file;  // the path, as used in messages
    std::string name;  // the file name without directory and ".txt"
    std::string kind;  // linear, rnn, embedding, adam, train_rnn_model, positional_encoding,
                       // clip_grad_norm, init, lstm, gru, multihead_attention,
                       // layer_norm, softmax, cross_entropy
    int kind_line = 0;
    std::map<std::string, ParamText> params;
    std::vector<ModuleText> modules;                          // in file order
    std::vector<std::pair<std::string, TensorText>> tensors;  // in file order
    std::vector<std::pair<std::string, TensorText>> expects;  // in file order
};

// Parsing: throws CaseError("file:line: reason") on anything malformed.
Case parse_case(std::istream& in, const std::string& file);
Case parse_case_file(const std::string& path);

// Runs the case with the engine: every result it produces, by name ("output", "grad:weight",
// "rnn.weight_ih_l0", ...). Throws CaseError for inputs that do not fit the kind.
std::map<std::string, ag::Tensor> compute(const Case& c);

// The tolerance of the README.
inline bool within_tolerance(double got, double want) {
    double err = got > want ? got - want : want - got;
    return err <= 1e-5 + 1e-4 * (want < 0 ? -want : want);  // false for NaN
}

struct CaseResult {
    std::string name;  // case name (file stem)
    std::string kind;  // empty when the file could not be parsed
    bool passed = false;
    double max_error = 0.0;  // largest |got − want| over every expected value
    std::string message;     // why it failed
};

// Parse + compute + compare; never throws.
CaseResult run_case(const Case& c);
CaseResult run_case_file(const std::string& path);

// "PASS name (max error 3.1e-08)" or "FAIL name: <reason>"
std::string format_result(const CaseResult& r);

// Every *.txt file directly in `dir`, sorted. Throws std::runtime_error when `dir` is missing,
// is not a directory, or holds no case.
std::vector<std::string> case_files(const std::string& dir);

// The command line: each argument a directory (all its cases) or one case file. Prints one line
// per case and "N passed, M failed" to `out`, errors to `err`. Returns 0 when all pass, 1 when any
// case fails, 2 when there is nothing to run.
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace parity
