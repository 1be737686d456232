// safetensors_test.cpp — weights in and out: PyTorch's file, the round trip, and every refusal.
//
// Teaches: three kinds of evidence. A file PyTorch wrote must give PyTorch's output (numbers
// from tests/data/, never from this engine); a file this engine writes must come back bit for bit
// and have the bytes the format prescribes (worked out by hand below); and every bad file must be
// refused with a message naming the file and the tensor, leaving the model exactly as it was.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "../examples/common/models.h"
#include "../examples/common/sine.h"
#include "ag/ag.h"
#include "core_test_util.h"
#include "example_test_util.h"

using ag::Shape;
using ag::Tensor;
using core_test::contains_all;
using core_test::message_of;

namespace {

const std::string kTorchFile = "tests/data/notebook_rnn_seed0_adam5.safetensors";
const std::string kTorchOutput = "tests/data/notebook_rnn_seed0_adam5.txt";

// The numbers of a .txt beside a file: every line that is not a comment, as a list of numbers.
std::vector<std::vector<double>> number_lines(const std::string& path) {
    std::ifstream in(path);
    EXPECT_TRUE(in.good()) << "missing " << path;
    std::vector<std::vector<double>> lines;
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream cells(line);
        lines.emplace_back();
        for (double v; cells >> v;) lines.back().push_back(v);
    }
    return lines;
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

std::string u64_le(uint64_t v) {
    std::string s;
    for (int k = 0; k < 8; ++k) s += static_cast<char>((v >> (8 * k)) & 0xFF);
    return s;
}

std::string f32_le(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    std::string s;
    for (int k = 0; k < 4; ++k) s += static_cast<char>((u >> (8 * k)) & 0xFF);
    return s;
}

// A file made by hand: the header length, the header (padded with spaces to a multiple of 8), data.
std::string file_bytes(const std::string& header, const std::string& data) {
    std::string h = header;
    h.append((8 - h.size() % 8) % 8, ' ');
    return u64_le(h.size()) + h + data;
}

bool same_bits(float a, float b) { return std::memcmp(&a, &b, 4) == 0; }

// Every value of every parameter, bit for bit (NaN included), with the names.
::testing::AssertionResult same_state(const ag::nn::StateDict& a, const ag::nn::StateDict& b) {
    if (a.size() != b.size()) return ::testing::AssertionFailure() << a.size() << " vs " << b.size() << " tensors";
    for (size_t i = 0; i < a.size(); ++i) {
        if (a[i].first != b[i].first) return ::testing::AssertionFailure() << a[i].first << " vs " << b[i].first;
        if (a[i].second.shape() != b[i].second.shape()) return ::testing::AssertionFailure() << "shape of " << a[i].first;
        for (size_t k = 0; k < a[i].second.values().size(); ++k)
            if (!same_bits(a[i].second.values()[k], b[i].second.values()[k]))
                return ::testing::AssertionFailure() << a[i].first << "[" << k << "]: " << a[i].second.values()[k]
                                                     << " vs " << b[i].second.values()[k];
    }
    return ::testing::AssertionSuccess();
}

// The header of an RNNModel file, with one thing changed by `edit` on the text.
const std::string kRnnHeader =
    R"({"dense.bias":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
    R"("dense.weight":{"dtype":"F32","shape":[1,10],"data_offsets":[4,44]},)"
    R"("rnn.bias_hh_l0":{"dtype":"F32","shape":[10],"data_offsets":[44,84]},)"
    R"("rnn.bias_ih_l0":{"dtype":"F32","shape":[10],"data_offsets":[84,124]},)"
    R"("rnn.weight_hh_l0":{"dtype":"F32","shape":[10,10],"data_offsets":[124,524]},)"
    R"("rnn.weight_ih_l0":{"dtype":"F32","shape":[10,1],"data_offsets":[524,564]}})";

std::string replaced(std::string s, const std::string& from, const std::string& to) {
    const size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << "'" << from << "' is not in the text";
    if (at != std::string::npos) s.replace(at, from.size(), to);
    return s;
}

}  // namespace

