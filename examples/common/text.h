// text.h — from a sentence to numbers: words, a vocabulary, and the index of each word.
//
// Teaches: a network cannot read words, only indices. The vocabulary is the sorted list of
// distinct words (sorted so that every run numbers them the same way, unlike a Python set);
// a word's index is its place in that list, and the tokens are the sentence as indices.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ag/tensor.h"

namespace ex {

// The notebook's sentence.
inline const char* const kNotebookSentence =
    "Transformers have revolutionized natural language processing and machine learning.";

// Words separated by whitespace, punctuation kept: "machine learning." -> {"machine", "learning."}
std::vector<std::string> split_words(const std::string& sentence);
// The distinct words, sorted (byte order, so capitals come first): {"b", "a", "b"} -> {"a", "b"}
std::vector<std::string> sorted_vocabulary(const std::vector<std::string>& words);
// word -> its index in vocab
std::map<std::string, int64_t> make_word_to_index(const std::vector<std::string>& vocab);
// index -> word: the vocabulary itself, read by position
std::map<int64_t, std::string> make_index_to_word(const std::vector<std::string>& vocab);
// The sentence as indices, (1, n) with n = words.size(); values are whole numbers stored as floats.
ag::Tensor make_tokens(const std::vector<std::string>& words,
                       const std::map<std::string, int64_t>& word_to_index);

}  // namespace ex
