// data.h — writing the numbers an example computed as plain text tables (.dat files).
//
// Teaches: the simplest format plots and people both read: whitespace-separated columns, one
// row per line, a first line `# name name ...` saying what each column is.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace ex {

// Creates `path` and any missing parents; throws std::runtime_error naming it on failure.
void make_dir(const std::string& path);
// Creates the folder that will hold the file `path` ("out/rnn.safetensors": out/); nothing for a
// file in the current folder.
void make_parent_dir(const std::string& path);

// A number with 9 significant digits (enough to read a float32 back exactly), or `digits`.
std::string num(double value, int digits = 9);

// "v0", "v1", ..., "v<count-1>": the value columns of a vector per row.
std::vector<std::string> value_columns(int64_t count, const std::string& prefix = "v");

class DataFile {
public:
    // Opens `path` for writing and writes the header "# col col ...". Throws if it cannot.
    // A `comment` (one or more lines) goes first, each line as "# line": what the table is.
    DataFile(const std::string& path, const std::vector<std::string>& columns, const std::string& comment = "");
    // One row; the number of cells must equal the number of columns (throws otherwise).
    void row(const std::vector<std::string>& cells);
    void row(const std::vector<double>& values);
    // Flushes and closes the file (also done by the destructor); call it before plotting.
    void close();
    const std::string& path() const { return path_; }

private:
    std::string path_;
    size_t columns_;
    std::ofstream out_;
};

}  // namespace ex
