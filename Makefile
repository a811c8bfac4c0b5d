# nn2rules - build, test, benchmark, install.
#
#   make            build build/nn2rules
#   make deps       install the Debian packages the build needs (only the missing ones)
#   make demo       deps + build + run nn2rules on a bundled example
#   make check      every test: CUnit suites, CLI end-to-end tests, then the same
#                   suites again under AddressSanitizer and UndefinedBehaviorSanitizer
#   make bench      benchmarks (print figures; never fail on time)
#   make install    PREFIX=/usr/local DESTDIR=

PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
CC ?= cc

# Debian packages the build, tests and benchmarks need, and what each is for
# (see README.md).
DEB_PACKAGES = gcc g++ make pkg-config libopenblas-dev zlib1g-dev libgmp-dev flex bison \
               libgraphviz-dev graphviz libcunit1-dev libpng-dev mandoc dataset-fashion-mnist time

WARN = -Wall -Wextra -Werror
OPT ?= -O2
GV_CFLAGS := $(shell pkg-config --cflags libgvc libcgraph 2>/dev/null)
GV_LIBS := $(shell pkg-config --libs libgvc libcgraph 2>/dev/null || echo -lgvc -lcgraph -lcdt)
CFLAGS_ALL = -std=c11 $(OPT) -g $(WARN) -D_POSIX_C_SOURCE=200809L -Iruntime -Isrc -I$(BUILD)/grammar $(GV_CFLAGS) $(SANFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(SANFLAGS) $(LDFLAGS)
LIBS = $(GV_LIBS) -lgmp -lopenblas -lpng -lz -lm -lpthread
TEST_LIBS = -lcunit

ifeq ($(SAN),1)
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
OPT = -O1
endif

RT_SRC = $(wildcard runtime/*.c)
SRC_ALL = $(wildcard src/*.c)
SRC_LIB = $(filter-out src/main.c,$(SRC_ALL))
RT_OBJ = $(RT_SRC:%.c=$(BUILD)/%.o)
GRAMMAR_OBJ = $(if $(wildcard grammar/rules.y),$(BUILD)/grammar/rules.tab.o $(BUILD)/grammar/rules.lex.o)
LIB_OBJ = $(SRC_LIB:%.c=$(BUILD)/%.o) $(GRAMMAR_OBJ)
MAIN_OBJ = $(BUILD)/src/main.o
TESTS = $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_*.c))
TEST_SUPPORT = $(filter-out $(wildcard tests/test_*.c),$(wildcard tests/*.c))
TEST_SUPPORT_OBJ = $(TEST_SUPPORT:%.c=$(BUILD)/%.o)
BENCHES = $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))

NN2RULES = $(BUILD)/nn2rules

.PHONY: all deps demo check unit e2e kernels golden bench install uninstall clean fuzz fuzz-onnx fuzz-rules fuzz-csv fuzz-arff fuzz-idx fuzz-model
.SUFFIXES:
# keep object files of the test programs between runs
.SECONDARY:

all: $(NN2RULES)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

# The rule language: a reentrant flex scanner and a pure bison parser.  The
# generated files live in the build tree; only the warnings their generated
# code trips are switched off for them.
GEN_WARN = -Wno-unused-function -Wno-sign-compare -Wno-unused-parameter
$(BUILD)/grammar/rules.tab.c $(BUILD)/grammar/rules.tab.h: grammar/rules.y
	@mkdir -p $(BUILD)/grammar
	bison -Wall -Werror -o $(BUILD)/grammar/rules.tab.c --header=$(BUILD)/grammar/rules.tab.h $<

$(BUILD)/grammar/rules.lex.c $(BUILD)/grammar/rules.lex.h: grammar/rules.l
	@mkdir -p $(BUILD)/grammar
	flex -o $(BUILD)/grammar/rules.lex.c --header-file=$(BUILD)/grammar/rules.lex.h $<

$(BUILD)/grammar/rules.tab.o: $(BUILD)/grammar/rules.tab.c $(BUILD)/grammar/rules.lex.h
	$(CC) $(CFLAGS_ALL) $(GEN_WARN) -c $< -o $@

$(BUILD)/grammar/rules.lex.o: $(BUILD)/grammar/rules.lex.c $(BUILD)/grammar/rules.tab.h
	$(CC) $(CFLAGS_ALL) $(GEN_WARN) -c $< -o $@

# sources that include the generated headers
$(SRC_LIB:%.c=$(BUILD)/%.o): $(if $(GRAMMAR_OBJ),$(BUILD)/grammar/rules.tab.h $(BUILD)/grammar/rules.lex.h)

$(BUILD)/libnnrt.a: $(RT_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libnr.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(NN2RULES): $(MAIN_OBJ) $(BUILD)/libnr.a $(BUILD)/libnnrt.a
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(TEST_SUPPORT_OBJ) $(BUILD)/libnr.a $(BUILD)/libnnrt.a
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(TEST_LIBS) $(LIBS)

$(BUILD)/tests/tools/%: $(BUILD)/tests/tools/%.o
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

# mknet writes its networks through the compiler's own model writer
$(BUILD)/tests/tools/mknet: $(BUILD)/tests/tools/mknet.o $(BUILD)/libnr.a $(BUILD)/libnnrt.a
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(BUILD)/libnr.a $(BUILD)/libnnrt.a
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "all build dependencies are installed"; fi

# demo and check install what is missing first, then build in a fresh make:
# the Graphviz flags come from pkg-config when make reads this file, which
# on a new machine is before `deps` has installed libgraphviz-dev.
demo: deps
	@$(MAKE) --no-print-directory all
	./tests/demo.sh $(NN2RULES)

# The benchmark programs are built too, so that they cannot rot unseen;
# unit suites and CLI tests with the normal build, the suites whose numbers
# come from OpenBLAS under other CPU kernels, then all again with sanitizers.
check: deps
	@$(MAKE) --no-print-directory all $(BENCHES)
	@$(MAKE) --no-print-directory unit e2e kernels
	@$(MAKE) --no-print-directory BUILD=build-san SAN=1 unit e2e

# OpenBLAS picks its kernel by CPU; a test whose result depends on that
# kernel passes on one machine and fails on the next.  Run the suites that
# go through OpenBLAS, and the golden files, under other core types too:
# each that this CPU can execute (SkylakeX needs AVX-512, Haswell AVX2).
KERNEL_SUITES = $(BUILD)/tests/test_runtime $(BUILD)/tests/test_examples \
                $(BUILD)/tests/test_extract $(BUILD)/tests/test_onnx $(BUILD)/tests/test_saliency
kernels: $(KERNEL_SUITES) $(NN2RULES)
	@fail=0; for k in Prescott Haswell SkylakeX; do \
	  case $$k in \
	    Haswell) grep -qw avx2 /proc/cpuinfo || { echo "== OPENBLAS_CORETYPE=$$k: skipped, this CPU has no AVX2"; continue; } ;; \
	    SkylakeX) grep -qw avx512f /proc/cpuinfo || { echo "== OPENBLAS_CORETYPE=$$k: skipped, this CPU has no AVX-512"; continue; } ;; \
	  esac; \
	  for t in $(KERNEL_SUITES); do \
	    echo "== OPENBLAS_CORETYPE=$$k $$t"; \
	    OPENBLAS_CORETYPE=$$k $$t >$(BUILD)/kernel.log 2>&1 || { cat $(BUILD)/kernel.log; echo "FAILED: $$t under OPENBLAS_CORETYPE=$$k"; fail=1; }; \
	    grep -E '^ +(tests|asserts) ' $(BUILD)/kernel.log; \
	  done; \
	  echo "== OPENBLAS_CORETYPE=$$k golden"; \
	  OPENBLAS_CORETYPE=$$k ./tests/golden.sh $(BUILD) || { echo "FAILED: golden files under OPENBLAS_CORETYPE=$$k"; fail=1; }; \
	done; exit $$fail

unit: $(TESTS)
	@fail=0; for t in $(TESTS); do \
	  echo "== $$t"; $$t || { echo "FAILED: $$t"; fail=1; }; \
	done; exit $$fail

# Graphviz's font stack (fontconfig) keeps caches for the life of the
# process; tests/lsan.supp names only that library.
e2e: $(NN2RULES) $(BUILD)/tests/tools/mkbad $(BUILD)/tests/tools/mknet
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 ./tests/cli.sh $(BUILD)
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 ./tests/golden.sh $(BUILD)
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 ./tests/docs.sh $(BUILD)

# Regenerate the golden files after an intended change; review the diff.
golden: $(NN2RULES)
	./tests/golden.sh $(BUILD) --update

# libFuzzer target for the ONNX reader, built with clang and ASan/UBSan in
# build/fuzz/; not part of `make check`.  FUZZ_SECONDS=N also runs it for N
# seconds on a temporary corpus seeded with the example models and the
# graphs test_onnx builds; crashes are written to build/fuzz/.
FUZZ_BUILD = build/fuzz
FUZZ_CC ?= clang
FUZZ_COMMON = -std=c11 -g -O1 -fno-sanitize-recover=undefined \
              -fno-omit-frame-pointer -D_POSIX_C_SOURCE=200809L -Iruntime -Isrc
FUZZ_CFLAGS = -fsanitize=fuzzer,address,undefined $(FUZZ_COMMON)
# Every fuzz target links the whole compiler and runtime, built once with
# clang and the same sanitizers into one archive, so that no target's list
# of sources can fall behind what the code it reaches calls.
FUZZ_LIB_SRC = $(SRC_LIB) $(RT_SRC)
FUZZ_LIB_OBJ = $(FUZZ_LIB_SRC:%.c=$(FUZZ_BUILD)/obj/%.o) \
               $(FUZZ_BUILD)/obj/grammar/rules.tab.o $(FUZZ_BUILD)/obj/grammar/rules.lex.o
FUZZ_OBJ_CFLAGS = -fsanitize=fuzzer-no-link,address,undefined $(FUZZ_COMMON) -I$(BUILD)/grammar $(GV_CFLAGS)
FUZZ_LIBS = $(GV_LIBS) -lgmp -lopenblas -lpng -lz -lm -lpthread

$(FUZZ_BUILD)/obj/%.o: %.c $(BUILD)/grammar/rules.tab.h $(BUILD)/grammar/rules.lex.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_OBJ_CFLAGS) -c $< -o $@

$(FUZZ_BUILD)/obj/grammar/%.o: $(BUILD)/grammar/%.c $(BUILD)/grammar/rules.tab.h $(BUILD)/grammar/rules.lex.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_OBJ_CFLAGS) $(GEN_WARN) -c $< -o $@

$(FUZZ_BUILD)/libnrfuzz.a: $(FUZZ_LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/libnrfuzz.a $(wildcard tests/fuzz/*.h)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I$(BUILD)/grammar -o $@ $< $(FUZZ_BUILD)/libnrfuzz.a $(FUZZ_LIBS)

fuzz-onnx: $(FUZZ_BUILD)/fuzz_onnx $(BUILD)/tests/test_onnx
	@if [ -n "$(FUZZ_SECONDS)" ]; then \
	  corpus=$$(mktemp -d) && \
	  for f in examples/*/model.onnx; do cp "$$f" "$$corpus/$$(basename $$(dirname $$f)).onnx"; done && \
	  NR_ONNX_SEEDS="$$corpus" $(BUILD)/tests/test_onnx >/dev/null && \
	  $(FUZZ_BUILD)/fuzz_onnx -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	    -dict=tests/fuzz/onnx.dict -artifact_prefix=$(FUZZ_BUILD)/ "$$corpus"; st=$$?; rm -rf "$$corpus"; exit $$st; \
	fi

# libFuzzer target for the rule language: parse, emit, parse again, emit
# again (abort unless byte-identical and predicting the same).  Seeds: the
# fixtures and the golden files.

fuzz-rules: $(FUZZ_BUILD)/fuzz_rules
	@if [ -n "$(FUZZ_SECONDS)" ]; then \
	  corpus=$$(mktemp -d) && cp tests/rules/*.txt "$$corpus/" && \
	  for f in tests/golden/*.txt; do cp "$$f" "$$corpus/golden-$$(basename $$f)"; done && \
	  $(FUZZ_BUILD)/fuzz_rules -max_total_time=$(FUZZ_SECONDS) -max_len=16384 -timeout=10 \
	    -dict=tests/fuzz/rules.dict -artifact_prefix=$(FUZZ_BUILD)/ "$$corpus"; st=$$?; rm -rf "$$corpus"; exit $$st; \
	fi

# libFuzzer target for model.bin: read, run forward on zeros and ones,
# write, read and write again (abort unless byte-identical).  The first
# input byte is a flag (bit 0: recompute the chunk CRCs first); seeds are
# the example models (fashion's is too large to mutate usefully) and the
# ONNX graphs test_onnx builds, converted.

fuzz-model: $(FUZZ_BUILD)/fuzz_model $(BUILD)/tests/test_onnx $(NN2RULES)
	@if [ -n "$(FUZZ_SECONDS)" ]; then \
	  corpus=$$(mktemp -d) && onnx=$$(mktemp -d) && \
	  for f in examples/*/model.bin; do \
	    [ $$(wc -c <"$$f") -le 65536 ] || continue; \
	    n=$$(basename $$(dirname $$f)); \
	    { printf '\001'; cat "$$f"; } >"$$corpus/$$n-crc.bin"; \
	    { printf '\000'; cat "$$f"; } >"$$corpus/$$n.bin"; \
	  done && \
	  NR_ONNX_SEEDS="$$onnx" $(BUILD)/tests/test_onnx >/dev/null && \
	  for f in "$$onnx"/*.onnx; do \
	    $(NN2RULES) convert -o "$$onnx/m.bin" "$$f" 2>/dev/null || continue; \
	    { printf '\001'; cat "$$onnx/m.bin"; } >"$$corpus/$$(basename $$f .onnx)-crc.bin"; \
	  done && rm -rf "$$onnx" && \
	  $(FUZZ_BUILD)/fuzz_model -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	    -dict=tests/fuzz/model.dict -artifact_prefix=$(FUZZ_BUILD)/ "$$corpus"; st=$$?; rm -rf "$$corpus"; exit $$st; \
	fi

# libFuzzer targets for the data readers.  Each input is written to a
# memfd and read through its /proc/self/fd path, as the CLI reads files;
# what a reader accepts is checked for consistency and matched to a small
# model (tests/fuzz/fuzz_data.h).  Seeds are made here from the examples
# and tests/data (first lines only: long inputs mutate slowly).

fuzz-csv: $(FUZZ_BUILD)/fuzz_csv
	@if [ -n "$(FUZZ_SECONDS)" ]; then \
	  corpus=$$(mktemp -d) && \
	  for f in examples/*/data.csv tests/data/*.csv; do \
	    n=$$(echo "$$f" | tr / -); head -n 12 "$$f" >"$$corpus/$$n"; \
	  done && \
	  head -n 12 examples/iris/data.csv | gzip -9n >"$$corpus/iris.csv.gz" && \
	  { printf '\000class\000'; head -n 6 tests/data/data_iris.csv; } >"$$corpus/label-class" && \
	  { printf '\000sepal_width\000'; head -n 6 tests/data/data_iris.csv; } >"$$corpus/label-numeric" && \
	  printf 'a,b,class\r\n1,"2",x\r\n"3.5",,y\r\n' >"$$corpus/model-crlf.csv" && \
	  $(FUZZ_BUILD)/fuzz_csv -max_total_time=$(FUZZ_SECONDS) -max_len=16384 -timeout=10 \
	    -dict=tests/fuzz/csv.dict -artifact_prefix=$(FUZZ_BUILD)/ "$$corpus"; st=$$?; rm -rf "$$corpus"; exit $$st; \
	fi

fuzz-arff: $(FUZZ_BUILD)/fuzz_arff
	@if [ -n "$(FUZZ_SECONDS)" ]; then \
	  corpus=$$(mktemp -d) && cp tests/data/*.arff "$$corpus/" && \
	  sed -n '/^@/p' examples/vote/vote.arff >"$$corpus/vote-header.arff" && \
	  grep -v '^%' examples/vote/vote.arff | head -n 30 >"$$corpus/vote.arff" && \
	  gzip -9nc tests/data/data_weather.arff >"$$corpus/weather.arff.gz" && \
	  { printf '\000temperature\000'; cat tests/data/data_weather.arff; } >"$$corpus/label-numeric" && \
	  { printf '\000windy\000'; cat tests/data/data_weather.arff; } >"$$corpus/label-nominal" && \
	  printf '@relation m\n@attribute a numeric\n@attribute b real\n@attribute class {x,y}\n@data\n1,2,x\n?,"3",y\n' \
	    >"$$corpus/model.arff" && \
	  $(FUZZ_BUILD)/fuzz_arff -max_total_time=$(FUZZ_SECONDS) -max_len=16384 -timeout=10 \
	    -dict=tests/fuzz/arff.dict -artifact_prefix=$(FUZZ_BUILD)/ "$$corpus"; st=$$?; rm -rf "$$corpus"; exit $$st; \
	fi

# Seeds for fuzz_idx (flag byte, then see tests/fuzz/fuzz_idx.c): 2 images
# of 2x2 and their labels, 3 rows of 2 values with labels up to 9, plain,
# gzip'd by the target, and gzip'd here so that mutations corrupt the
# compressed stream itself; 2 blank images of 256x256, gzip'd, so that
# more than the first buffer's worth of pixels arrives from a short input.
IDX_IMG3 = \000\000\010\003\000\000\000\002\000\000\000\002\000\000\000\002\000\001\177\200\377\376\002\003
IDX_LAB2 = \000\000\010\001\000\000\000\002\000\001
IDX_IMG2 = \000\000\010\002\000\000\000\003\000\000\000\002\001\002\003\004\005\006
IDX_LAB3 = \000\000\010\001\000\000\000\003\000\003\011
IDX_BIG = \000\000\010\003\000\000\000\002\000\000\001\000\000\000\001\000

fuzz-idx: $(FUZZ_BUILD)/fuzz_idx
	@if [ -n "$(FUZZ_SECONDS)" ]; then \
	  corpus=$$(mktemp -d) && \
	  printf '\000$(IDX_IMG3)' >"$$corpus/img3" && \
	  printf '\001$(IDX_IMG3)' >"$$corpus/img3-zip" && \
	  printf '\002\012\000$(IDX_IMG3)$(IDX_LAB2)' >"$$corpus/img3-lab" && \
	  printf '\007\012\000$(IDX_IMG3)$(IDX_LAB2)' >"$$corpus/img3-lab-zip" && \
	  printf '\002\013\000$(IDX_IMG2)$(IDX_LAB3)' >"$$corpus/img2-lab" && \
	  { printf '\000'; printf '$(IDX_IMG2)' | gzip -9n; } >"$$corpus/img2-gz" && \
	  { printf '\000'; { printf '$(IDX_BIG)'; head -c 131072 /dev/zero; } | gzip -9n; } >"$$corpus/big-gz" && \
	  printf '$(IDX_LAB2)' | gzip -9n >"$$corpus/lab.gz" && \
	  { printf "\\002\\$$(printf %03o $$(wc -c <"$$corpus/lab.gz"))\\000"; \
	    printf '$(IDX_IMG3)' | gzip -9n; cat "$$corpus/lab.gz"; } >"$$corpus/img3-lab-gz" && rm "$$corpus/lab.gz" && \
	  $(FUZZ_BUILD)/fuzz_idx -max_total_time=$(FUZZ_SECONDS) -max_len=16384 -timeout=10 \
	    -dict=tests/fuzz/idx.dict -artifact_prefix=$(FUZZ_BUILD)/ "$$corpus"; st=$$?; rm -rf "$$corpus"; exit $$st; \
	fi

# Build every fuzz target; FUZZ_SECONDS=N runs each for N seconds (in turn,
# unless make is given -j).
fuzz: fuzz-onnx fuzz-rules fuzz-csv fuzz-arff fuzz-idx fuzz-model

bench: all $(BENCHES)
	./bench/run.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 755 $(NN2RULES) $(DESTDIR)$(PREFIX)/bin/nn2rules
	install -m 644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/nn2rules $(DESTDIR)$(PREFIX)/share/man/man1/nn2rules.1 \
	  $(DESTDIR)$(PREFIX)/share/man/man5/nn2rules-model.5 $(DESTDIR)$(PREFIX)/share/man/man5/nn2rules-rules.5

clean:
	rm -rf build build-san

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
