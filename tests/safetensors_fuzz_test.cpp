// safetensors_fuzz_test.cpp — thousands of corrupted weight files fed to load_model.
//
// A weight file is input from outside, so whatever it holds the outcome must be one of two: the
// model loaded with exactly the numbers the file's data holds, or a std::invalid_argument /
// std::runtime_error naming the file, with the model untouched. Never a crash, a read past an end
// (run it under `make test SANITIZE=1`), a hang or a huge allocation. The corruptions are drawn
// from a fixed seed, so a failure repeats exactly and its message names the corruption.
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "../examples/common/models.h"
#include "ag/ag.h"
#include "example_test_util.h"

namespace {

// Where each tensor's values sit in the data section of a base file: name, first byte, count.
struct Slot {
    std::string name;
    size_t begin, count;
};
// PyTorch's file (tests/data/): names sorted, as safetensors.torch writes them.
const std::vector<Slot> kTorchLayout = {{"dense.bias", 0, 1},         {"dense.weight", 4, 10},
                                        {"rnn.bias_hh_l0", 44, 10},    {"rnn.bias_ih_l0", 84, 10},
                                        {"rnn.weight_hh_l0", 124, 100}, {"rnn.weight_ih_l0", 524, 10}};
// A file save_model writes: the order of named_parameters().
const std::vector<Slot> kEngineLayout = {{"rnn.weight_ih_l0", 0, 10}, {"rnn.weight_hh_l0", 40, 100},
                                         {"rnn.bias_ih_l0", 440, 10}, {"rnn.bias_hh_l0", 480, 10},
                                         {"dense.weight", 520, 10},   {"dense.bias", 560, 1}};
constexpr size_t kDataBytes = 564;  // 141 floats

uint64_t read_u64(const std::string& b) {
    uint64_t v = 0;
    for (int k = 7; k >= 0; --k) v = (v << 8) | static_cast<unsigned char>(b[k]);
    return v;
}

std::string u64_le(uint64_t v) {
    std::string s;
    for (int k = 0; k < 8; ++k) s += static_cast<char>((v >> (8 * k)) & 0xFF);
    return s;
}

// The values a successful load must give: the last 564 bytes of the file read as little-endian
// float32 through the base file's layout, written out here independently of the loader.
std::vector<std::pair<std::string, std::vector<uint32_t>>> decode(const std::string& file, const std::vector<Slot>& layout) {
    const std::string data = file.substr(file.size() - kDataBytes);
    std::vector<std::pair<std::string, std::vector<uint32_t>>> out;
    for (const Slot& s : layout) {
        std::vector<uint32_t> bits;
        for (size_t i = 0; i < s.count; ++i) {
            uint32_t u = 0;
            for (int k = 3; k >= 0; --k) u = (u << 8) | static_cast<unsigned char>(data[s.begin + 4 * i + k]);
            bits.push_back(u);
        }
        out.emplace_back(s.name, bits);
    }
    return out;
}

// The model's values by name, as bits.
std::vector<uint32_t> bits_of(const ag::Tensor& t) {
    std::vector<uint32_t> bits(t.values().size());
    if (!bits.empty()) std::memcpy(bits.data(), t.values().data(), 4 * bits.size());
    return bits;
}

::testing::AssertionResult holds(const ex::RNNModel& model,
                                 const std::vector<std::pair<std::string, std::vector<uint32_t>>>& want) {
    const auto state = model.state_dict();
    for (const auto& [name, bits] : want) {
        bool found = false;
        for (const auto& [n, t] : state)
            if (n == name) {
                found = true;
                if (bits_of(t) != bits) return ::testing::AssertionFailure() << name << " differs from the file";
            }
        if (!found) return ::testing::AssertionFailure() << name << " is not in the model";
    }
    for (const auto& [n, t] : state)
        for (float v : t.values())
            if (!std::isfinite(v)) return ::testing::AssertionFailure() << n << " holds a non-finite value";
    return ::testing::AssertionSuccess();
}

// Tokens a careless edit, a broken exporter or an attacker could leave in a header.
const std::vector<std::string> kNumbers = {"-1", "1.5", "1e3", "0", "00", "4294967296", "9223372036854775807",
                                           "9223372036854775808", "18446744073709551616", "99999999999999999999999",
                                           "-0", "1E400", "", "null", "\"4\"", "[]", "{}", "true", "564", "565"};
const std::vector<std::string> kStrings = {"\"\"", "\"F16\"", "\"BF16\"", "\"I64\"", "\"BOOL\"", "\"f32\"",
                                           "\"__metadata__\"", "\"dtype\"", "\"shape\"", "\"data_offsets\"",
                                           "\"dense.bias\"", "\"rnn.weight_hh_l0\"", "\"\\u0000\"", "\"\\ud800\"",
                                           "\"\xff\xfe\"", "\"\xc0\xaf\"", "\"a\\\"b\"", "5", "[1,2]", "{\"a\":\"b\"}"};
const std::string kStructural = "{}[],:\" \t\n\\x0";

struct Mutator : ex_test::RandomChoices {
    using RandomChoices::RandomChoices;