// ---- PyTorch's file --------------------------------------------------------------------------

TEST(Safetensors, PyTorchFileGivesPyTorchsOutput) {
    ex::RNNModel model;  // seed-free start: every weight is overwritten
    const ag::nn::LoadResult r = ag::load_model(model, kTorchFile);
    EXPECT_TRUE(r.missing_keys.empty());
    EXPECT_TRUE(r.unexpected_keys.empty());

    const auto expected = number_lines(kTorchOutput);  // [output (20 values)], [loss]
    ASSERT_EQ(expected.size(), 2u);
    ASSERT_EQ(expected[0].size(), 20u);
    ag::NoGradGuard no_grad;
    const Tensor data = ex::sine_data(20);     // (1, 20, 1)
    const Tensor output = model.forward(data);  // (1, 20, 1)
    ASSERT_EQ(output.shape(), (Shape{1, 20, 1}));
    for (size_t t = 0; t < 20; ++t) EXPECT_NEAR(output.values()[t], expected[0][t], 1e-6) << "t = " << t;
    EXPECT_NEAR(ag::nn::mse_loss(output, data).item(), expected[1][0], 1e-6);
}

TEST(Safetensors, PyTorchFileHoldsTheNamesShapesAndMetadataPyTorchWrote) {
    const ag::SafetensorsFile f = ag::load_safetensors(kTorchFile);
    const std::vector<std::pair<std::string, Shape>> want = {
        {"dense.bias", {1}},           {"dense.weight", {1, 10}},      {"rnn.bias_hh_l0", {10}},
        {"rnn.bias_ih_l0", {10}},      {"rnn.weight_hh_l0", {10, 10}}, {"rnn.weight_ih_l0", {10, 1}}};
    ASSERT_EQ(f.tensors.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(f.tensors[i].first, want[i].first);
        EXPECT_EQ(f.tensors[i].second.shape(), want[i].second) << want[i].first;
    }
    EXPECT_EQ(f.metadata, (ag::Metadata{{"format", "pt"}}));
    // The file's header is 456 bytes, padded with spaces: the data starts at byte 464 = 58 × 8.
    const std::string bytes = ex_test::read_all(kTorchFile);
    ASSERT_EQ(bytes.size(), 1028u);
    EXPECT_EQ(bytes.substr(0, 8), u64_le(456));
    EXPECT_EQ(bytes.substr(8 + 452, 4), "    ");
}

// ---- what the engine writes ------------------------------------------------------------------

TEST(Safetensors, WrittenBytesAreTheFormatsWorkedOutByHand) {
    ex_test::TempDir dir("ag_safetensors");
    const std::string path = dir.path + "/small.safetensors";
    ag::save_safetensors(path, {{"a", Tensor({1.0f, -2.0f}, {2})}, {"b", Tensor::scalar(0.5f)}}, {{"k", "v"}});
    // The JSON is 132 bytes; 4 spaces make the header 136 = 17 × 8 (0x88), so the data starts at
    // byte 144. 1.0f = 0x3F800000, -2.0f = 0xC0000000, 0.5f = 0x3F000000, each little-endian.
    const std::string header = R"({"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                               R"("b":{"dtype":"F32","shape":[],"data_offsets":[8,12]}})";
    ASSERT_EQ(header.size(), 132u);
    const std::string want = std::string("\x88\0\0\0\0\0\0\0", 8) + header + "    " +
                             std::string("\0\0\x80\x3f" "\0\0\0\xc0" "\0\0\0\x3f", 12);
    EXPECT_EQ(ex_test::read_all(path), want);
}

