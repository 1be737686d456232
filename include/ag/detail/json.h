// json.h — a small, strict JSON reader and string writer: what a safetensors header needs.
//
// Machinery, not maths: the header of a safetensors file is JSON, and the file may come from
// anywhere, so the reader accepts exactly RFC 8259 and nothing else (no comments, no trailing
// commas, no NaN, no leading zeros, no invalid UTF-8), limits how deep and how many values it
// builds, and says where it stopped: "byte 17: expected ':' after a key". A key given twice in one
// object is kept twice (RFC 8259 allows it): the caller decides, and names what was repeated.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ag::detail {

// One JSON value. Objects keep their members in the order written.
struct Json {
    enum class Kind { Null, Bool, Number, String, Array, Object };
    Kind kind = Kind::Null;
    bool boolean = false;                              // Bool
    std::string text;                                  // String: its UTF-8 text; Number: as written
    std::vector<Json> items;                           // Array
    std::vector<std::pair<std::string, Json>> members;  // Object
    size_t offset = 0;                                 // where the value starts in the parsed text

    const Json* find(const std::string& key) const;  // an Object's member, or nullptr
};

// "an object", "a string", ...: for messages such as "shape is a string, not an array".
const char* json_kind_name(Json::Kind kind);

// A malformed document; offset is the byte of the text where reading stopped.
class JsonError : public std::invalid_argument {
public:
    JsonError(size_t offset_, const std::string& reason_)
        : std::invalid_argument("byte " + std::to_string(offset_) + ": " + reason_), offset(offset_), reason(reason_) {}
    size_t offset;
    std::string reason;  // what() without the "byte K: " in front
};

struct JsonLimits {
    size_t max_depth = 64;         // arrays and objects inside each other
    size_t max_values = 1000000;   // values in the whole document
};

// Parses one JSON value, with only whitespace around it. Throws JsonError.
Json parse_json(const std::string& text, JsonLimits limits = {});

// `s` as a JSON string literal, quotes included ("a\"b" for a"b); s must be valid UTF-8.
std::string json_quote(const std::string& s);

// Whether `s` is well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
bool valid_utf8(const std::string& s);

}  // namespace ag::detail
