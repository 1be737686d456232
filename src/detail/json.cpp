// json.cpp — a recursive-descent JSON reader that refuses anything RFC 8259 does not allow.
//
// Machinery: one function per kind of value (object, array, string, number, literal), each
// reading from `pos` and throwing JsonError at the first byte that does not fit. The recursion
// is bounded by JsonLimits::max_depth, so a file of a million '[' cannot overflow the stack.
#include "ag/detail/json.h"

#include <cstdint>

namespace ag::detail {

const Json* Json::find(const std::string& key) const {
    for (const auto& m : members)
        if (m.first == key) return &m.second;
    return nullptr;
}

const char* json_kind_name(Json::Kind kind) {
    switch (kind) {
        case Json::Kind::Null: return "null";
        case Json::Kind::Bool: return "a boolean";
        case Json::Kind::Number: return "a number";
        case Json::Kind::String: return "a string";
        case Json::Kind::Array: return "an array";
        case Json::Kind::Object: return "an object";
    }
    return "a value";
}

// ---- UTF-8 -----------------------------------------------------------------------------------

// The length (1-4) of the well-formed UTF-8 sequence starting at s[i], or 0 if it is not one.
static size_t utf8_sequence(const std::string& s, size_t i) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char b0 = byte(i);
    if (b0 < 0x80) return 1;
    size_t n;
    uint32_t cp, min;
    if ((b0 & 0xE0) == 0xC0) n = 2, cp = b0 & 0x1F, min = 0x80;
    else if ((b0 & 0xF0) == 0xE0) n = 3, cp = b0 & 0x0F, min = 0x800;
    else if ((b0 & 0xF8) == 0xF0) n = 4, cp = b0 & 0x07, min = 0x10000;
    else return 0;  // a continuation byte, or 0xF8..0xFF
    if (i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;  // overlong, too big, surrogate
    return n;
}

bool valid_utf8(const std::string& s) {
    for (size_t i = 0; i < s.size();) {
        const size_t n = utf8_sequence(s, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// ---- the reader ------------------------------------------------------------------------------

namespace {

class Reader {
public:
    Reader(const std::string& text, JsonLimits limits) : s_(text), limits_(limits) {}

    Json document() {
        skip_space();
        Json v = value(0);
        skip_space();
        if (pos_ != s_.size()) fail("unexpected " + describe_here() + " after the JSON value");
        return v;
    }

private:
    const std::string& s_;
    JsonLimits limits_;
    size_t pos_ = 0;
    size_t values_ = 0;

    [[noreturn]] void fail(const std::string& reason) const { throw JsonError(pos_, reason); }

    // What is at pos_, for messages: "'x'", "byte 0x07", "the end of the text".
    std::string describe_here() const {
        if (pos_ >= s_.size()) return "the end of the text";
        const unsigned char c = static_cast<unsigned char>(s_[pos_]);
        if (c >= 0x20 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
        static const char* hex = "0123456789abcdef";
        return std::string("byte 0x") + hex[c >> 4] + hex[c & 15];
    }

    void skip_space() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
            ++pos_;
    }

    void expect(char c, const char* where) {
        if (pos_ >= s_.size() || s_[pos_] != c)
            fail(std::string("expected '") + c + "' " + where + ", found " + describe_here());
        ++pos_;
    }

    Json value(size_t depth) {
        if (++values_ > limits_.max_values)
            fail("more than " + std::to_string(limits_.max_values) + " values");
        if (pos_ >= s_.size()) fail("expected a value, found the end of the text");
        const char c = s_[pos_];
        if (c == '{' || c == '[') {
            if (depth >= limits_.max_depth)
                fail("arrays and objects nested more than " + std::to_string(limits_.max_depth) + " deep");
            return c == '{' ? object(depth + 1) : array(depth + 1);
        }
        if (c == '"') {
            Json v;
            v.kind = Json::Kind::String;
            v.offset = pos_;
            v.text = string();
            return v;
        }
        if (c == '-' || (c >= '0' && c <= '9')) return number();
        if (s_.compare(pos_, 4, "true") == 0) return literal(Json::Kind::Bool, true, 4);
        if (s_.compare(pos_, 5, "false") == 0) return literal(Json::Kind::Bool, false, 5);
        if (s_.compare(pos_, 4, "null") == 0) return literal(Json::Kind::Null, false, 4);
        fail("expected a value, found " + describe_here());
    }

    Json literal(Json::Kind kind, bool b, size_t length) {
        Json v;
        v.kind = kind;
        v.boolean = b;
        v.offset = pos_;
        pos_ += length;
        return v;
    }

    Json object(size_t depth) {
        Json v;
        v.kind = Json::Kind::Object;
        v.offset = pos_;
        ++pos_;  // '{'
        skip_space();
        if (pos_ < s_.size() && s_[pos_] == '}') {
            ++pos_;
            return v;
        }
        while (true) {
            skip_space();
            if (pos_ >= s_.size() || s_[pos_] != '"') fail("expected a key (a string), found " + describe_here());
            std::string key = string();
            skip_space();
            expect(':', "after a key");
            skip_space();
            Json member = value(depth);
            v.members.emplace_back(std::move(key), std::move(member));
            skip_space();
            if (pos_ < s_.size() && s_[pos_] == ',') {
                ++pos_;
                continue;
            }
            expect('}', "or ',' after a member of an object");
            return v;
        }
    }

    Json array(size_t depth) {
        Json v;
        v.kind = Json::Kind::Array;
        v.offset = pos_;
        ++pos_;  // '['
        skip_space();
        if (pos_ < s_.size() && s_[pos_] == ']') {
            ++pos_;
            return v;
        }
        while (true) {
            skip_space();
            v.items.push_back(value(depth));
            skip_space();
            if (pos_ < s_.size() && s_[pos_] == ',') {
                ++pos_;
                continue;
            }
            expect(']', "or ',' after an item of an array");
            return v;
        }
    }

    // -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, kept as written.
    Json number() {
        Json v;
        v.kind = Json::Kind::Number;
        v.offset = pos_;
        const size_t start = pos_;
        const auto digit = [&] { return pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9'; };
        const auto digits = [&](const char* what) {
            if (!digit()) fail(std::string("expected a digit ") + what + ", found " + describe_here());
            while (digit()) ++pos_;
        };
        if (s_[pos_] == '-') ++pos_;
        if (pos_ < s_.size() && s_[pos_] == '0') {
            ++pos_;
            if (digit()) fail("a number with a leading zero");
        } else {
            digits("in a number");
        }
        if (pos_ < s_.size() && s_[pos_] == '.') {
            ++pos_;
            digits("after the decimal point");
        }
        if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
            ++pos_;
            if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
            digits("in the exponent");
        }
        v.text = s_.substr(start, pos_ - start);
        return v;
    }

    uint32_t hex4() {
        uint32_t cp = 0;
        for (int k = 0; k < 4; ++k) {
            if (pos_ >= s_.size()) fail("a \\u escape cut short by the end of the text");
            const char c = s_[pos_];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0) fail("expected a hex digit in a \\u escape, found " + describe_here());
            cp = cp * 16 + static_cast<uint32_t>(d);
            ++pos_;
        }
        return cp;
    }

    // A string literal at pos_ ('"'): its text, escapes decoded, as UTF-8.
    std::string string() {
        ++pos_;  // '"'
        std::string out;
        while (true) {
            if (pos_ >= s_.size()) fail("a string without its closing '\"'");
            const unsigned char c = static_cast<unsigned char>(s_[pos_]);
            if (c == '"') {
                ++pos_;
                return out;
            }
            if (c < 0x20) fail("a control character (" + describe_here() + ") inside a string");
            if (c == '\\') {
                ++pos_;
                if (pos_ >= s_.size()) fail("a string without its closing '\"'");
                const char e = s_[pos_++];
                switch (e) {
                    case '"': out += '"'; break;
                    case '\\': out += '\\'; break;
                    case '/': out += '/'; break;
                    case 'b': out += '\b'; break;
                    case 'f': out += '\f'; break;
                    case 'n': out += '\n'; break;
                    case 'r': out += '\r'; break;
                    case 't': out += '\t'; break;
                    case 'u': {
                        uint32_t cp = hex4();
                        if (cp >= 0xDC00 && cp <= 0xDFFF) fail("a \\u escape of a lone low surrogate");
                        if (cp >= 0xD800 && cp <= 0xDBFF) {  // a high surrogate: its pair must follow
                            if (s_.compare(pos_, 2, "\\u") != 0) fail("a high surrogate \\u escape without its low half");
                            pos_ += 2;
                            const uint32_t low = hex4();
                            if (low < 0xDC00 || low > 0xDFFF) fail("a high surrogate \\u escape without its low half");
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                        }
                        append_utf8(out, cp);
                        break;
                    }
                    default:
                        --pos_;
                        fail("an unknown escape: a backslash before " + describe_here());
                }
                continue;
            }
            const size_t n = utf8_sequence(s_, pos_);
            if (n == 0) fail("invalid UTF-8 (" + describe_here() + ") inside a string");
            out.append(s_, pos_, n);
            pos_ += n;
        }
    }
};

}  // namespace

Json parse_json(const std::string& text, JsonLimits limits) { return Reader(text, limits).document(); }

// ---- the writer ------------------------------------------------------------------------------

std::string json_quote(const std::string& s) {
    static const char* hex = "0123456789abcdef";
    std::string out = "\"";
    for (char ch : s) {
        const unsigned char c = static_cast<unsigned char>(ch);
        if (c == '"') out += "\\\"";
        else if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else if (c == '\r') out += "\\r";
        else if (c < 0x20) out += std::string("\\u00") + hex[c >> 4] + hex[c & 15];
        else out += ch;
    }
    return out + "\"";
}

}  // namespace ag::detail