TEST(Safetensors, RoundTripIsBitForBit) {
    ex_test::TempDir dir("ag_safetensors");
    const std::string path = dir.path + "/model.safetensors";
    ag::manual_seed(3);
    ex::VanishingRNNModel model;  // rnn1..rnn3, dense: 14 tensors
    // Values a careless writer would round or lose: -0, the smallest subnormal, the largest float.
    ag::Buffer& w = model.dense->weight.mutable_values();
    w[0] = -0.0f;
    w[1] = std::numeric_limits<float>::denorm_min();
    w[2] = std::numeric_limits<float>::max();
    w[3] = -std::numeric_limits<float>::min();
    ag::save_model(model, path, {{"epochs", "0"}});

    ag::manual_seed(4);
    ex::VanishingRNNModel other;  // other weights, the same names and shapes
    EXPECT_FALSE(same_state(model.state_dict(), other.state_dict()));
    ag::load_model(other, path);
    EXPECT_TRUE(same_state(model.state_dict(), other.state_dict()));
    EXPECT_EQ(ag::load_safetensors(path).metadata, (ag::Metadata{{"epochs", "0"}, {"format", "pt"}}));

    // Saving what was loaded writes the same bytes again; the header length is a multiple of 8.
    const std::string again = dir.path + "/again.safetensors";
    ag::save_model(other, again, {{"epochs", "0"}});
    const std::string bytes = ex_test::read_all(path);
    EXPECT_EQ(ex_test::read_all(again), bytes);
    uint64_t n = 0;
    for (int k = 7; k >= 0; --k) n = (n << 8) | static_cast<unsigned char>(bytes[k]);
    EXPECT_EQ(n % 8, 0u);
    EXPECT_EQ(bytes.size(), 8 + n + 4 * 581);  // 581 parameters in the three-layer model
}

TEST(Safetensors, ScalarsEmptyTensorsNaNAndOddNamesRoundTrip) {
    ex_test::TempDir dir("ag_safetensors");
    const std::string path = dir.path + "/odd.safetensors";
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    const ag::NamedTensors tensors = {{"scalar", Tensor::scalar(-3.25f)},
                                      {"empty", Tensor::zeros({0, 3})},
                                      {"quote \" backslash \\ tab \t é 猫", Tensor({1, 2, 3, 4, 5, 6}, {1, 2, 3})},
                                      {"odd values", Tensor({nan, inf, -inf}, {3})}};
    ag::save_safetensors(path, tensors, {{"note", "line\nbreak \"quoted\""}});
    // NaN and ±Inf are refused by default, and come back bit for bit when allowed.
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::load_safetensors(path); }),
                             {"load_safetensors: " + path + ": ", "tensor \"odd values\"", "NaN at flat index 0",
                              "allow_non_finite"}));
    const ag::SafetensorsFile f = ag::load_safetensors(path, /*allow_non_finite=*/true);
    EXPECT_TRUE(same_state(f.tensors, tensors));
    EXPECT_EQ(f.metadata.at("note"), "line\nbreak \"quoted\"");
}

// ---- state dicts -----------------------------------------------------------------------------

TEST(StateDict, IsACopyUnderPyTorchsNames) {
    ag::manual_seed(0);
    ex::RNNModel model;
    const ag::nn::StateDict before = model.state_dict();
    std::vector<std::string> names;
    for (const auto& np : before) names.push_back(np.first);
    EXPECT_EQ(names, (std::vector<std::string>{"rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0",
                                               "rnn.bias_hh_l0", "dense.weight", "dense.bias"}));
    // PyTorch's first weight after manual_seed(0) (tests/parity/init_notebook_models.txt)
    EXPECT_NEAR(before[0].second.values()[0], -0.0023675405, 1e-8);
    const float first = before[0].second.values()[0];
    model.rnn.weight_ih[0].mutable_values()[0] = 7.0f;  // training on changes the model, not the dict
    EXPECT_EQ(before[0].second.values()[0], first);
    EXPECT_FALSE(before[0].second.requires_grad());
}

TEST(StateDict, LoadCopiesEveryValueAndAnOldGraphNoticesTheChange) {
    ag::manual_seed(0);
    ex::RNNModel a;
    ag::manual_seed(1);
    ex::RNNModel b;
    const Tensor loss = ag::sum(b.forward(ex::sine_data(5)));  // recorded with b's old weights
    b.load_state_dict(a.state_dict());
    EXPECT_TRUE(same_state(a.state_dict(), b.state_dict()));
    EXPECT_TRUE(contains_all(message_of<std::logic_error>([&] { loss.backward(); }), {"modified in place"}));
}

