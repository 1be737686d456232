// 05_encoder_input.cpp — Part 4 of the notebook: what the encoder actually receives, and the
// first thing the encoder does with it.
//
// Encoder input = input embeddings + positional encodings: each word's vector (Part 2) plus the
// vector of its position (Part 3). The same word at two places now gives two different inputs.
// Then one (untrained) self-attention layer reads the sentence: every word weighs every word,
// the 9 × 9 attention weights, drawn as a heat map labelled with the words.
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
    int64_t heads = 2;
    ex::Args args("05_encoder_input", "Part 4 - Encoder Input: input embeddings + positional embeddings");
    args.option("--sentence", "TEXT", "the sentence to embed", "the notebook's sentence",
                [&](const std::string& v) { sentence = ex::parse_sentence(v); });
    args.option("--dim", "D", "embedding size (also d_model of the encodings)", std::to_string(dim),
                [&](const std::string& v) { dim = ex::parse_positive(v); });
    args.option("--heads", "H", "attention heads (must divide --dim)", std::to_string(heads),
                [&](const std::string& v) { heads = ex::parse_positive(v); });
    args.common(common);
    args.parse(argc, argv);
    if (dim % heads != 0) {
        std::fprintf(stderr, "05_encoder_input: error: --heads: %lld heads do not divide --dim %lld (see --help)\n",
                     (long long)heads, (long long)dim);
        return 2;
    }
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
    // Built now, from the same seeded stream, as torch.manual_seed(s); nn.Embedding(9, 8);
    // nn.MultiheadAttention(8, 2, batch_first=True): it draws after the embedding, so the
    // embeddings stay Part 2's, and its weights are PyTorch's.
    ag::nn::MultiheadAttention attention(dim, heads);
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

    // ---- Part 4 continued: one self-attention layer over the encoder input --------------------
    // query = key = value = final_input. weights[0, i, j] = softmax_j(q_i · k_j / √(dim/heads)),
    // averaged over the heads: how much word i takes from word j; each row sums to 1.  (1, n, n)
    auto [attention_output, attention_weights] = attention.forward(final_input, final_input, final_input);
    std::cout << "\nself-attention over final_input: an untrained MultiheadAttention(" << dim << ", " << heads
              << "), query = key = value = final_input; its output is " << ag::shape_str(attention_output.shape())
              << ".\nattention weights, averaged over the " << heads
              << " heads (row: the query word, column: the key word it looks at; each row sums to 1):\n";
    size_t label = 0;
    for (const std::string& w : words) label = std::max(label, w.size());
    std::printf("%*s", int(label), "");
    for (const std::string& w : words) std::printf(" %7s", w.substr(0, 7).c_str());
    std::printf("\n");
    for (int64_t i = 0; i < n; ++i) {
        std::printf("%-*s", int(label), words[i].c_str());
        for (int64_t j = 0; j < n; ++j) std::printf(" %7.4f", attention_weights.at({0, i, j}));
        std::printf("\n");
    }

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
    std::string word_labels = "(";  // ("I" 0, "love" 1, ...): an axis labelled by the words
    for (int64_t j = 0; j < n; ++j) word_labels += (j ? ", " : "") + ex::gp_quote(words[j]) + " " + std::to_string(j);
    word_labels += ")";
    const std::string word_tics = "set ytics " + word_labels;  // the rows

    std::vector<std::string> weight_columns = {"query_word"};
    for (const std::string& w : ex::value_columns(n, "w")) weight_columns.push_back(w);
    ex::DataFile weight_table(dir + "/attention_weights.dat", weight_columns,
                              "Self-attention weights of an untrained MultiheadAttention(" + std::to_string(dim) +
                                  ", " + std::to_string(heads) + ") over final_input, averaged over the heads.\n"
                                  "One row per query word; w<j> = the weight it gives to word j of the sentence "
                                  "(each row sums to 1).");
    for (int64_t i = 0; i < n; ++i) {
        std::vector<std::string> row = {words[i]};
        for (int64_t j = 0; j < n; ++j) row.push_back(ex::num(attention_weights.at({0, i, j})));
        weight_table.row(row);
    }
    weight_table.close();

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

    // The attention weights: white (0) to red (the largest weight), query words down, key words across.
    double top = 0.0;
    for (float v : attention_weights.values()) top = std::max(top, double(v));
    top = std::min(1.0, std::ceil(top * 20.0) / 20.0);
    ex::Figure heat("attention_weights", "Self-attention weights over the encoder input (untrained)");
    heat.width = 760;
    heat.height = 640;
    heat.ascii_friendly = false;
    ex::Panel a = ex::heat_map("attention weights, MultiheadAttention(" + std::to_string(dim) + ", " +
                                   std::to_string(heads) + "), mean of the heads",
                               "attention_weights.dat", 2, rows, rows, top, "key word (looked at)",
                               "query word (looking)");
    const std::string key_tics = "set xtics rotate by 45 right " + word_labels;  // the columns
    a.extra += "\nset palette defined (0 'white', 1 '#b2182b')\nset cbrange [0:" + ex::num(top) + "]\n" +
               word_tics + "\n" + key_tics;
    heat.panels = {a};
    plotter.draw(heat);
    plotter.print_summary();
    return 0;
}

int main(int argc, char** argv) { return ex::main_guard("05_encoder_input", run, argc, argv); }
