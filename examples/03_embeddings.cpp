// 03_embeddings.cpp — Part 2 of the notebook: from words to vectors.
//
// The sentence is split into words, the distinct words are numbered (the vocabulary), the
// sentence becomes a row of those numbers (the tokens), and an Embedding layer looks up one
// learned vector per token. Before training those vectors are just the seeded random start.
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

static int run(int argc, char** argv) {
    ex::CommonOptions common;
    std::string sentence = ex::kNotebookSentence;
    int64_t dim = 8;
    ex::Args args("03_embeddings", "Part 2 - Embeddings: a sentence becomes tokens, then one vector per token");
    args.option("--sentence", "TEXT", "the sentence to embed", "the notebook's sentence",
                [&](const std::string& v) { sentence = ex::parse_sentence(v); });
    args.option("--dim", "D", "embedding size", std::to_string(dim),
                [&](const std::string& v) { dim = ex::parse_positive(v); });
    args.common(common);
    args.parse(argc, argv);
    const std::string dir = common.out + "/03_embeddings";
    ex::make_dir(dir);

    // ---- the vocabulary ------------------------------------------------------------------------
    std::vector<std::string> words = ex::split_words(sentence);         // sentence.split()
    std::vector<std::string> vocab = ex::sorted_vocabulary(words);      // vocab = sorted(set(words))
    const int64_t vocab_size = static_cast<int64_t>(vocab.size());
    std::cout << "sentence: " << sentence << "\nvocab (" << vocab_size << " words, sorted):";
    for (const std::string& w : vocab) std::cout << " " << w;
    std::cout << "\n";

    // ---- the notebook's blanks, filled ---------------------------------------------------------
    std::map<std::string, int64_t> word_to_index = ex::make_word_to_index(vocab);  // word_to_index[vocab[i]] = i
    std::map<int64_t, std::string> index_to_word = ex::make_index_to_word(vocab);  // index_to_word[i] = vocab[i]
    ag::Tensor tokens = ex::make_tokens(words, word_to_index);  // tokens[0, j] = word_to_index[words[j]]  (1, n)
    std::cout << "tokens (1, " << tokens.size(1) << "): [[";  // whole numbers, printed as such
    for (int64_t j = 0; j < tokens.size(1); ++j) std::cout << (j ? ", " : "") << tokens.at({0, j});
    std::cout << "]]\n";

    // ---- the embedding layer -------------------------------------------------------------------
    ag::manual_seed(common.seed);                           // the same start as torch.manual_seed
    ag::nn::Embedding embedding_layer(vocab_size, dim);     // weight (vocab_size, dim) ~ N(0, 1)
    ag::Tensor embeddings = embedding_layer.forward(tokens);  // embeddings[0, j] = weight[tokens[0, j]]  (1, n, dim)
    std::cout << "embeddings (1, " << words.size() << ", " << dim << "):\n" << embeddings << "\n";

    // ---- data and plot -------------------------------------------------------------------------
    // embeddings.dat: one row per word of the sentence: position token_index word v0 .. v(dim−1)
    std::vector<std::string> columns = {"position", "token_index", "word"};
    for (const std::string& c : ex::value_columns(dim)) columns.push_back(c);
    ex::DataFile table(dir + "/embeddings.dat", columns);
    for (size_t j = 0; j < words.size(); ++j) {
        std::vector<std::string> row = {std::to_string(j), std::to_string(word_to_index[words[j]]), words[j]};
        for (int64_t d = 0; d < dim; ++d) row.push_back(ex::num(embeddings.at({0, int64_t(j), d})));
        table.row(row);
    }
    table.close();
    // The same numbers turned on their side, one column per word, so each word is one curve.
    std::vector<std::string> by_dim_columns = {"dimension"};
    for (const std::string& w : words) by_dim_columns.push_back(w);
    ex::DataFile by_dim(dir + "/embeddings_by_dimension.dat", by_dim_columns);
    for (int64_t d = 0; d < dim; ++d) {
        std::vector<double> row = {double(d)};
        for (size_t j = 0; j < words.size(); ++j) row.push_back(embeddings.at({0, int64_t(j), d}));
        by_dim.row(row);
    }
    by_dim.close();

    ex::Plotter plotter(common.plot, dir, "03_embeddings");
    ex::Figure figure("embeddings", "Input Embeddings");
    figure.width = 1000;
    ex::Panel panel("Input Embeddings: each word's vector (seed " + std::to_string(common.seed) + ", before training)",
                    "dimension", "value");
    for (size_t j = 0; j < words.size(); ++j) {
        const int64_t index = word_to_index[words[j]];
        panel.series.push_back({"embeddings_by_dimension.dat", "1:" + std::to_string(j + 2),
                                "Word: " + index_to_word[index] + " (token " + std::to_string(index) + ")",
                                "linespoints pt " + std::to_string(j % 14 + 1) + " ps 1.1"});
    }
    panel.extra = "set key outside right\nset xtics 1";
    figure.panels.push_back(panel);
    plotter.draw(figure);
    plotter.print_summary();
    return 0;
}

int main(int argc, char** argv) { return ex::main_guard("03_embeddings", run, argc, argv); }