TEST(StateDict, StrictRefusesMissingUnexpectedAndMisshapenNamesAndChangesNothing) {
    ag::manual_seed(0);
    ex::RNNModel model;
    const ag::nn::StateDict original = model.state_dict();
    ag::manual_seed(5);
    ex::VanishingRNNModel deeper(2);  // rnn1.*, rnn2.*, dense.*: no rnn.*
    const std::string m1 = message_of<std::invalid_argument>([&] { model.load_state_dict(deeper.state_dict()); });
    EXPECT_EQ(m1, "load_state_dict: the dict does not fit the module (nothing was loaded): missing "
                  "rnn.weight_ih_l0 [10, 1], rnn.weight_hh_l0 [10, 10], rnn.bias_ih_l0 [10], rnn.bias_hh_l0 [10]; "
                  "unexpected rnn1.weight_ih_l0 [10, 1], rnn1.weight_hh_l0 [10, 10], rnn1.bias_ih_l0 [10], "
                  "rnn1.bias_hh_l0 [10], rnn2.weight_ih_l0 [10, 10], rnn2.weight_hh_l0 [10, 10], rnn2.bias_ih_l0 [10], "
                  "rnn2.bias_hh_l0 [10]");
    EXPECT_TRUE(same_state(model.state_dict(), original));  // dense.* fitted, but was not written

    ag::nn::StateDict wrong = original;
    wrong[1].second = Tensor::zeros({10, 9});
    wrong[5].second = Tensor::zeros({1});  // fits: still not written, since another does not
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { model.load_state_dict(wrong); }),
                             {"shape of rnn.weight_hh_l0: [10, 9] in the dict, [10, 10] in the module"}));
    EXPECT_TRUE(same_state(model.state_dict(), original));

    ag::nn::StateDict twice = original;
    twice.push_back(original[0]);
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { model.load_state_dict(twice); }),
                             {"load_state_dict: 'rnn.weight_ih_l0' is given twice"}));
    ag::nn::StateDict undefined = original;
    undefined[2].second = Tensor();
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { model.load_state_dict(undefined); }),
                             {"'rnn.bias_ih_l0' is an undefined tensor"}));
    EXPECT_TRUE(same_state(model.state_dict(), original));
}

TEST(StateDict, NonStrictLoadsWhatFitsAndReportsTheRest) {
    ag::manual_seed(0);
    ex::RNNModel model;
    ag::nn::StateDict dict = {{"dense.bias", Tensor({0.25f}, {1})}, {"extra", Tensor::zeros({2})}};
    const ag::nn::LoadResult r = model.load_state_dict(dict, /*strict=*/false);
    EXPECT_EQ(model.dense.bias.values()[0], 0.25f);
    EXPECT_EQ(r.unexpected_keys, (std::vector<std::string>{"extra"}));
    EXPECT_EQ(r.missing_keys, (std::vector<std::string>{"rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0",
                                                        "rnn.bias_hh_l0", "dense.weight"}));
    // A shape that does not match is refused even when not strict, as in PyTorch.
    dict[0].second = Tensor::zeros({2});
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { model.load_state_dict(dict, false); }),
                             {"shape of dense.bias: [2] in the dict, [1] in the module"}));
    EXPECT_EQ(model.dense.bias.values()[0], 0.25f);
}

// ---- every refusal of a bad file names the file (and the tensor) and changes nothing -------------

struct Refusal {
    std::string what;                // the case, for the failure message
    std::string bytes;               // the file
    std::vector<std::string> parts;  // what the message must say, besides the path
};

