// safetensors.cpp — the safetensors format: written exactly, read without trusting a byte of it.
//
// Teaches: how a loader stays safe on a file from anywhere. Every number in the file is checked
// against what is really there before it is used (the header length against the file, each byte
// range against the data, each byte count against its shape), so a bad file is one clear error
// and never a read past an end. And how a save stays safe: write a temporary file, then rename it.
#include "ag/safetensors.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <system_error>

#include "ag/detail/json.h"

namespace ag {

namespace {

using detail::Json;
using detail::json_quote;

constexpr uint64_t kMaxHeaderBytes = 100000000;  // 100 MB, the limit of the reference reader

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

// ---- little-endian bytes (the same on any machine) -------------------------------------------

void put_u64(std::string& out, uint64_t v) {
    for (int k = 0; k < 8; ++k) out += static_cast<char>((v >> (8 * k)) & 0xFF);
}

uint64_t get_u64(const char* p) {
    uint64_t v = 0;
    for (int k = 7; k >= 0; --k) v = (v << 8) | static_cast<unsigned char>(p[k]);
    return v;
}

void put_f32(std::string& out, float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    for (int k = 0; k < 4; ++k) out += static_cast<char>((u >> (8 * k)) & 0xFF);
}

float get_f32(const char* p) {
    uint32_t u = 0;
    for (int k = 3; k >= 0; --k) u = (u << 8) | static_cast<unsigned char>(p[k]);
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

// ---- writing ---------------------------------------------------------------------------------

// {"dtype":"F32","shape":[10,1],"data_offsets":[524,564]}
std::string header_entry(const Shape& shape, uint64_t begin, uint64_t end) {
    std::string s = "{\"dtype\":\"F32\",\"shape\":[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
    return s + "],\"data_offsets\":[" + std::to_string(begin) + "," + std::to_string(end) + "]}";
}

// Writes `bytes` to a new temporary file beside `path`, flushes it to the disk, then renames it to
// `path`. A rename within one folder replaces the old file in one step: a reader (or a crash)
// sees the old file or the new one, never half of one.
void write_atomically(const std::string& path, const std::string& bytes, const std::string& who) {
    namespace fs = std::filesystem;
    const fs::path target(path);
    if (!target.has_filename() || target.filename() == "." || target.filename() == "..")
        throw std::invalid_argument(who + "the path names a folder, not a file");
    const fs::path folder_path = target.has_parent_path() ? target.parent_path() : fs::path(".");
    const std::string folder = folder_path.string();

    static std::atomic<unsigned> counter{0};
    const std::string temp = (folder_path / ("." + target.filename().string() + ".tmp-" + std::to_string(getpid()) +
                                             "-" + std::to_string(counter++)))
                                 .string();
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        const int err = errno;
        std::error_code ec;
        if (!fs::exists(folder_path, ec)) throw std::runtime_error(who + "the folder '" + folder + "' does not exist");
        if (!fs::is_directory(folder_path, ec)) throw std::runtime_error(who + "'" + folder + "' is not a folder");
        if (err == EACCES || err == EPERM || err == EROFS)
            throw std::runtime_error(who + "the folder '" + folder + "' is not writable (" + errno_text(err) + ")");
        throw std::runtime_error(who + "cannot create a file in '" + folder + "' (" + errno_text(err) + ")");
    }
    // From here on, a failure removes the temporary file and leaves `path` as it was.
    auto fail = [&](const std::string& what, int err) {
        if (fd >= 0) ::close(fd);
        ::unlink(temp.c_str());
        throw std::runtime_error(who + what + " (" + errno_text(err) + "); the file was not changed");
    };
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        const int err = n < 0 ? errno : ENOSPC;  // a write of 0 bytes: the disk is full
        if (n < 0 && err == EINTR) continue;
        if (n <= 0)
            fail("writing stopped after " + std::to_string(done) + " of " + std::to_string(bytes.size()) + " bytes", err);
        done += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) {
        const int err = errno;
        fail("cannot flush the data to the disk", err);
    }
    const int closed = ::close(fd), close_err = errno;
    fd = -1;
    if (closed != 0) fail("cannot close the temporary file", close_err);
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        fail(err == EISDIR ? "'" + path + "' is a folder" : "cannot rename the temporary file to it", err);
    }
    // Make the rename itself durable (best effort: not every file system can sync a folder).
    const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
}

