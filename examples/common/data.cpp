// data.cpp — .dat tables: a header line, then rows of whitespace-separated cells.
//
// Teaches: writing files that fail loudly: a folder that cannot be made or a file that cannot be
// written is an exception naming the path, never a silently missing table.
#include "data.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace ex {

void make_dir(const std::string& path) {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec || !std::filesystem::is_directory(path)) {
        throw std::runtime_error("cannot create the folder '" + path + "': " + ec.message());
    }
}

void make_parent_dir(const std::string& path) {
    const std::string parent = std::filesystem::path(path).parent_path().string();
    if (!parent.empty()) make_dir(parent);
}

std::string num(double value, int digits) {
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%.*g", digits, value);
    return buffer;
}

std::vector<std::string> value_columns(int64_t count, const std::string& prefix) {
    std::vector<std::string> names;
    for (int64_t i = 0; i < count; ++i) names.push_back(prefix + std::to_string(i));
    return names;
}

DataFile::DataFile(const std::string& path, const std::vector<std::string>& columns, const std::string& comment)
    : path_(path), columns_(columns.size()) {
    std::string header;
    for (size_t start = 0; start < comment.size();) {  // each comment line as "# line"
        size_t end = std::min(comment.find('\n', start), comment.size());
        header += "# " + comment.substr(start, end - start) + "\n";
        start = end + 1;
    }
    header += "#";
    for (const std::string& c : columns) header += " " + c;
    out_.open(path_);
    if (!(out_ << header << "\n")) throw std::runtime_error("cannot write '" + path_ + "'");
}

void DataFile::row(const std::vector<std::string>& cells) {
    if (cells.size() != columns_) {
        throw std::invalid_argument("row of " + std::to_string(cells.size()) + " cells for " +
                                    std::to_string(columns_) + " columns in '" + path_ + "'");
    }
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) line += (i ? " " : "") + cells[i];
    if (!(out_ << line << "\n")) throw std::runtime_error("cannot write '" + path_ + "'");
}

void DataFile::row(const std::vector<double>& values) {
    std::vector<std::string> cells;
    for (double v : values) cells.push_back(num(v));
    row(cells);
}

void DataFile::close() {
    if (out_.is_open()) {
        out_.close();
        if (out_.fail()) throw std::runtime_error("cannot write '" + path_ + "'");
    }
}

}  // namespace ex