TEST(Safetensors, EveryBadFileIsRefusedWithAMessageNamingItAndTheModelIsUnchanged) {
    ex_test::TempDir dir("ag_safetensors");
    const std::string path = dir.path + "/bad.safetensors";
    const std::string good = ex_test::read_all(kTorchFile);
    const std::string data = good.substr(464);  // the 564 bytes of data
    const auto with_header = [&](const std::string& h) { return file_bytes(h, data); };
    const auto edit = [&](const std::string& from, const std::string& to) {
        return with_header(replaced(kRnnHeader, from, to));
    };
    std::string nan_data = data, inf_data = data;
    nan_data.replace(44 + 4 * 3, 4, f32_le(std::numeric_limits<float>::quiet_NaN()));  // rnn.bias_hh_l0[3]
    inf_data.replace(0, 4, f32_le(-std::numeric_limits<float>::infinity()));           // dense.bias[0]

    const std::vector<Refusal> cases = {
        // truncated
        {"empty file", "", {"the file is 0 bytes long, shorter than the 8-byte header length (truncated?)"}},
        {"cut in the length", good.substr(0, 5), {"the file is 5 bytes long"}},
        {"cut in the header", good.substr(0, 300), {"the header length is 456 bytes, but only 292 bytes follow it (truncated?)"}},
        {"cut in the data", good.substr(0, 1000),
         {"tensor \"rnn.weight_ih_l0\": data_offsets [524, 564] run past the end of the data (536 bytes)"}},
        // the header length
        {"length above 100 MB", u64_le(100000001) + good.substr(8),
         {"the header length 100000001 is above the limit of 100 MB (100000000 bytes)"}},
        {"length of 2^64 - 1", u64_le(UINT64_MAX) + good.substr(8), {"the header length 18446744073709551615 is above"}},
        {"length beyond the file", u64_le(2000) + good.substr(8), {"the header length is 2000 bytes, but only 1020"}},
        {"length cuts the JSON", u64_le(400) + good.substr(8), {"not valid JSON", "at byte 408 of the file"}},
        // not JSON
        {"not a header", file_bytes("PK\x03\x04", data), {"the header does not start with '{'"}},
        {"trailing comma", with_header(replaced(kRnnHeader, "}}", "},}")), {"not valid JSON", "expected a key"}},
        {"single quotes", edit("\"dense.bias\"", "'dense.bias'"), {"not valid JSON", "expected a key (a string), found '''"}},
        {"a NaN literal", edit("[0,4]", "[NaN,4]"), {"not valid JSON", "expected a value, found 'N'"}},
        {"leading zero", edit("[0,4]", "[00,4]"), {"not valid JSON", "a number with a leading zero"}},
        {"a raw newline in a name", edit("dense.bias", "dense\nbias"), {"not valid JSON", "a control character"}},
        {"invalid UTF-8", edit("dense.bias", "dense\xff" "bias"), {"not valid JSON", "invalid UTF-8 (byte 0xff)"}},
        {"an unknown escape", edit("dense.bias", "dense\\qbias"), {"not valid JSON", "unknown escape"}},
        {"a lone surrogate", edit("dense.bias", "dense\\udc00"), {"not valid JSON", "lone low surrogate"}},
        {"unclosed", file_bytes(kRnnHeader.substr(0, kRnnHeader.size() - 1), data), {"not valid JSON", "expected '}'"}},
        {"text after the object", with_header(kRnnHeader + "x"), {"not valid JSON", "unexpected 'x' after the JSON value"}},
        {"nested 1000 deep", with_header(R"({"a":)" + std::string(1000, '[') + std::string(1000, ']') + "}"),
         {"not valid JSON", "nested more than 64 deep"}},
        // entries
        {"an entry that is a number", edit(R"("dense.bias":{"dtype":"F32","shape":[1],"data_offsets":[0,4]})", R"("dense.bias":4)"),
         {"tensor \"dense.bias\": its entry is a number, not an object"}},
        {"no dtype", edit(R"("dtype":"F32","shape":[1],)", R"("shape":[1],)"), {"tensor \"dense.bias\": no \"dtype\" in its entry"}},
        {"no data_offsets", edit(R"(,"data_offsets":[4,44])", ""), {"tensor \"dense.weight\": no \"data_offsets\""}},
        {"an unknown field", edit(R"("shape":[1],)", R"("shape":[1],"strides":[1],)"),
         {"tensor \"dense.bias\": unknown field \"strides\""}},
        {"a field twice", edit(R"("shape":[1],)", R"("shape":[1],"shape":[1],)"), {"tensor \"dense.bias\": the field \"shape\" appears twice"}},
        {"dtype F16", edit(R"("dtype":"F32","shape":[10,10])", R"("dtype":"F16","shape":[10,10])"),
         {"tensor \"rnn.weight_hh_l0\": dtype F16 is not supported: only F32 is read"}},
        {"dtype BF16", edit(R"("dtype":"F32","shape":[1])", R"("dtype":"BF16","shape":[1])"),
         {"tensor \"dense.bias\": dtype BF16 is not supported"}},
        {"dtype I64", edit(R"("dtype":"F32","shape":[1,10])", R"("dtype":"I64","shape":[1,10])"),
         {"tensor \"dense.weight\": dtype I64 is not supported"}},
        {"an unknown dtype", edit(R"("dtype":"F32","shape":[1])", R"("dtype":"float","shape":[1])"),
         {"tensor \"dense.bias\": unknown dtype \"float\""}},
        {"dtype not a string", edit(R"("dtype":"F32","shape":[1])", R"("dtype":32,"shape":[1])"),
         {"tensor \"dense.bias\": dtype is a number, not a string"}},
        {"a negative size", edit("[1,10]", "[-1,10]"), {"tensor \"dense.weight\": shape holds -1, not a whole number >= 0"}},
        {"a fractional size", edit("[1,10]", "[1.0,10]"), {"tensor \"dense.weight\": shape holds 1.0"}},
        {"a size too large", edit("[1,10]", "[4294967296,4294967296]"), {"tensor \"dense.weight\": shape [4294967296, 4294967296] is too large"}},
        {"shape a string", edit("[1,10]", "\"1x10\""), {"tensor \"dense.weight\": shape is a string, not an array"}},
        {"three offsets", edit("[0,4]", "[0,4,8]"), {"tensor \"dense.bias\": data_offsets must be two whole numbers"}},
        {"offsets as strings", edit("[0,4]", "[\"0\",\"4\"]"), {"tensor \"dense.bias\": data_offsets must be two whole numbers"}},
        {"offset above 2^63", edit("[0,4]", "[0,99999999999999999999]"), {"tensor \"dense.bias\": data_offsets must be two whole numbers"}},
        // offsets
        {"end before begin", edit("[0,4]", "[4,0]"), {"tensor \"dense.bias\": data_offsets [4, 0] end before they begin"}},
        {"out of range", edit("[524,564]", "[600,640]"), {"tensor \"rnn.weight_ih_l0\": data_offsets [600, 640] run past the end of the data (564 bytes)"}},
        {"overlapping", edit("[44,84]", "[40,80]"),
         {"data_offsets [40, 80] overlap those of \"dense.weight\" [4, 44]"}},
        {"the same bytes twice", edit("[84,124]", "[44,84]"), {"overlap those of"}},
        {"a hole", with_header(replaced(kRnnHeader, "[524,564]", "[528,568]")) + "pad!",
         {"bytes [524, 528) of the data belong to no tensor (a hole before \"rnn.weight_ih_l0\")"}},
        {"bytes after the last tensor", file_bytes(kRnnHeader, data + "junk"),
         {"the data is 568 bytes, but the tensors cover only [0, 564)"}},
        {"a byte count not shape x 4", edit("\"shape\":[10,1]", "\"shape\":[9,1]"),
         {"tensor \"rnn.weight_ih_l0\": data_offsets [524, 564] hold 40 bytes, but shape [9, 1] needs 9 × 4 = 36"}},
        // names
        {"a name twice", with_header(replaced(kRnnHeader, "\"dense.weight\"", "\"dense.bias\"")),
         {"tensor \"dense.bias\" appears twice in the header"}},
        {"metadata not strings", with_header(replaced(kRnnHeader, "{", R"({"__metadata__":{"epochs":5},)")),
         {"\"__metadata__\" must map strings to strings, but \"epochs\" is a number"}},
        // values
        {"a NaN", file_bytes(kRnnHeader, nan_data), {"tensor \"rnn.bias_hh_l0\": holds NaN at flat index 3 (shape [10])"}},
        {"an -Inf", file_bytes(kRnnHeader, inf_data), {"tensor \"dense.bias\": holds -inf at flat index 0"}},
    };
    ag::manual_seed(0);
    ex::RNNModel model;
    const ag::nn::StateDict original = model.state_dict();
    for (const Refusal& c : cases) {
        SCOPED_TRACE(c.what);
        write_bytes(path, c.bytes);
        const std::string message = message_of<std::invalid_argument>([&] { ag::load_model(model, path); });
        EXPECT_EQ(message.rfind("load_safetensors: " + path + ": ", 0), 0u) << message;
        for (const std::string& part : c.parts) EXPECT_TRUE(contains_all(message, {part}));
        EXPECT_TRUE(same_state(model.state_dict(), original));
    }
    // The NaN file loads when asked to.
    write_bytes(path, file_bytes(kRnnHeader, nan_data));
    ag::load_model(model, path, /*strict=*/true, /*allow_non_finite=*/true);
    EXPECT_TRUE(std::isnan(model.rnn.bias_hh[0].values()[3]));
}

