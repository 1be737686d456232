// json_test.cpp — the strict JSON reader behind the safetensors header, at its limits.
//
// Teaches: a hand-written parser earns tests of its own: every kind of value with the exact result,
// every rule of RFC 8259 it enforces with the byte where it stopped, and the limits (depth, count,
// UTF-8 edges) that keep a hostile header from costing more than its size.
#include <gtest/gtest.h>

#include <string>

#include "ag/detail/json.h"

using ag::detail::Json;
using ag::detail::JsonError;
using ag::detail::parse_json;

namespace {

// The message of the JsonError that parsing `text` throws ("" and a failure if it parses).
std::string refusal(const std::string& text, ag::detail::JsonLimits limits = {}) {
    try {
        parse_json(text, limits);
    } catch (const JsonError& e) {
        return e.what();
    }
    ADD_FAILURE() << "parsed: " << text;
    return "";
}

}  // namespace

TEST(Json, ReadsEveryKindOfValue) {
    const Json doc = parse_json(" {\"b\": [1, -0.5e+3, true, false, null, {}, []], \"a\": \"x\"} \n");
    ASSERT_EQ(doc.kind, Json::Kind::Object);
    ASSERT_EQ(doc.members.size(), 2u);
    EXPECT_EQ(doc.members[0].first, "b");  // the order written, not sorted
    EXPECT_EQ(doc.members[1].first, "a");
    const Json& items = doc.members[0].second;
    ASSERT_EQ(items.kind, Json::Kind::Array);
    ASSERT_EQ(items.items.size(), 7u);
    EXPECT_EQ(items.items[0].text, "1");
    EXPECT_EQ(items.items[1].kind, Json::Kind::Number);
    EXPECT_EQ(items.items[1].text, "-0.5e+3");  // kept as written
    EXPECT_TRUE(items.items[2].boolean);
    EXPECT_EQ(items.items[3].kind, Json::Kind::Bool);
    EXPECT_FALSE(items.items[3].boolean);
    EXPECT_EQ(items.items[4].kind, Json::Kind::Null);
    EXPECT_EQ(items.items[5].kind, Json::Kind::Object);
    EXPECT_EQ(items.items[6].kind, Json::Kind::Array);
    EXPECT_EQ(items.items[1].offset, 11u);  // where "-0.5e+3" starts
    ASSERT_NE(doc.find("a"), nullptr);
    EXPECT_EQ(doc.find("a")->text, "x");
    EXPECT_EQ(doc.find("c"), nullptr);
}

TEST(Json, DecodesEscapesToUtf8) {
    EXPECT_EQ(parse_json(R"("\"\\\/\b\f\n\r\t")").text, "\"\\/\b\f\n\r\t");
    EXPECT_EQ(parse_json(R"("\u0041\u00e9\u20AC")").text, "A\xc3\xa9\xe2\x82\xac");  // A é €
    EXPECT_EQ(parse_json(R"("\ud83d\ude00")").text, "\xf0\x9f\x98\x80");            // U+1F600, a surrogate pair
    EXPECT_EQ(parse_json("\"\xe7\x8c\xab\"").text, "\xe7\x8c\xab");                  // raw UTF-8 passes through
    EXPECT_EQ(parse_json(R"("\u0000")").text, std::string(1, '\0'));
}

TEST(Json, KeepsAKeyGivenTwiceForTheCallerToRefuse) {
    const Json doc = parse_json(R"({"a": 1, "a": 2})");
    ASSERT_EQ(doc.members.size(), 2u);
    EXPECT_EQ(doc.members[1].second.text, "2");
}

