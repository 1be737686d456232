# Makefile — builds the engine library, the examples and the tests.
#
#   make            build everything (build/libag.a, build/examples/*, build/tests/*)
#   make run        build the library and the tour (examples/0*), then run the tour
#   make test       build and run the test suite (GoogleTest, then the PyTorch parity cases)
#   make loc        line count of the teaching core (CORE_FILES); fails above CORE_BUDGET lines
#   make parity     run the PyTorch parity cases (PARITY_DIR=dir to run another folder)
#   make bench      time the engine against a hand-written training loop
#   make readme-check  run every shell command shown in README.md
#   make memcheck   every example at a tiny size (and a save/load round trip), and the parity
#                   runner, under valgrind
#   make tsan       the thread tests (GoogleTest suite Threads) under ThreadSanitizer
#   make clean      remove build outputs
#
# CXXFLAGS can be overridden (make CXXFLAGS=-O0); the flags the build needs are kept apart.
# Build modes, each in its own folder so that they never mix objects:
#   MODE=sanitize (or SANITIZE=1)  AddressSanitizer + UndefinedBehaviorSanitizer, build-sanitize/
#   MODE=memcheck                  -O1 -g for the machine in general (no -march=native: valgrind
#                                  cannot run AVX-512), build-memcheck/
#   MODE=tsan                      ThreadSanitizer, -O1 -g, build-tsan/

# Build with one job per core unless told otherwise (make -j1 still works). A make started by
# this Makefile (make memcheck, make tsan) shares the jobs of its parent.
ifeq ($(MAKELEVEL)$(filter -j%,$(MAKEFLAGS)),0)
  MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2)
endif

CXX      ?= g++
CXXFLAGS ?= -O3 -march=native
LDFLAGS  ?=
NEEDED   := -std=c++17 -Wall -Wextra -Iinclude -MMD -MP
BUILD    := build

MODE     ?= $(if $(filter 1,$(SANITIZE)),sanitize)
ifeq ($(MODE),sanitize)
  BUILD    := build-sanitize
  CXXFLAGS := -O1 -g -fno-omit-frame-pointer
  NEEDED   += -fsanitize=address,undefined -fno-sanitize-recover=undefined
  LDFLAGS  += -fsanitize=address,undefined
else ifeq ($(MODE),memcheck)
  BUILD    := build-memcheck
  CXXFLAGS := -O1 -g -fno-omit-frame-pointer
else ifeq ($(MODE),tsan)
  BUILD    := build-tsan
  CXXFLAGS := -O1 -g -fno-omit-frame-pointer
  NEEDED   += -fsanitize=thread
  LDFLAGS  += -fsanitize=thread
else ifneq ($(MODE),)
  $(error unknown MODE=$(MODE): use sanitize, memcheck or tsan, or no MODE for the optimised build)
endif

ALL_FLAGS = $(NEEDED) $(CXXFLAGS)

# ---- what to build ---------------------------------------------------------------------------
LIB_SRC      := $(shell find src -name '*.cpp' | sort)
LIB_OBJ      := $(LIB_SRC:%.cpp=$(BUILD)/obj/%.o)
LIB          := $(BUILD)/libag.a