// ---- reading: every check, in the order the bytes are met ------------------------------------

// One tensor's entry in the header, checked on its own.
struct Entry {
    std::string name;
    Shape shape;
    int64_t numel = 0;
    uint64_t begin = 0, end = 0;  // byte range in the data section
};

class Loader {
public:
    Loader(const std::string& path, bool allow_non_finite) : path_(path), allow_non_finite_(allow_non_finite) {}

    SafetensorsFile load() {
        std::error_code ec;
        if (std::filesystem::is_directory(path_, ec)) fail_io("it is a folder, not a file");
        std::ifstream in(path_, std::ios::binary);
        if (!in) fail_io("cannot open the file (" + errno_text(errno) + ")");
        in.seekg(0, std::ios::end);
        const std::streamoff end = in.tellg();
        in.seekg(0, std::ios::beg);
        if (end < 0 || !in) fail_io("cannot read the file");
        const uint64_t file_size = static_cast<uint64_t>(end);

        // 1. The header length: 8 bytes, little-endian.
        if (file_size < 8)
            refuse("the file is " + std::to_string(file_size) +
                   " bytes long, shorter than the 8-byte header length (truncated?)");
        std::string head(8, '\0');
        read(in, head, 8);
        const uint64_t n = get_u64(head.data());
        if (n > kMaxHeaderBytes)
            refuse("the header length " + std::to_string(n) + " is above the limit of 100 MB (" +
                   std::to_string(kMaxHeaderBytes) + " bytes)");
        if (n > file_size - 8)
            refuse("the header length is " + std::to_string(n) + " bytes, but only " + std::to_string(file_size - 8) +
                   " bytes follow it (truncated?)");

        // 2. The header: JSON, an object of entries (and "__metadata__").
        std::string header(n, '\0');
        read(in, header, n);
        if (n == 0 || header[0] != '{') refuse("the header does not start with '{' (not a safetensors file?)");
        Json doc;
        try {
            doc = detail::parse_json(header);
        } catch (const detail::JsonError& e) {
            refuse("the header is not valid JSON: at byte " + std::to_string(8 + e.offset) + " of the file: " +
                   e.reason);
        }
        SafetensorsFile out;
        std::vector<Entry> entries;
        std::set<std::string> seen;
        for (const auto& [name, value] : doc.members) {
            if (!seen.insert(name).second)
                refuse(name == "__metadata__" ? "\"__metadata__\" appears twice in the header"
                                              : "tensor " + json_quote(name) + " appears twice in the header");
            if (name == "__metadata__") out.metadata = metadata(value);
            else entries.push_back(entry(name, value));
        }

        // 3. The byte ranges: inside the data, and covering it exactly, one after the other.
        const uint64_t data_size = file_size - 8 - n;
        check_ranges(entries, data_size);

        // 4. The data, read once, decoded little-endian; NaN and ±Inf refused unless allowed.
        std::string data(data_size, '\0');
        read(in, data, data_size);
        for (const Entry& e : entries) {
            Buffer values(static_cast<size_t>(e.numel));
            const char* p = data.data() + e.begin;
            for (size_t i = 0; i < values.size(); ++i) values[i] = get_f32(p + 4 * i);
            if (!allow_non_finite_) check_finite(e, values);
            out.tensors.emplace_back(e.name, Tensor(std::move(values), e.shape));
        }
        return out;
    }

private:
    std::string path_;
    bool allow_non_finite_;

    [[noreturn]] void refuse(const std::string& reason) const {
        throw std::invalid_argument("load_safetensors: " + path_ + ": " + reason);
    }
    [[noreturn]] void refuse(const std::string& name, const std::string& reason) const {
        refuse("tensor " + json_quote(name) + ": " + reason);
    }
    [[noreturn]] void fail_io(const std::string& reason) const {
        throw std::runtime_error("load_safetensors: " + path_ + ": " + reason);
    }

    void read(std::ifstream& in, std::string& into, uint64_t count) const {
        if (count && !in.read(&into[0], static_cast<std::streamsize>(count)))
            fail_io("cannot read the file (it changed while being read?)");
    }

