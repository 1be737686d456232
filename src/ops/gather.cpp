// gather.cpp — pick rows of a table by integer index: the whole of an Embedding's forward.
//
// Teaches: an embedding lookup is "copy row idx into the output". Its backward adds each output
// row's gradient into the row it came from; a word that appears twice in a sentence sends two
// gradients to the same row, and they must add up (+=), not overwrite each other.
#include <cmath>
#include <cstdio>

#include "ag/ops.h"
#include "op_util.h"

namespace ag {

Tensor index_select_rows(const Tensor& table, const Tensor& indices) {
    detail::require_defined("index_select_rows", table);
    detail::require_defined("index_select_rows", indices);
    const Shape& st = table.shape();
    if (st.size() != 2)
        throw std::invalid_argument("index_select_rows: table must be [N, D], got shape " + shape_str(st));
    const int64_t N = st[0], D = st[1];
    // Indices arrive as floats (every tensor here is float32); each must be a whole number in range.
    std::vector<int64_t> rows;
    rows.reserve(indices.values().size());
    for (float f : indices.values()) {
        if (!(f == std::floor(f)))  // also catches NaN
            throw std::invalid_argument("index_select_rows: index " + std::to_string(f) +
                                        " is not a whole number");
        if (!(f >= 0.0f && double(f) < double(N))) {  // checked as floats: 1e30 has no int64
            char buf[64];
            std::snprintf(buf, sizeof buf, "%.0f", double(f));
            throw std::out_of_range(std::string("index_select_rows: index ") + buf +
                                    " is out of range for a table of " + std::to_string(N) +
                                    " rows (shape " + shape_str(st) + ")");
        }
        rows.push_back(static_cast<int64_t>(f));
    }
    Buffer out(rows.size() * static_cast<size_t>(D));
    const float* w = table.values().data();
    for (size_t i = 0; i < rows.size(); ++i)
        std::copy(w + rows[i] * D, w + (rows[i] + 1) * D, out.begin() + i * D);
    Shape shape = indices.shape();
    shape.push_back(D);
    return record("index_select_rows", std::move(out), std::move(shape), {table, indices},
                  [rows = std::move(rows), D](Node& o) {
                      // d out[i, :]/d table[rows[i], :] = 1; repeated rows accumulate
                      float* gw = o.input_grad(0);
                      if (!gw) return;
                      const float* g = o.grad.data();
                      for (size_t i = 0; i < rows.size(); ++i)
                          for (int64_t j = 0; j < D; ++j) gw[rows[i] * D + j] += g[i * D + j];
                  });
}

}  // namespace ag