    // The header text of a file (as far as its length field and size allow) and its data.
    static bool split(const std::string& f, std::string& header, std::string& rest) {
        if (f.size() < 8) return false;
        const uint64_t n = read_u64(f);
        if (n > f.size() - 8) return false;
        header = f.substr(8, n);
        rest = f.substr(8 + n);
        return true;
    }

    // Positions of JSON tokens of one kind in `h`: numbers (digit runs) or strings ("...").
    std::vector<std::pair<size_t, size_t>> tokens(const std::string& h, bool numbers) {
        std::vector<std::pair<size_t, size_t>> out;
        for (size_t i = 0; i < h.size();) {
            if (numbers && std::isdigit(static_cast<unsigned char>(h[i]))) {
                size_t j = i;
                while (j < h.size() && std::isdigit(static_cast<unsigned char>(h[j]))) ++j;
                out.emplace_back(i, j - i);
                i = j;
            } else if (!numbers && h[i] == '"') {
                size_t j = h.find('"', i + 1);
                if (j == std::string::npos) break;
                out.emplace_back(i, j + 1 - i);
                i = j + 1;
            } else {
                ++i;
            }
        }
        return out;
    }

    // One corruption of `f`; `name` says which, for the failure message. An edited header gets a
    // length field that matches it, unless the corruption is of the length itself.
    std::string operator()(const std::string& f, std::string& name) {
        std::string h, rest;
        const bool parts = split(f, h, rest);
        const auto rebuilt = [&](const std::string& header) { return u64_le(header.size()) + header + rest; };
        switch (below(12)) {
            case 0: {  // one bit flipped anywhere
                std::string g = f;
                if (g.empty()) return g;
                const size_t at = below(g.size());
                g[at] = static_cast<char>(g[at] ^ (1 << below(8)));
                name = "bit flip at byte " + std::to_string(at);
                return g;
            }
            case 1: {  // a few bytes overwritten
                std::string g = f;
                for (size_t k = 0, m = 1 + below(8); k < m && !g.empty(); ++k) g[below(g.size())] = static_cast<char>(rng());
                name = "random bytes";
                return g;
            }
            case 2: {  // the header length field
                const uint64_t n = parts ? h.size() : 0;
                const std::vector<uint64_t> lengths = {0, 1, 7, n - 1, n + 1, n + 8, f.size(), f.size() - 8, 100000000,
                                                       100000001, uint64_t(1) << 63, UINT64_MAX, rng()};
                const uint64_t v = pick(lengths);
                name = "header length -> " + std::to_string(v);
                return u64_le(v) + (f.size() > 8 ? f.substr(8) : "");
            }
            case 3: {  // a number of the header replaced
                if (!parts) break;
                const auto t = tokens(h, true);
                if (t.empty()) break;
                const auto [at, len] = pick(t);
                const std::string to = pick(kNumbers);
                name = "number '" + h.substr(at, len) + "' -> '" + to + "'";
                return rebuilt(h.replace(at, len, to));
            }
            case 4: {  // a string of the header (a name, a key, a dtype) replaced
                if (!parts) break;
                const auto t = tokens(h, false);
                if (t.empty()) break;
                const auto [at, len] = pick(t);
                const std::string to = pick(kStrings);
                name = "string " + h.substr(at, len) + " -> " + to;
                return rebuilt(h.replace(at, len, to));
            }
            case 5: {  // a character of the header deleted, or a structural one inserted
                if (!parts || h.empty()) break;
                const size_t at = below(h.size());
                if (below(2)) {
                    name = "header byte " + std::to_string(at) + " deleted";
                    return rebuilt(h.erase(at, 1));
                }
                const char c = kStructural[below(kStructural.size())];
                name = std::string("'") + c + "' inserted at header byte " + std::to_string(at);
                return rebuilt(h.insert(at, 1, c));
            }
            case 6: {  // the padding: other bytes than spaces, or none
                if (!parts) break;
                const size_t end = h.find_last_not_of(' ');
                if (end == std::string::npos) break;
                const std::vector<std::string> pads = {"", "\t", "\n\n", std::string(1, '\0'), "x", "        ", "\r\n  "};
                const std::string pad = pick(pads);
                name = "padding -> " + std::to_string(pad.size()) + " other bytes";
                return rebuilt(h.substr(0, end + 1) + pad);
            }
            case 7: {  // the file cut at a random byte
                const size_t at = below(f.size());
                name = "cut at byte " + std::to_string(at);
                return f.substr(0, at);
            }
            case 8: {  // bytes appended
                name = "bytes appended";
                return f + std::string(1 + below(9), static_cast<char>(rng()));
            }
            case 9: {  // one value of the data made NaN, ±Inf, a subnormal or -0
                if (f.size() < kDataBytes) break;
                const size_t at = f.size() - kDataBytes + 4 * below(kDataBytes / 4);
                const std::vector<uint32_t> odd = {0x7FC00000u, 0xFFC00001u, 0x7F800000u, 0xFF800000u, 0x00000001u, 0x80000000u};
                const uint32_t u = pick(odd);
                std::string g = f;
                for (int k = 0; k < 4; ++k) g[at + k] = static_cast<char>((u >> (8 * k)) & 0xFF);
                name = "value at byte " + std::to_string(at) + " -> bits " + std::to_string(u);
                return g;
            }
            case 10: {  // a whole entry repeated, or removed
                if (!parts) break;
                const auto t = tokens(h, false);
                std::vector<std::pair<size_t, size_t>> entries;  // "name":{...}
                for (const auto& [at, len] : t)
                    if (h.compare(at + len, 2, ":{") == 0 && h.compare(at, 14, "\"__metadata__\"") != 0) {
                        const size_t close = h.find('}', at);
                        if (close != std::string::npos) entries.emplace_back(at, close + 1 - at);
                    }
                if (entries.empty()) break;
                const auto [at, len] = pick(entries);
                if (below(2)) {
                    name = "entry " + h.substr(at, len) + " repeated";
                    return rebuilt(h.insert(at, h.substr(at, len) + ","));
                }
                name = "entry " + h.substr(at, len) + " removed";
                const size_t from = h[at - 1] == ',' ? at - 1 : at;
                const size_t to = h[at + len] == ',' && from == at ? at + len + 1 : at + len;
                return rebuilt(h.erase(from, to - from));
            }
            default: {  // random junk of any length
                std::string g(below(300), '\0');
                for (char& c : g) c = static_cast<char>(rng());
                if (g.size() >= 8 && below(2)) {  // with a plausible length field
                    const std::string len = u64_le(below(g.size()));
                    g.replace(0, 8, len);
                }
                name = "junk of " + std::to_string(g.size()) + " bytes";
                return g;
            }
        }
        name = "unchanged";
        return f;
    }
};

}  // namespace

