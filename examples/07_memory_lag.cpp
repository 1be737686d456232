// 07_memory_lag.cpp — how far back can an RNN remember, and do the gates of an LSTM or a GRU help?
//
// The notebook's context task (output = the current input) needs no memory at all. Here the model
// must output an input it saw k steps EARLIER, on random sequences it has never seen: for small
// k it learns to carry the value along; as k grows, the error climbs to that of guessing zero.
// --task first asks for one value only (the first of k + 1), so the hidden size is not the limit.
// The training, the tables and the picture are in common/memory_task.cpp, shared with 08.
#include <memory>
#include <string>

#include "common/cli.h"
#include "common/memory_task.h"
#include "common/models.h"

static int run(int argc, char** argv) {
    ex::MemoryExample example;
    example.program = "07_memory_lag";
    example.about = "Memory: a recurrent model trained to output an input it saw k steps earlier";
    example.known_models = example.default_models = {"rnn", "lstm", "gru"};
    example.delay_lags = {0, 1, 2, 4, 8, 16, 32};
    example.first_lags = {10, 25, 50, 100};
    example.delay_hidden = {4, 16, 64};
    example.first_hidden = {16};
    example.delay_steps = 500;
    example.first_steps = 1500;
    example.delay_length = 48;
    // MODEL(1, H) + Linear(H, 1) (common/models.h)
    example.make_model = [](const std::string& name, int64_t hidden, double forget_bias) {
        return std::make_unique<ex::RecurrentModel>(name, hidden, forget_bias);
    };
    return ex::run_memory_example(example, argc, argv);
}

int main(int argc, char** argv) { return ex::main_guard("07_memory_lag", run, argc, argv); }
