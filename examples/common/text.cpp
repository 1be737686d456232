// text.cpp — splitting a sentence into words and numbering them.
//
// Teaches: the notebook's word_to_index, index_to_word and tokens are three small loops over a
// sorted vocabulary; a word is its index, and the tokens are the sentence's words as indices.
#include "text.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace ex {

std::vector<std::string> split_words(const std::string& sentence) {
    std::istringstream in(sentence);
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    return words;
}

std::vector<std::string> sorted_vocabulary(const std::vector<std::string>& words) {
    std::vector<std::string> vocab = words;
    std::sort(vocab.begin(), vocab.end());
    vocab.erase(std::unique(vocab.begin(), vocab.end()), vocab.end());
    return vocab;
}

std::map<std::string, int64_t> make_word_to_index(const std::vector<std::string>& vocab) {
    std::map<std::string, int64_t> word_to_index;
    for (size_t i = 0; i < vocab.size(); ++i) word_to_index[vocab[i]] = static_cast<int64_t>(i);
    return word_to_index;
}

std::map<int64_t, std::string> make_index_to_word(const std::vector<std::string>& vocab) {
    std::map<int64_t, std::string> index_to_word;
    for (size_t i = 0; i < vocab.size(); ++i) index_to_word[static_cast<int64_t>(i)] = vocab[i];
    return index_to_word;
}

ag::Tensor make_tokens(const std::vector<std::string>& words,
                       const std::map<std::string, int64_t>& word_to_index) {
    std::vector<float> indices;
    for (const std::string& w : words) {
        auto it = word_to_index.find(w);
        if (it == word_to_index.end()) throw std::invalid_argument("make_tokens: '" + w + "' is not in the vocabulary");
        indices.push_back(static_cast<float>(it->second));
    }
    return ag::Tensor(indices, {1, static_cast<int64_t>(indices.size())});
}

}  // namespace ex
