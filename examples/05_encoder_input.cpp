// 05_encoder_input.cpp — Part 4 of the notebook: what the encoder actually receives.
//
// Encoder input = input embeddings + positional encodings: each word's vector (Part 2) plus the
// vector of its position (Part 3). The same word at two places now gives two different inputs.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "ag/ag.h"
#include "common/cli.h"
#include "common/data.h"
#include "common/plot.h"
#include "common/text.h"

// position token_index word v0 .. v(dim−1): one row per word of the sentence, from (1, n, dim).
static void write_word_table(const std::string& path, const std::vector<std::string>& words,
                             const std::map<std::string, int64_t>& word_to_index, const ag::Tensor& values) {
    const int64_t dim = values.size(-1);
    std::vector<std::string> columns = {"position", "token_index", "word"};
    for (const std::string& c : ex::value_columns(dim)) columns.push_back(c);
    ex::DataFile table(path, columns);
    for (size_t j = 0; j < words.size(); ++j) {
        std::vector<std::string> row = {std::to_string(j), std::to_string(word_to_index.at(words[j])), words[j]};
        for (int64_t d = 0; d < dim; ++d) row.push_back(ex::num(values.at({0, int64_t(j), d})));
        table.row(row);
    }
    table.close();
}

static int run(int argc, char** argv) {
    ex::CommonOptions common;
    std::string sentence = ex::kNotebookSentence;
    int64_t dim = 8;
    ex::Args args("05_encoder_input", "Part 4 - Encoder Input: input embeddings + positional embeddings");
    args.option("--sentence", "TEXT", "the sentence to embed", "the notebook's sentence",
                [&](const std::string& v) { sentence = ex::parse_sentence(v); });
    args.option("--dim", "D", "embedding size (also d_model of the encodings)", std::to_string(dim),
                [&](const std::string& v) { dim = ex::parse_positive(v); });
    args.common(common);
    args.parse(argc, argv);
    const std::string dir = common.out + "/05_encoder_input";
    ex::make_dir(dir);

    // ---- Part 2 again: words -> tokens -> embeddings (same seed, so the same vectors) ---------
    std::vector<std::string> words = ex::split_words(sentence);
    std::vector<std::string> vocab = ex::sorted_vocabulary(words);                 // sorted distinct words
    std::map<std::string, int64_t> word_to_index = ex::make_word_to_index(vocab);  // word_to_index[vocab[i]] = i
    ag::Tensor tokens = ex::make_tokens(words, word_to_index);                     // (1, n)
    const int64_t n = tokens.size(1);
    ag::manual_seed(common.seed);
    ag::nn::Embedding embedding_layer(static_cast<int64_t>(vocab.size()), dim);
    ag::Tensor embeddings = embedding_layer.forward(tokens);  // (1, n, dim)

    // ---- Part 3 again: one encoding per position ---------------------------------------------
    // pos_embed[pos, 2i] = sin(pos / 10000^(2i/dim)), pos_embed[pos, 2i+1] = cos(...)   (n, dim)
    ag::Tensor pos_embed = ag::positional_encoding(n, dim);

    // ---- the blank, filled ---------------------------------------------------------------------
    // final_input[0, pos, :] = embeddings[0, pos, :] + pos_embed[pos, :]; (1, n, dim) + (n, dim)
    // broadcasts the encodings over the batch dim.                                  -> (1, n, dim)
    ag::Tensor final_input = embeddings + pos_embed;
    std::cout << "sentence: " << sentence << "\n"
              << "final_input = embeddings + pos_embed, (1, " << n << ", " << dim << "):\n"
              << final_input << "\n";

    // ---- data and plot -------------------------------------------------------------------------
    write_word_table(dir + "/embeddings.dat", words, word_to_index, embeddings);
    write_word_table(dir + "/final_input.dat", words, word_to_index, final_input);
    std::vector<std::string> pe_columns = {"position"};
    for (const std::string& c : ex::value_columns(dim)) pe_columns.push_back(c);
    ex::DataFile pe_table(dir + "/pe.dat", pe_columns);
    for (int64_t pos = 0; pos < n; ++pos) {
        std::vector<double> row = {double(pos)};
        for (int64_t d = 0; d < dim; ++d) row.push_back(pos_embed.at({pos, d}));
        pe_table.row(row);
    }
    pe_table.close();

    // Three heat maps side by side, on one colour scale so that they can be compared.
    double limit = 0.0;
    for (float v : final_input.values()) limit = std::max(limit, std::fabs(double(v)));
    for (float v : embeddings.values()) limit = std::max(limit, std::fabs(double(v)));
    limit = std::max(1.0, std::ceil(limit * 2.0) / 2.0);
    std::string word_tics = "set ytics (";  // the rows labelled by their words
    for (int64_t j = 0; j < n; ++j) word_tics += (j ? ", " : "") + ex::gp_quote(words[j]) + " " + std::to_string(j);
    word_tics += ")";

    ex::Plotter plotter(common.plot, dir, "05_encoder_input");
    ex::Figure figure("encoder_input", "Encoder input = input embeddings + positional embeddings");
    figure.columns = 3;
    figure.width = 1500;
    figure.height = 520;
    figure.ascii_friendly = false;
    const int d = static_cast<int>(dim), rows = static_cast<int>(n);
    ex::Panel e = ex::heat_map("input embeddings", "embeddings.dat", 4, d, rows, limit, "dimension", "");
    ex::Panel p = ex::heat_map("+ positional embeddings", "pe.dat", 2, d, rows, limit, "dimension", "position");
    ex::Panel f = ex::heat_map("= final input", "final_input.dat", 4, d, rows, limit, "dimension", "");
    e.extra += "\n" + word_tics;
    f.extra += "\n" + word_tics;
    p.extra += "\nset ytics 1";
    figure.panels = {e, p, f};
    plotter.draw(figure);
    plotter.print_summary();
    return 0;
}

int main(int argc, char** argv) { return ex::main_guard("05_encoder_input", run, argc, argv); }