TEST(SafetensorsFuzz, CorruptedFilesLoadExactlyOrFailNamingTheFileNeverCrash) {
    ex_test::TempDir dir("ag_safetensors_fuzz");
    const std::string path = dir.path + "/fuzz.safetensors";

    // Two base files: PyTorch's, and one the engine writes (another order, with metadata).
    ag::manual_seed(7);
    ex::RNNModel trained;
    const std::string engine_file = dir.path + "/engine.safetensors";
    ag::save_model(trained, engine_file, {{"epochs", "5"}});
    struct Base {
        std::string bytes;
        const std::vector<Slot>* layout;
    };
    const std::vector<Base> bases = {{ex_test::read_all("tests/data/notebook_rnn_seed0_adam5.safetensors"), &kTorchLayout},
                                     {ex_test::read_all(engine_file), &kEngineLayout}};
    ag::manual_seed(0);
    ex::RNNModel model;
    const auto untouched = decode(bases[0].bytes, kTorchLayout);  // what the model holds between loads

    int loaded = 0, refused = 0, files = 0;
    double slowest = 0.0;
    std::string slowest_name;
    // Feeds one file; returns whether it loaded.
    const auto feed = [&](const std::string& bytes, const Base& base, const std::string& name) {
        ++files;
        // A new file each time: rewriting one in place makes ext4 flush it to the disk on close.
        std::filesystem::remove(path);
        std::ofstream(path, std::ios::binary) << bytes;
        ag::load_model(model, "tests/data/notebook_rnn_seed0_adam5.safetensors");  // a known start
        const long rss_before = ex_test::peak_rss_kb();
        const auto start = std::chrono::steady_clock::now();
        std::string message;
        bool ok = false;
        try {
            ag::load_model(model, path);
            ok = true;
        } catch (const std::invalid_argument& e) {
            message = e.what();
        } catch (const std::runtime_error& e) {
            message = e.what();
        } catch (const std::exception& e) {
            ADD_FAILURE() << name << ": an exception of another type: " << e.what();
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (seconds > slowest) slowest = seconds, slowest_name = name;
        // A file of a few hundred bytes must not make the loader allocate (and touch) megabytes:
        // the peak memory of the process may not jump on any one file.
        EXPECT_LT(ex_test::peak_rss_kb() - rss_before, 16 * 1024) << name << ": the peak memory grew by "
                                                         << (ex_test::peak_rss_kb() - rss_before) / 1024 << " MB";
        if (ok) {
            ++loaded;
            EXPECT_TRUE(holds(model, decode(bytes, *base.layout))) << name;
        } else {
            ++refused;
            const bool names_file = message.rfind("load_safetensors: " + path + ": ", 0) == 0 ||
                                    message.rfind("load_model: " + path + ": ", 0) == 0;
            EXPECT_TRUE(names_file) << name << ": the message does not start with the file: " << message;
            EXPECT_LT(message.size(), 2000u) << name << ": " << message;
            EXPECT_TRUE(holds(model, untouched)) << name << ": the model changed although the file was refused";
        }
        return ok;
    };

    for (const Base& base : bases) {
        // Every truncation: no prefix of a file is a file.
        for (size_t n = 0; n < base.bytes.size(); ++n)
            EXPECT_FALSE(feed(base.bytes.substr(0, n), base, "cut to " + std::to_string(n) + " bytes"));
        if (::testing::Test::HasFailure()) return;
        // Edits that change nothing the loader may care about: the file must still load.
        std::string h, rest;
        ASSERT_TRUE(Mutator::split(base.bytes, h, rest));
        const std::string json = h.substr(0, h.find_last_not_of(' ') + 1);
        for (const std::string& pad : {std::string(""), std::string(" "), std::string(15, ' '), std::string("\n")}) {
            const std::string header = json + pad;
            EXPECT_TRUE(feed(u64_le(header.size()) + header + rest, base, "padding of " + std::to_string(pad.size())));
        }
    }
    Mutator mutate(20251204);
    for (int round = 0; round < 6000; ++round) {
        const Base& base = bases[round % 2];
        std::string name, bytes = base.bytes;
        // usually one corruption, sometimes two or three on top of each other
        for (size_t k = 0, m = 1 + (round % 4 == 3 ? 1 + mutate.below(2) : 0); k < m; ++k) {
            std::string step;
            bytes = mutate(bytes, step);
            name += (k ? " + " : "") + step;
        }
        feed(bytes, base, "round " + std::to_string(round) + ": " + name);
        if (::testing::Test::HasFailure()) return;  // one broken file tells enough
    }
    std::printf("[ fuzz     ] %d files: %d loaded, %d refused; the slowest took %.2f ms (%s)\n", files, loaded,
                refused, 1e3 * slowest, slowest_name.c_str());
    EXPECT_GT(files, 8000);
    EXPECT_GT(loaded, 100);   // harmless corruptions (a value in the data, the padding) load
    EXPECT_GT(refused, 7000);
    EXPECT_LT(slowest, 0.5) << slowest_name;
}