TEST(Json, RefusesWhatRfc8259DoesNotAllowAndSaysWhere) {
    EXPECT_EQ(refusal(""), "byte 0: expected a value, found the end of the text");
    EXPECT_EQ(refusal("[1,]"), "byte 3: expected a value, found ']'");
    EXPECT_EQ(refusal("{\"a\" 1}"), "byte 5: expected ':' after a key, found '1'");
    EXPECT_EQ(refusal("{\"a\":1,}"), "byte 7: expected a key (a string), found '}'");
    EXPECT_EQ(refusal("{'a':1}"), "byte 1: expected a key (a string), found '''");
    EXPECT_EQ(refusal("[1 2]"), "byte 3: expected ']' or ',' after an item of an array, found '2'");
    EXPECT_EQ(refusal("01"), "byte 1: a number with a leading zero");
    EXPECT_EQ(refusal("1."), "byte 2: expected a digit after the decimal point, found the end of the text");
    EXPECT_EQ(refusal(".5"), "byte 0: expected a value, found '.'");
    EXPECT_EQ(refusal("+1"), "byte 0: expected a value, found '+'");
    EXPECT_EQ(refusal("1e"), "byte 2: expected a digit in the exponent, found the end of the text");
    EXPECT_EQ(refusal("-"), "byte 1: expected a digit in a number, found the end of the text");
    EXPECT_EQ(refusal("NaN"), "byte 0: expected a value, found 'N'");
    EXPECT_EQ(refusal("tru"), "byte 0: expected a value, found 't'");
    EXPECT_EQ(refusal("{} {}"), "byte 3: unexpected '{' after the JSON value");
    EXPECT_EQ(refusal("[1] // comment"), "byte 4: unexpected '/' after the JSON value");
    EXPECT_EQ(refusal("\"abc"), "byte 4: a string without its closing '\"'");
    EXPECT_EQ(refusal("\"a\tb\""), "byte 2: a control character (byte 0x09) inside a string");
    EXPECT_EQ(refusal(R"("\x41")"), "byte 2: an unknown escape: a backslash before 'x'");
    EXPECT_EQ(refusal(R"("\u12G4")"), "byte 5: expected a hex digit in a \\u escape, found 'G'");
    EXPECT_EQ(refusal(R"("\ud800")"), "byte 7: a high surrogate \\u escape without its low half");
    EXPECT_EQ(refusal(R"("\ud800\u0041")"), "byte 13: a high surrogate \\u escape without its low half");
    EXPECT_EQ(refusal(R"("\udc00")"), "byte 7: a \\u escape of a lone low surrogate");
}

TEST(Json, RefusesInvalidUtf8AtItsEdges) {
    EXPECT_EQ(refusal("\"\xff\""), "byte 1: invalid UTF-8 (byte 0xff) inside a string");
    EXPECT_EQ(refusal("\"\x80\""), "byte 1: invalid UTF-8 (byte 0x80) inside a string");          // a lone continuation
    EXPECT_EQ(refusal("\"\xc0\xaf\""), "byte 1: invalid UTF-8 (byte 0xc0) inside a string");      // overlong '/'
    EXPECT_EQ(refusal("\"\xe0\x80\xaf\""), "byte 1: invalid UTF-8 (byte 0xe0) inside a string");  // overlong, 3 bytes
    EXPECT_EQ(refusal("\"\xed\xa0\x80\""), "byte 1: invalid UTF-8 (byte 0xed) inside a string");  // a surrogate
    EXPECT_EQ(refusal("\"\xf4\x90\x80\x80\""), "byte 1: invalid UTF-8 (byte 0xf4) inside a string");  // above U+10FFFF
    EXPECT_EQ(refusal("\"\xe2\x82\""), "byte 1: invalid UTF-8 (byte 0xe2) inside a string");      // cut short
    EXPECT_EQ(parse_json("\"\xf4\x8f\xbf\xbf\"").text, "\xf4\x8f\xbf\xbf");                        // U+10FFFF is fine
    EXPECT_TRUE(ag::detail::valid_utf8("a\xc3\xa9\xf0\x9f\x98\x80"));
    EXPECT_FALSE(ag::detail::valid_utf8("a\xc3"));
    EXPECT_TRUE(ag::detail::valid_utf8(""));
}

TEST(Json, LimitsDepthAndCount) {
    // 64 arrays inside each other are fine, 65 are refused before the stack can grow further.
    EXPECT_NO_THROW(parse_json(std::string(64, '[') + std::string(64, ']')));
    EXPECT_EQ(refusal(std::string(65, '[') + std::string(65, ']')), "byte 64: arrays and objects nested more than 64 deep");
    EXPECT_EQ(refusal(std::string(100000, '[')), "byte 64: arrays and objects nested more than 64 deep");
    // [0,0,0,0] is 5 values: the array and its 4 items.
    ag::detail::JsonLimits limits;
    limits.max_values = 4;
    EXPECT_EQ(refusal("[0,0,0,0]", limits), "byte 7: more than 4 values");
    limits.max_values = 5;
    EXPECT_NO_THROW(parse_json("[0,0,0,0]", limits));
}

TEST(Json, QuoteWritesWhatTheReaderReadsBack) {
    EXPECT_EQ(ag::detail::json_quote("a\"b\\c"), R"("a\"b\\c")");
    EXPECT_EQ(ag::detail::json_quote("tab\tnew\nline\x01"), R"("tab\tnew\nline\u0001")");
    EXPECT_EQ(ag::detail::json_quote("\xe7\x8c\xab"), "\"\xe7\x8c\xab\"");  // UTF-8 stays as it is
    std::string every;  // every byte 1..127, and one character of each UTF-8 length
    for (int c = 1; c < 128; ++c) every += static_cast<char>(c);
    every += "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    EXPECT_EQ(parse_json(ag::detail::json_quote(every)).text, every);
}
