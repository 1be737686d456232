// Placeholder until the parity runner lands: reports no cases.
#include <cstdio>
int main() { std::printf("0 passed, 0 failed\n"); return 0; }
