// safetensors.h — weights in and out of the program, in the file format PyTorch users share.
//
// Teaches: a trained model is just named arrays of numbers. A .safetensors file is an 8-byte
// little-endian header length N, N bytes of JSON saying each tensor's dtype, shape and byte range
// ({"dense.bias": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, ...}), then the raw
// little-endian bytes. A file can come from anywhere, so loading checks everything before it
// trusts a number, and refuses a bad file with a message naming the file and the tensor.
//
//   ag::save_model(model, "rnn.safetensors");        // in Python: safetensors.torch.load_file
//   ag::load_model(model, "rnn.safetensors");        // every name and shape must match
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ag/nn/module.h"
#include "ag/tensor.h"

namespace ag {

using NamedTensors = nn::StateDict;                  // (name, tensor) pairs, in order
using Metadata = std::map<std::string, std::string>;  // the header's "__metadata__"

struct SafetensorsFile {
    NamedTensors tensors;  // in the order of the header; each a new leaf tensor
    Metadata metadata;     // empty when the file has none
};

// Writes `tensors` (float32, any shapes, distinct names) and `metadata` to `path`, atomically: the
// bytes go to a temporary file in the same folder, which is then renamed over `path`, so an
// interrupted save never leaves a broken file where a good one was. The header is padded with
// spaces so that the data starts at a multiple of 8 bytes. Throws std::invalid_argument for bad
// tensors or names, std::runtime_error (saying why: a missing folder, no permission, a full disk)
// when the file cannot be written.
void save_safetensors(const std::string& path, const NamedTensors& tensors, const Metadata& metadata = {});

// Reads a safetensors file of F32 tensors. Refuses (std::invalid_argument, or std::runtime_error
// when the file cannot be read), naming the file and the tensor where there is one: a truncated
// file, a header length beyond the file or above 100 MB, a header that is not strict JSON, an
// entry without dtype/shape/data_offsets or with other fields, a dtype other than F32, a name
// given twice, offsets that are out of range or overlap or leave bytes of the data unused, a byte
// count other than numel × 4, and NaN or ±Inf values unless allow_non_finite is true.
SafetensorsFile load_safetensors(const std::string& path, bool allow_non_finite = false);

// A module's parameters under PyTorch's dotted names (Module::state_dict()), with metadata
// {"format": "pt"} as safetensors.torch.save_model writes, plus `metadata`.
void save_model(const nn::Module& module, const std::string& path, const Metadata& metadata = {});

// load_safetensors, then module.load_state_dict(tensors, strict): every check is done before the
// first value is written, so a refused file leaves the module exactly as it was. Messages of
// load_state_dict are prefixed with the file: "load_model: PATH: load_state_dict: ...".
nn::LoadResult load_model(nn::Module& module, const std::string& path, bool strict = true,
                          bool allow_non_finite = false);

}  // namespace ag