TEST(Safetensors, AFileThatDoesNotFitTheModelIsRefusedNamingTheFileAndTheTensors) {
    ex_test::TempDir dir("ag_safetensors");
    const std::string path = dir.path + "/deep.safetensors";
    ag::manual_seed(1);
    ex::VanishingRNNModel deep;
    ag::save_model(deep, path);
    ag::manual_seed(0);
    ex::RNNModel model;
    const ag::nn::StateDict original = model.state_dict();
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::load_model(model, path); }),
                             {"load_model: " + path + ": load_state_dict: the dict does not fit the module",
                              "missing rnn.weight_ih_l0 [10, 1], ", "unexpected rnn1.weight_ih_l0 [10, 1], ",
                              ", rnn3.bias_hh_l0 [10]"}));
    EXPECT_TRUE(same_state(model.state_dict(), original));
    // Another hidden size: every name is there, the shapes differ.
    ex::RNNModel wide(12);
    const std::string wide_path = dir.path + "/wide.safetensors";
    ag::save_model(wide, wide_path);
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::load_model(model, wide_path); }),
                             {"load_model: " + wide_path, "shape of rnn.weight_hh_l0: [12, 12] in the dict, [10, 10] in the module"}));
    EXPECT_TRUE(same_state(model.state_dict(), original));
}

