# Makefile — builds the engine library, the examples and the tests.
#
#   make            build everything (build/libag.a, build/examples/*, build/tests/*)
#   make run        the notebook tour
#   make test       build and run the test suite (GoogleTest, then the PyTorch parity cases)
#   make parity     run the PyTorch parity cases (PARITY_DIR=dir to run another folder)
#   make bench      time the engine against a hand-written training loop
#   make readme-check  run every shell command shown in README.md
#   make clean      remove build outputs
#
# CXXFLAGS can be overridden (make CXXFLAGS=-O0); the flags the build needs are kept apart.
# SANITIZE=1 builds with AddressSanitizer + UndefinedBehaviorSanitizer into build-sanitize/.

CXX      ?= g++
CXXFLAGS ?= -O3 -march=native
LDFLAGS  ?=
NEEDED   := -std=c++17 -Wall -Wextra -Iinclude -MMD -MP
BUILD    := build

ifeq ($(SANITIZE),1)
  BUILD    := build-sanitize
  CXXFLAGS := -O1 -g -fno-omit-frame-pointer
  NEEDED   += -fsanitize=address,undefined -fno-sanitize-recover=undefined
  LDFLAGS  += -fsanitize=address,undefined
endif

ALL_FLAGS = $(NEEDED) $(CXXFLAGS)

# ---- what to build ---------------------------------------------------------------------------
LIB_SRC      := $(shell find src -name '*.cpp' | sort)
LIB_OBJ      := $(LIB_SRC:%.cpp=$(BUILD)/obj/%.o)
LIB          := $(BUILD)/libag.a

EX_COMMON_SRC := $(sort $(wildcard examples/common/*.cpp))
EX_COMMON_OBJ := $(EX_COMMON_SRC:%.cpp=$(BUILD)/obj/%.o)
EX_SRC       := $(sort $(wildcard examples/*.cpp))
EX_BIN       := $(EX_SRC:examples/%.cpp=$(BUILD)/examples/%)

TEST_SRC     := $(sort $(wildcard tests/*.cpp))
TEST_OBJ     := $(TEST_SRC:%.cpp=$(BUILD)/obj/%.o)
TEST_BIN     := $(BUILD)/tests/ag_tests

PARITY_SRC   := $(sort $(wildcard tests/parity_runner/*.cpp))
PARITY_LIB_OBJ := $(filter-out %/main.o,$(PARITY_SRC:%.cpp=$(BUILD)/obj/%.o))
PARITY_BIN   := $(BUILD)/tests/parity
PARITY_DIR   ?= tests/parity

.PHONY: all run test parity bench readme-check clean
.SECONDARY:
all: $(LIB) $(EX_BIN) $(TEST_BIN) $(PARITY_BIN)

# ---- compile and link ------------------------------------------------------------------------
$(BUILD)/obj/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_FLAGS) -DAG_BUILD_DIR='"$(BUILD)"' -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/examples/%: $(BUILD)/obj/examples/%.o $(EX_COMMON_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_FLAGS) $^ -o $@ $(LDFLAGS)

$(TEST_BIN): $(TEST_OBJ) $(PARITY_LIB_OBJ) $(EX_COMMON_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_FLAGS) $^ -o $@ $(LDFLAGS) -lgtest_main -lgtest -pthread

$(PARITY_BIN): $(PARITY_SRC:%.cpp=$(BUILD)/obj/%.o) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_FLAGS) $^ -o $@ $(LDFLAGS)

# ---- run -------------------------------------------------------------------------------------
run: all
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
	@echo; echo "== What the notebook claims - Do gradients vanish through time? ||dL/dh_t|| over 100 steps (06_gradient_flow) =="
	@./$(BUILD)/examples/06_gradient_flow
	@echo; echo "== What the notebook claims - How far back does an RNN remember? Recall the input k steps back (07_memory_lag, 200 training steps) =="
	@./$(BUILD)/examples/07_memory_lag --steps 200
	@echo; echo "Data, gnuplot scripts and pictures are in out/. Rerun one part with other flags: build/examples/NAME --help"

test: all
	./$(TEST_BIN) --gtest_brief=1
	./$(PARITY_BIN) $(PARITY_DIR)

bench: $(BUILD)/examples/bench
	./$(BUILD)/examples/bench

parity: $(PARITY_BIN)
	./$(PARITY_BIN) $(PARITY_DIR)

readme-check: all
	./tests/readme_check.sh

clean:
	rm -rf build build-sanitize out

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