    Metadata metadata(const Json& v) const {
        if (v.kind != Json::Kind::Object)
            refuse(std::string("\"__metadata__\" is ") + json_kind_name(v.kind) + ", not an object of strings");
        Metadata m;
        for (const auto& [key, value] : v.members) {
            if (value.kind != Json::Kind::String)
                refuse("\"__metadata__\" must map strings to strings, but " + json_quote(key) + " is " +
                       json_kind_name(value.kind));
            if (!m.emplace(key, value.text).second)
                refuse("the key " + json_quote(key) + " appears twice in \"__metadata__\"");
        }
        return m;
    }

    // A whole number >= 0 written with digits only ("7", not "7.0", "-1" or "1e3"), below 2⁶³.
    bool whole_number(const Json& v, uint64_t& out) const {
        if (v.kind != Json::Kind::Number || v.text.find_first_not_of("0123456789") != std::string::npos) return false;
        out = 0;
        for (char c : v.text) {
            if (out > (uint64_t(INT64_MAX) - uint64_t(c - '0')) / 10) return false;
            out = out * 10 + uint64_t(c - '0');
        }
        return true;
    }

    Entry entry(const std::string& name, const Json& v) const {
        if (v.kind != Json::Kind::Object) refuse(name, std::string("its entry is ") + json_kind_name(v.kind) + ", not an object");
        std::set<std::string> fields;
        for (const auto& m : v.members) {
            if (m.first != "dtype" && m.first != "shape" && m.first != "data_offsets")
                refuse(name, "unknown field " + json_quote(m.first) + " (only dtype, shape and data_offsets)");
            if (!fields.insert(m.first).second) refuse(name, "the field " + json_quote(m.first) + " appears twice");
        }
        const Json* dtype = v.find("dtype");
        const Json* shape = v.find("shape");
        const Json* offsets = v.find("data_offsets");
        if (!dtype || !shape || !offsets)
            refuse(name, std::string("no \"") + (!dtype ? "dtype" : !shape ? "shape" : "data_offsets") + "\" in its entry");

        if (dtype->kind != Json::Kind::String) refuse(name, std::string("dtype is ") + json_kind_name(dtype->kind) + ", not a string");
        if (dtype->text != "F32") {
            static const std::set<std::string> known = {"F64", "F16", "BF16", "F8_E4M3", "F8_E5M2", "I64", "I32",
                                                        "I16", "I8", "U64", "U32", "U16", "U8", "BOOL"};
            if (known.count(dtype->text))
                refuse(name, "dtype " + dtype->text + " is not supported: only F32 is read (in PyTorch, .float() it before saving)");
            refuse(name, "unknown dtype " + json_quote(dtype->text));
        }

        Entry e;
        e.name = name;
        if (shape->kind != Json::Kind::Array) refuse(name, std::string("shape is ") + json_kind_name(shape->kind) + ", not an array");
        for (const Json& d : shape->items) {
            uint64_t size;
            if (!whole_number(d, size))
                refuse(name, "shape holds " + (d.kind == Json::Kind::Number ? d.text : std::string(json_kind_name(d.kind))) +
                                 ", not a whole number >= 0");
            e.shape.push_back(static_cast<int64_t>(size));
        }
        try {
            e.numel = shape_numel(e.shape, "load_safetensors");
        } catch (const std::invalid_argument&) {
            refuse(name, "shape " + shape_str(e.shape) + " is too large");
        }

        if (offsets->kind != Json::Kind::Array || offsets->items.size() != 2 ||
            !whole_number(offsets->items[0], e.begin) || !whole_number(offsets->items[1], e.end))
            refuse(name, "data_offsets must be two whole numbers [begin, end]");
        const std::string range = "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "]";
        if (e.end < e.begin) refuse(name, range + " end before they begin");
        const uint64_t bytes = static_cast<uint64_t>(e.numel) * 4;
        if (e.end - e.begin != bytes)
            refuse(name, range + " hold " + std::to_string(e.end - e.begin) + " bytes, but shape " + shape_str(e.shape) +
                             " needs " + std::to_string(e.numel) + " × 4 = " + std::to_string(bytes));
        return e;
    }

    // The tensors' ranges, in order, must tile the data section: [0, a) [a, b) ... [y, data_size).
    void check_ranges(const std::vector<Entry>& entries, uint64_t data_size) const {
        for (const Entry& e : entries)
            if (e.end > data_size)
                refuse(e.name, "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                                   "] run past the end of the data (" + std::to_string(data_size) + " bytes)");
        std::vector<const Entry*> order;
        for (const Entry& e : entries) order.push_back(&e);
        std::sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) {
            return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
        });
        uint64_t covered = 0;  // the data [0, covered) belongs to the tensors seen so far
        const Entry* last = nullptr;
        for (const Entry* e : order) {
            if (e->begin < covered)
                refuse(e->name, "data_offsets [" + std::to_string(e->begin) + ", " + std::to_string(e->end) +
                                    "] overlap those of " + json_quote(last->name) + " [" + std::to_string(last->begin) +
                                    ", " + std::to_string(last->end) + "]");
            if (e->begin > covered)
                refuse("bytes [" + std::to_string(covered) + ", " + std::to_string(e->begin) +
                       ") of the data belong to no tensor (a hole before " + json_quote(e->name) + ")");
            covered = e->end;
            last = e;
        }
        if (covered != data_size)
            refuse("the data is " + std::to_string(data_size) + " bytes, but the tensors cover only [0, " +
                   std::to_string(covered) + ")");
    }

    void check_finite(const Entry& e, const Buffer& values) const {
        for (size_t i = 0; i < values.size(); ++i) {
            if (std::isfinite(values[i])) continue;
            const std::string what = std::isnan(values[i]) ? "NaN" : values[i] > 0 ? "inf" : "-inf";
            refuse(e.name, "holds " + what + " at flat index " + std::to_string(i) + " (shape " + shape_str(e.shape) +
                               "); load with allow_non_finite = true to accept it");
        }
    }
};

}  // namespace