# examples/common is compiled once into its own library; each example links only what it uses.
EX_COMMON_SRC := $(sort $(wildcard examples/common/*.cpp))
EX_COMMON_OBJ := $(EX_COMMON_SRC:%.cpp=$(BUILD)/obj/%.o)
EX_LIB       := $(BUILD)/libex.a
EX_SRC       := $(sort $(wildcard examples/*.cpp))
EX_BIN       := $(EX_SRC:examples/%.cpp=$(BUILD)/examples/%)
TOUR_BIN     := $(filter $(BUILD)/examples/0%,$(EX_BIN))

# The examples' own code reads flags, writes tables and starts gnuplot; the engine's work happens
# in libag.a. At -O1 it compiles in about 30% less time, and the tour's output (printed
# numbers, .dat tables, pictures) stays the same to the bit. bench and the hand-written loop it
# times (fused_rnn) keep the full optimisation. `make CXXFLAGS=...` still sets every file.
EX_CXXFLAGS  := -O1 -march=native
EX_LIGHT_OBJ := $(filter-out %/bench.o %/fused_rnn.o,$(EX_SRC:%.cpp=$(BUILD)/obj/%.o) $(EX_COMMON_OBJ))

TEST_SRC     := $(sort $(wildcard tests/*.cpp))
TEST_OBJ     := $(TEST_SRC:%.cpp=$(BUILD)/obj/%.o)
TEST_BIN     := $(BUILD)/tests/ag_tests

PARITY_SRC   := $(sort $(wildcard tests/parity_runner/*.cpp))
PARITY_LIB_OBJ := $(filter-out %/main.o,$(PARITY_SRC:%.cpp=$(BUILD)/obj/%.o))
PARITY_BIN   := $(BUILD)/tests/parity
PARITY_DIR   ?= tests/parity

.PHONY: all run test loc parity bench readme-check memcheck test-threads tsan clean
.SECONDARY:
all: $(LIB) $(EX_BIN) $(TEST_BIN) $(PARITY_BIN)

# ---- precompiled standard headers (the optimised build only) ---------------------------------
# Every file parses the same standard headers, about a fifth of its compile time. The
# optimised build parses them once into $(BUILD)/pch/std.h.gch and every file starts from there
# (g++ -include). The other modes compile without it, so CI still catches a missing #include.
PCH_HEADERS := algorithm chrono cmath cstdint cstdio cstdlib cstring exception fstream \
               functional iostream map memory sstream stdexcept string utility vector
ifeq ($(MODE),)
  PCH      := $(BUILD)/pch/std.h
  PCH_FLAG := -include $(PCH) -Winvalid-pch
endif

$(BUILD)/pch/std.h:
	@mkdir -p $(dir $@)
	printf '#include <%s>\n' $(PCH_HEADERS) > $@

$(BUILD)/pch/std.h.gch: $(BUILD)/pch/std.h
	$(CXX) $(ALL_FLAGS) -x c++-header $< -o $@

# ---- compile and link ------------------------------------------------------------------------
$(BUILD)/obj/%.o: %.cpp $(if $(PCH),$(PCH).gch)
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_FLAGS) $(PCH_FLAG) -DAG_BUILD_DIR='"$(BUILD)"' -c $< -o $@

ifeq ($(MODE),)
  $(EX_LIGHT_OBJ): private CXXFLAGS = $(EX_CXXFLAGS)
endif

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(EX_LIB): $(EX_COMMON_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/examples/%: $(BUILD)/obj/examples/%.o $(EX_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_FLAGS) $^ -o $@ $(LDFLAGS) -pthread

$(TEST_BIN): $(TEST_OBJ) $(PARITY_LIB_OBJ) $(EX_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_FLAGS) $^ -o $@ $(LDFLAGS) -lgtest_main -lgtest -pthread

$(PARITY_BIN): $(PARITY_SRC:%.cpp=$(BUILD)/obj/%.o) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_FLAGS) $^ -o $@ $(LDFLAGS)

# ---- run -------------------------------------------------------------------------------------
# The tour needs only the library and the numbered examples, not the tests.
run: $(LIB) $(TOUR_BIN)
	@echo "== Warm-up: the engine in ten lines (00_autograd) =="
	@./$(BUILD)/examples/00_autograd
	@echo; echo "== Part 1 - How is RNN limited? Context: sequence lengths 20, 100, 1000, 2000 (01_rnn_context) =="
	@./$(BUILD)/examples/01_rnn_context
	@echo; echo "== Part 1 - How is RNN limited? Vanishing gradient: 10, 20, 50 epochs (02_vanishing_gradient) =="
	@./$(BUILD)/examples/02_vanishing_gradient
	@echo; echo "== Part 2 - Embeddings (03_embeddings) =="
	@./$(BUILD)/examples/03_embeddings
	@echo; echo "== Part 3 - Positional Embeddings (04_positional_encoding) =="
	@./$(BUILD)/examples/04_positional_encoding
	@echo; echo "== Part 4 - Encoder Input (05_encoder_input) =="
	@./$(BUILD)/examples/05_encoder_input
	@echo; echo "== What the notebook claims - Do gradients vanish through time? ||dL/dh_t|| over 100 steps, and RNN, LSTM and GRU compared (06_gradient_flow) =="
	@./$(BUILD)/examples/06_gradient_flow
	@echo; echo "== What the notebook claims - How far back does an RNN remember? Recall the input k steps back (07_memory_lag, the RNN, 200 training steps) =="
	@./$(BUILD)/examples/07_memory_lag --steps 200 --models rnn
	@echo; echo "== What fixes it - Attention looks 16 and 128 steps back in one step, where the RNN cannot (08_attention_memory, 200 training steps) =="
	@./$(BUILD)/examples/08_attention_memory --models rnn,attention --lags 16,128 --steps 200
	@echo; echo "Data, gnuplot scripts and pictures are in out/. Rerun one part with other flags: build/examples/NAME --help"

test: all
	./$(TEST_BIN) --gtest_brief=1
	./$(PARITY_BIN) $(PARITY_DIR)

# ---- size budget of the teaching core (the tensor and the graph walk) -----------------------
CORE_FILES  := include/ag/tensor.h src/tensor.cpp include/ag/autograd.h src/autograd.cpp
CORE_BUDGET := 500

loc:
	@wc -l $(CORE_FILES)
	@total=$$(cat $(CORE_FILES) | wc -l); \
	if [ $$total -gt $(CORE_BUDGET) ]; then \
	    echo "make loc: the core is $$total lines, $$((total - $(CORE_BUDGET))) over its budget of $(CORE_BUDGET)"; exit 1; \
	fi; echo "make loc: the core is $$total lines, within its budget of $(CORE_BUDGET)"

bench: $(BUILD)/examples/bench
	./$(BUILD)/examples/bench

parity: $(PARITY_BIN)
	./$(PARITY_BIN) $(PARITY_DIR)

readme-check: all
	./tests/readme_check.sh

# ---- valgrind: every example at a tiny size, then the parity runner -------------------------
# One line per program in examples/: its flags for a run of a second or so (OUT = a scratch
# folder). A new example without a line here stops `make memcheck` until it gets one. 07 runs
# with --jobs 2 on any machine, so that valgrind also sees configurations on two threads.
TINY_00_autograd            :=
TINY_01_rnn_context         := --lengths 5,7 --epochs 2 --plot none --out OUT
TINY_02_vanishing_gradient  := --length 6 --epochs 2,3 --plot none --out OUT
TINY_03_embeddings          := --plot none --out OUT
TINY_04_positional_encoding := --plot none --out OUT
TINY_05_encoder_input       := --plot none --out OUT
TINY_06_gradient_flow       := --length 12 --train-epochs 2 --clip 1 --plot none --out OUT
TINY_07_memory_lag          := --lags 0,1 --hidden 2 --steps 5 --length 6 --jobs 2 --plot none --out OUT
TINY_08_attention_memory    := --task first --lags 2,3 --hidden 4 --steps 3 --jobs 2 --plot none --out OUT
TINY_bench                  := --length 8 --epochs 2 --repeat 1
TINY_mistakes               :=
# Then a model saved by 01 and by 02 at a tiny size, and loaded back (--save, --load).
TINY_WEIGHTS := "examples/01_rnn_context --lengths 5 --epochs 2 --plot none --out OUT --save OUT/rnn.safetensors" \
                "examples/01_rnn_context --lengths 5,7 --epochs 1 --jobs 2 --plot none --out OUT --load OUT/rnn.safetensors" \
                "examples/02_vanishing_gradient --length 6 --epochs 2 --plot none --out OUT --save OUT/deep.safetensors" \
                "examples/02_vanishing_gradient --length 6 --epochs 1 --plot none --out OUT --load OUT/deep.safetensors"
EX_NAMES := $(notdir $(EX_BIN))
VALGRIND := valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=1 -q

ifeq ($(MODE),memcheck)
memcheck: $(EX_BIN) $(PARITY_BIN)
	$(foreach e,$(EX_NAMES),$(if $(filter undefined,$(origin TINY_$(e))),$(error make memcheck: no tiny run for examples/$(e).cpp: add TINY_$(e) := FLAGS to the Makefile)))
	@command -v valgrind >/dev/null || { echo "make memcheck: valgrind is not installed (apt-get install valgrind)"; exit 1; }
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	for run in $(foreach e,$(EX_NAMES),"examples/$(e) $(TINY_$(e))") $(TINY_WEIGHTS) "tests/parity $(PARITY_DIR)"; do \
	    echo "valgrind: $$run"; \
	    $(VALGRIND) ./$(BUILD)/$$(echo "$$run" | sed "s|OUT|$$tmp/out|g") >"$$tmp/log" 2>&1 || { cat "$$tmp/log"; echo "make memcheck: $$run failed under valgrind"; exit 1; }; \
	done; echo "memcheck: no memory errors and no leaks"
else
memcheck:
	@$(MAKE) --no-print-directory MODE=memcheck memcheck
endif

# ---- ThreadSanitizer: the GoogleTest suite Threads ------------------------------------------
# On kernels with many bits of mmap randomisation, a ThreadSanitizer binary stops at once with
# "unexpected memory mapping"; it is then rerun with address randomisation off (setarch -R).
test-threads: $(TEST_BIN) $(EX_BIN)  # jobs_test.cpp runs 01, 02 and 07
	@run=./$(TEST_BIN); \
	if ! $$run --gtest_list_tests >/dev/null 2>$(BUILD)/probe.log && grep -q 'unexpected memory mapping' $(BUILD)/probe.log; then \
	    run="setarch $$(uname -m) -R ./$(TEST_BIN)"; \
	fi; \
	list=$$($$run --gtest_list_tests --gtest_filter='Threads.*') || { echo "test-threads: $$run cannot list its tests"; exit 1; }; \
	if ! echo "$$list" | grep -q '^  '; then \
	    echo "test-threads: no tests in the suite Threads yet, nothing to run"; \
	else \
	    echo "$$run --gtest_filter='Threads.*'"; \
	    TSAN_OPTIONS="halt_on_error=1 $$TSAN_OPTIONS" $$run --gtest_brief=1 --gtest_filter='Threads.*'; \
	fi

tsan:
	@$(MAKE) --no-print-directory MODE=tsan test-threads

clean:
	rm -rf build build-sanitize build-memcheck build-tsan out

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
