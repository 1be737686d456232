// main.cpp — `parity DIR` runs every PyTorch parity case in DIR (see tests/parity/README.md).
//
// Teaches: keep main thin: the runner is a library (parity.h) so that tests can call it with
// their own streams; this file only hands it the arguments and the console.
#include <iostream>
#include <string>
#include <vector>

#include "parity.h"

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    return parity::run_cli(args, std::cout, std::cerr);
}
