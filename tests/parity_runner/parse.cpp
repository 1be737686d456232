// parse.cpp — reading a parity case file (format: tests/parity/README.md).
//
// Teaches: a forgiving-nothing parser. Every line is checked — its keyword, its token count, every
// number — and the first problem is reported as "file:line: reason" instead of guessed around.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <vector>
#include <sstream>

#include "parity.h"

namespace parity {

namespace {

const std::vector<std::string> kKinds = {
    "linear", "rnn", "embedding", "adam", "train_rnn_model", "positional_encoding",
    "clip_grad_norm", "init",
    "lstm", "gru",
    "multihead_attention", "layer_norm", "softmax", "cross_entropy",
};

bool known_kind(const std::string& kind) {
    for (const auto& k : kKinds)
        if (k == kind) return true;
    return false;
}

std::string known_kinds() {
    std::string s;
    for (const auto& k : kKinds) s += (s.empty() ? "" : ", ") + k;
    return s;
}

std::vector<std::string> split(const std::string& line) {
    std::istringstream ss(line);
    std::vector<std::string> tokens;
    for (std::string t; ss >> t;) tokens.push_back(t);
    return tokens;
}

// A token as it may appear in a message: at most 40 characters, unprintable bytes as '?'.
std::string shown(const std::string& token) {
    std::string out;
    for (char ch : token.substr(0, 40)) out += (ch >= 32 && ch < 127) ? ch : '?';
    return token.size() > 40 ? out + "..." : out;
}

struct Reader {
    const std::string& file;
    int line = 0;

    [[noreturn]] void fail(int at, const std::string& reason) const {
        throw CaseError(file + ":" + std::to_string(at) + ": " + reason);
    }

    double number(const std::string& token, int at) const {
        const char* s = token.c_str();
        char* end = nullptr;
        double v = std::strtod(s, &end);
        if (end == s || *end != '\0') fail(at, "'" + shown(token) + "' is not a number");
        if (!std::isfinite(v)) fail(at, "'" + shown(token) + "' is not a finite number");
        return v;
    }

    int64_t whole(const std::string& token, int at, const std::string& what) const {
        const char* s = token.c_str();
        char* end = nullptr;
        errno = 0;
        long long v = std::strtoll(s, &end, 10);
        if (end == s || *end != '\0' || errno == ERANGE)
            fail(at, what + " '" + shown(token) + "' is not a whole number");
        return static_cast<int64_t>(v);
    }
};

void check_name_free(const Case& c, const Reader& r, const std::string& name, int at) {
    for (const auto& t : c.tensors)
        if (t.first == name)
            r.fail(at,
                   "tensor '" + name + "' given twice (first on line " + std::to_string(t.second.line) + ")");
}

}  // namespace

Case parse_case(std::istream& in, const std::string& file) {
    Case c;
    c.file = file;
    std::string base =
        file.substr(file.find_last_of('/') == std::string::npos ? 0 : file.find_last_of('/') + 1);
    c.name = base.size() > 4 && base.compare(base.size() - 4, 4, ".txt") == 0
                 ? base.substr(0, base.size() - 4)
                 : base;
    Reader r{file};

    std::vector<std::string> lines;
    for (std::string s; std::getline(in, s);) {
        if (!s.empty() && s.back() == '\r') s.pop_back();
        lines.push_back(s);
    }

    for (size_t i = 0; i < lines.size(); ++i) {
        const int at = static_cast<int>(i) + 1;
        std::vector<std::string> tok = split(lines[i]);
        if (tok.empty() || tok[0][0] == '#') continue;  // blank line or comment
        const std::string& key = tok[0];

        if (c.kind.empty() && key != "case")
            r.fail(at, "expected 'case KIND' as the first line, found '" + shown(key) + "'");
        if (key == "case") {
            if (!c.kind.empty())
                r.fail(at, "a second 'case' line (the first is line " + std::to_string(c.kind_line) + ")");
            if (tok.size() != 2) r.fail(at, "'case' needs exactly one kind: case KIND");
            if (!known_kind(tok[1]))
                r.fail(at, "unknown case kind '" + shown(tok[1]) + "' (known: " + known_kinds() + ")");
            c.kind = tok[1];
            c.kind_line = at;
        } else if (key == "param") {
            if (tok.size() != 3) r.fail(at, "'param' needs a name and one value: param NAME VALUE");
            if (c.params.count(tok[1]))
                r.fail(at, "param '" + tok[1] + "' given twice (first on line " +
                               std::to_string(c.params[tok[1]].line) + ")");
            c.params[tok[1]] = ParamText{tok[2], r.number(tok[2], at), at};
        } else if (key == "module") {
            if (tok.size() < 3) r.fail(at, "'module' needs a name and a type: module NAME TYPE ARG...");
            for (const auto& m : c.modules)
                if (m.name == tok[1])
                    r.fail(at, "module '" + tok[1] + "' given twice (first on line " +
                                   std::to_string(m.line) + ")");
            ModuleText m{tok[1], tok[2], {}, at};
            for (size_t k = 3; k < tok.size(); ++k) m.args.push_back(r.whole(tok[k], at, "module argument"));
            c.modules.push_back(std::move(m));
        } else if (key == "tensor" || key == "expect") {
            if (tok.size() < 2) r.fail(at, "'" + key + "' needs a name: " + key + " NAME D1 D2 ...");
            const std::string& name = tok[1];
            if (key == "tensor") check_name_free(c, r, name, at);
            for (const auto& e : c.expects)
                if (key == "expect" && e.first == name)
                    r.fail(at, "expect '" + name + "' given twice (first on line " +
                                   std::to_string(e.second.line) + ")");
            TensorText t;
            t.line = at;
            int64_t numel = 1;
            for (size_t k = 2; k < tok.size(); ++k) {
                int64_t d = r.whole(tok[k], at, "dimension");
                if (d < 0) r.fail(at, "dimension " + tok[k] + " of '" + name + "' is negative");
                if (d > 0 && numel > (int64_t{1} << 40) / d) r.fail(at, "tensor '" + name + "' is too large");
                numel *= d;
                t.shape.push_back(d);
            }
            if (i + 1 >= lines.size())
                r.fail(at, key + " '" + name + "' " + ag::shape_str(t.shape) +
                               ": the values line is missing (end of file)");
            ++i;
            std::vector<std::string> vals = split(lines[i]);
            if (static_cast<int64_t>(vals.size()) != numel)
                r.fail(at + 1, key + " '" + name + "' of shape " + ag::shape_str(t.shape) + " needs " +
                                   std::to_string(numel) + " values, found " + std::to_string(vals.size()));
            t.values.reserve(vals.size());
            for (const auto& v : vals) t.values.push_back(r.number(v, at + 1));
            (key == "tensor" ? c.tensors : c.expects).emplace_back(name, std::move(t));
        } else {
            r.fail(at, "unknown line '" + shown(key) + "' (expected case, param, module, tensor or expect)");
        }
    }
    if (c.kind.empty())
        r.fail(lines.empty() ? 1 : static_cast<int>(lines.size()), "no 'case KIND' line: not a case file");
    if (c.expects.empty())
        r.fail(c.kind_line, "the case expects nothing: add 'expect' items (a case must check something)");
    return c;
}

Case parse_case_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw CaseError(path + ": cannot open the file");
    return parse_case(in, path);
}

}  // namespace parity