// ---- the API ---------------------------------------------------------------------------------

void save_safetensors(const std::string& path, const NamedTensors& tensors, const Metadata& metadata) {
    const std::string who = "save_safetensors: " + path + ": ";
    std::set<std::string> names;
    for (const auto& [name, t] : tensors) {
        if (!t.defined()) throw std::invalid_argument(who + "tensor " + json_quote(name) + " is undefined");
        if (name == "__metadata__") throw std::invalid_argument(who + "\"__metadata__\" is reserved for the metadata, not a tensor name");
        if (!detail::valid_utf8(name)) throw std::invalid_argument(who + "a tensor name is not valid UTF-8");
        if (!names.insert(name).second) throw std::invalid_argument(who + "tensor " + json_quote(name) + " is given twice");
    }
    for (const auto& [key, value] : metadata)
        if (!detail::valid_utf8(key) || !detail::valid_utf8(value))
            throw std::invalid_argument(who + "the metadata is not valid UTF-8");

    // The header: {"__metadata__":{...},"name":{"dtype":"F32","shape":[...],"data_offsets":[b,e]},...}
    std::string header = "{";
    if (!metadata.empty()) {
        header += "\"__metadata__\":{";
        bool first = true;
        for (const auto& [key, value] : metadata) {
            header += (first ? "" : ",") + json_quote(key) + ":" + json_quote(value);
            first = false;
        }
        header += "}";
    }
    uint64_t offset = 0;
    for (const auto& [name, t] : tensors) {
        const uint64_t bytes = static_cast<uint64_t>(t.numel()) * 4;
        header += (header.size() > 1 ? "," : "") + json_quote(name) + ":" + header_entry(t.shape(), offset, offset + bytes);
        offset += bytes;
    }
    header += "}";
    header.append((8 - header.size() % 8) % 8, ' ');  // the data starts at a multiple of 8

    std::string file;
    file.reserve(8 + header.size() + offset);
    put_u64(file, header.size());
    file += header;
    for (const auto& named : tensors)
        for (float v : named.second.values()) put_f32(file, v);
    write_atomically(path, file, who);
}

SafetensorsFile load_safetensors(const std::string& path, bool allow_non_finite) {
    return Loader(path, allow_non_finite).load();
}

void save_model(const nn::Module& module, const std::string& path, const Metadata& metadata) {
    Metadata all = {{"format", "pt"}};  // what safetensors.torch writes; some readers look for it
    for (const auto& [key, value] : metadata) all[key] = value;
    save_safetensors(path, module.state_dict(), all);
}

nn::LoadResult load_model(nn::Module& module, const std::string& path, bool strict, bool allow_non_finite) {
    SafetensorsFile file = load_safetensors(path, allow_non_finite);  // its errors name the file
    try {
        return module.load_state_dict(file.tensors, strict);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument("load_model: " + path + ": " + e.what());
    }
}

}  // namespace ag
