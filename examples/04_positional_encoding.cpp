// 04_positional_encoding.cpp — Part 3 of the notebook: the sinusoidal positional encodings.
//
// Each position pos gets a vector of d_model numbers: sines and cosines of pos at frequencies
// that shrink geometrically along the dimensions, so no two positions get the same vector.
//   PE[pos, 2i] = sin(pos / 10000^(2i/d)),   PE[pos, 2i+1] = cos(pos / 10000^(2i/d))
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <iostream>

#include "ag/ag.h"
#include "common/cli.h"
#include "common/data.h"
#include "common/plot.h"
#include "common/text.h"

static int run(int argc, char** argv) {
    ex::CommonOptions common;
    int64_t max_len = static_cast<int64_t>(ex::split_words(ex::kNotebookSentence).size());  // 9 words
    int64_t d_model = 8;
    ex::Args args("04_positional_encoding",
                  "Part 3 - Positional Embeddings: PE[pos,2i] = sin(pos/10000^(2i/d)), PE[pos,2i+1] = cos(...)");
    args.option("--positions", "N", "number of positions (rows)", std::to_string(max_len),
                [&](const std::string& v) { max_len = ex::parse_positive(v); });
    args.option("--d-model", "D", "size of each position's vector (columns)", std::to_string(d_model),
                [&](const std::string& v) { d_model = ex::parse_positive(v); });
    args.common(common);
    args.parse(argc, argv);
    const std::string dir = common.out + "/04_positional_encoding";
    ex::make_dir(dir);

    // ---- the notebook's blanks, filled ---------------------------------------------------------
    const int64_t pairs = (d_model + 1) / 2;  // one (sin, cos) pair per frequency i
    // positions = arange(max_len) as a column: pos = 0, 1, ..., N−1                    (N, 1)
    ag::Tensor positions = ag::reshape(ag::Tensor::arange(max_len), {max_len, 1});
    // denominator[i] = 10000^(2i/d) = exp(2i · ln(10000) / d)                          (pairs)
    ag::Tensor two_i = ag::Tensor::arange(pairs) * 2.0f;
    ag::Tensor denominator = ag::exp(two_i * static_cast<float>(std::log(10000.0) / d_model));
    // angle[pos, i] = pos / 10000^(2i/d), broadcast (N, 1) / (pairs) -> (N, pairs)
    ag::Tensor angles = positions / denominator;
    // pos_embed[pos, 2i] = sin(angle), pos_embed[pos, 2i+1] = cos(angle): stacking the two as a
    // last dim of size 2 interleaves them, (N, pairs, 2) -> (N, 2·pairs); an odd d drops the last cos.
    ag::Tensor interleaved = ag::stack({ag::sin(angles), ag::cos(angles)}, 2);
    ag::Tensor pos_embed = ag::narrow(ag::reshape(interleaved, {max_len, 2 * pairs}), 1, 0, d_model);  // (N, d)

    // ---- print ---------------------------------------------------------------------------------
    std::cout << "positional encodings, " << max_len << " positions x d_model " << d_model
              << "; the first " << std::min<int64_t>(5, max_len) << " rows (pos_embed[0:5]):\n"
              << ag::narrow(pos_embed, 0, 0, std::min<int64_t>(5, max_len)) << "\n";
    // The engine has the same table as a library function; the two must agree.
    ag::Tensor library = ag::positional_encoding(max_len, d_model);
    double largest = 0.0;
    for (int64_t k = 0; k < pos_embed.numel(); ++k) {
        largest = std::max(largest, std::fabs(double(pos_embed.values()[k]) - library.values()[k]));
    }
    std::printf("largest difference from ag::positional_encoding: %.3g\n", largest);

    // ---- data and plots ------------------------------------------------------------------------
    std::vector<std::string> columns = {"position"};
    for (const std::string& c : ex::value_columns(d_model)) columns.push_back(c);
    ex::DataFile table(dir + "/pe.dat", columns);  // one row per position: position v0 .. v(d−1)
    for (int64_t pos = 0; pos < max_len; ++pos) {
        std::vector<double> row = {double(pos)};
        for (int64_t j = 0; j < d_model; ++j) row.push_back(pos_embed.at({pos, j}));
        table.row(row);
    }
    table.close();

    ex::Plotter plotter(common.plot, dir, "04_positional_encoding");
    ex::Figure heat{"pe_heatmap", "Positional encodings: position x dimension"};
    heat.panels.push_back(ex::heat_map("Positional encodings (d_model = " + std::to_string(d_model) + ")",
                                       "pe.dat", 2, static_cast<int>(d_model), static_cast<int>(max_len), 1.0,
                                       "dimension (even: sin, odd: cos)", "position"));
    heat.ascii_friendly = false;
    plotter.draw(heat);

    // A few dimensions as curves: the sine of each frequency (even dims), and one cosine (dim 1).
    ex::Figure curves{"pe_curves", "Positional encodings: a few dimensions over position"};
    ex::Panel panel("Positional encodings: a few dimensions over position", "position", "value");
    std::vector<int64_t> shown = {0, 1};
    for (int64_t j = 2; j < d_model && shown.size() < 5; j += 2) shown.push_back(j);
    for (int64_t j : shown) {
        const int64_t i2 = j - j % 2;  // the 2i of this column's frequency
        panel.series.push_back({"pe.dat", "1:" + std::to_string(j + 2),
                                "dim " + std::to_string(j) + ": " + (j % 2 == 0 ? "sin" : "cos") +
                                    "(pos / 10000^(" + std::to_string(i2) + "/" + std::to_string(d_model) + "))"});
    }
    panel.extra = "set key below";
    curves.panels.push_back(panel);
    plotter.draw(curves);
    plotter.print_summary();
    return 0;
}

int main(int argc, char** argv) { return ex::main_guard("04_positional_encoding", run, argc, argv); }