TEST(Safetensors, FilesThatCannotBeReadAreRuntimeErrorsNamingThem) {
    ex_test::TempDir dir("ag_safetensors");
    EXPECT_TRUE(contains_all(message_of<std::runtime_error>([&] { ag::load_safetensors(dir.path + "/none.safetensors"); }),
                             {"load_safetensors: " + dir.path + "/none.safetensors: cannot open the file (No such file or directory)"}));
    EXPECT_TRUE(contains_all(message_of<std::runtime_error>([&] { ag::load_safetensors(dir.path); }),
                             {"load_safetensors: " + dir.path + ": it is a folder, not a file"}));
}

// ---- saving: refusals, and atomic replacement ------------------------------------------------

TEST(Safetensors, SaveRefusesBadTensorsAndNames) {
    ex_test::TempDir dir("ag_safetensors");
    const std::string path = dir.path + "/x.safetensors";
    const Tensor t = Tensor::ones({2});
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::save_safetensors(path, {{"a", t}, {"a", t}}); }),
                             {"save_safetensors: " + path + ": tensor \"a\" is given twice"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::save_safetensors(path, {{"a", Tensor()}}); }),
                             {"tensor \"a\" is undefined"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::save_safetensors(path, {{"__metadata__", t}}); }),
                             {"\"__metadata__\" is reserved"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::save_safetensors(path, {{"bad\xc3", t}}); }),
                             {"a tensor name is not valid UTF-8"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::save_safetensors(dir.path + "/", {{"a", t}}); }),
                             {"the path names a folder, not a file"}));
    EXPECT_FALSE(std::filesystem::exists(path));
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path), {}), 0);  // no temporary file either
}

TEST(Safetensors, SaveSaysWhyAFolderCannotBeWrittenTo) {
    ex_test::TempDir dir("ag_safetensors");
    const ag::NamedTensors one = {{"a", Tensor::ones({2})}};
    const std::string missing = dir.path + "/no/such/folder/x.safetensors";
    EXPECT_TRUE(contains_all(message_of<std::runtime_error>([&] { ag::save_safetensors(missing, one); }),
                             {"save_safetensors: " + missing + ": the folder '" + dir.path + "/no/such/folder' does not exist"}));
    write_bytes(dir.path + "/file", "x");
    EXPECT_TRUE(contains_all(message_of<std::runtime_error>([&] { ag::save_safetensors(dir.path + "/file/x.safetensors", one); }),
                             {"'" + dir.path + "/file' is not a folder"}));
    std::filesystem::create_directory(dir.path + "/taken.safetensors");
    EXPECT_TRUE(contains_all(message_of<std::runtime_error>([&] { ag::save_safetensors(dir.path + "/taken.safetensors", one); }),
                             {"'" + dir.path + "/taken.safetensors' is a folder", "the file was not changed"}));

    // A folder without write permission. root may write anywhere, so the save runs in a child
    // process that first becomes the unprivileged user "nobody".
    const std::string locked = dir.path + "/locked";
    std::filesystem::create_directory(locked);
    ASSERT_EQ(::chmod(dir.path.c_str(), 0755), 0);
    ASSERT_EQ(::chmod(locked.c_str(), 0555), 0);
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::close(fds[0]);
        if (::geteuid() == 0 && ::setuid(65534) != 0) ::_exit(3);
        std::string message = "saved";
        try {
            ag::save_safetensors(locked + "/x.safetensors", one);
        } catch (const std::exception& e) {
            message = e.what();
        }
        if (::write(fds[1], message.data(), message.size()) < 0) ::_exit(4);
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string message;
    char buffer[512];
    for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) > 0;) message.append(buffer, static_cast<size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the child process failed: " << status;
    EXPECT_EQ(message, "save_safetensors: " + locked + "/x.safetensors: the folder '" + locked +
                           "' is not writable (Permission denied)");
}

TEST(Safetensors, AFailedSaveLeavesTheOldFileAndNoTemporaryFile) {
    ex_test::TempDir dir("ag_safetensors");
    const std::string path = dir.path + "/model.safetensors";
    ag::manual_seed(0);
    ex::RNNModel model;
    ag::save_model(model, path);
    const std::string before = ex_test::read_all(path);

    // A disk that fills up half-way: the process may write files of at most 1000 bytes, and the
    // new file needs about 100,000 (SIGXFSZ ignored, so write() fails with EFBIG instead).
    ag::manual_seed(1);
    ex::RNNModel big(150);
    rlimit old_limit{};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
    rlimit small = old_limit;
    small.rlim_cur = 1000;
    auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
    std::string message;
    try {
        ag::save_model(big, path);
    } catch (const std::runtime_error& e) {
        message = e.what();
    }
    ::setrlimit(RLIMIT_FSIZE, &old_limit);
    ::signal(SIGXFSZ, old_handler);
    EXPECT_TRUE(contains_all(message, {"save_safetensors: " + path + ": writing stopped after 1000 of ",
                                       "(File too large); the file was not changed"}));
    EXPECT_EQ(ex_test::read_all(path), before);  // the old model, intact
    ex::RNNModel check;
    ag::load_model(check, path);
    EXPECT_TRUE(same_state(check.state_dict(), model.state_dict()));
    // Nothing else in the folder: the temporary file was removed.
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(dir.path)) files.push_back(e.path().filename().string());
    EXPECT_EQ(files, (std::vector<std::string>{"model.safetensors"}));

    // A save that works replaces the file, and leaves no temporary file either.
    ag::save_model(big, path);
    EXPECT_NE(ex_test::read_all(path), before);
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path), {}), 1);
}
