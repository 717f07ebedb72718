# The image-classifier toolkit.  GNU make; flags from pkg-config.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANPREFIX ?= $(PREFIX)/share/man
PKG_CONFIG ?= pkg-config

PKGS = libpng libjpeg libturbojpeg libwebp libwebpdemux libtiff-4 libgif libzstd libcurl openssl zlib libxxhash libzip cairo libcjson libprotobuf-c
CC ?= cc
OPT ?= -O3 -g
CFLAGS ?= $(OPT)
CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -fno-math-errno -fno-trapping-math -pthread -Ilibcommon
CFLAGS += $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
LDLIBS += $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -ldnnl -lgomp -lm -ldl -pthread

BUILD ?= build

# Data-parallel cnntrain over MPI (nn_dist.c): on when mpicc is found, MPI=1 to insist, MPI=0 off.
MPI ?= $(if $(shell command -v mpicc 2>/dev/null),1,0)
ifeq ($(MPI),1)
MPI_CFLAGS := -DHAVE_MPI $(shell mpicc --showme:compile 2>/dev/null || $(PKG_CONFIG) --cflags ompi 2>/dev/null)
MPI_LIBS := $(shell mpicc --showme:link 2>/dev/null || $(PKG_CONFIG) --libs ompi 2>/dev/null)
endif

# The CUDA backend (issue 23): $(BUILD)/lib/libnncuda.so, which cnntrain and cnnpredict load at
# run time (nn_device.c); the programs never link CUDA.  CUDA=auto (the default) builds it when
# nvcc and cudnn.h are found, CUDA=1 insists, CUDA=0 leaves it out.
CUDA_HOME ?= /usr/local/cuda
NVCC ?= $(if $(wildcard $(CUDA_HOME)/bin/nvcc),$(CUDA_HOME)/bin/nvcc,nvcc)
CUDA ?= auto
CUDA_FOUND := $(if $(and $(shell command -v $(NVCC) 2>/dev/null),$(wildcard $(CUDA_HOME)/include/cudnn.h)),1,0)
ifeq ($(CUDA),auto)
override CUDA := $(CUDA_FOUND)
endif
ifeq ($(CUDA),1)
ifeq ($(CUDA_FOUND),0)
$(error CUDA=1: no nvcc ($(NVCC)) or no $(CUDA_HOME)/include/cudnn.h; set CUDA_HOME, or CUDA=0)
endif
endif
# sm_90 (H100, H200) code, and PTX for the driver to compile for other cards of 8.0 and later.
CUDA_ARCH ?= -gencode arch=compute_90,code=sm_90 -gencode arch=compute_80,code=compute_80
CUDA_WERROR ?= -Werror
CUDA_CFLAGS = $(CFLAGS) $(CUDA_WERROR) -fPIC -fvisibility=hidden -I$(CUDA_HOME)/include
NVCCFLAGS ?= -O3 -g
NVCC_ALL = $(NVCCFLAGS) $(CUDA_ARCH) -std=c++17 -Xcompiler -fPIC,-fvisibility=hidden,-Wall,-Wextra \
	-Werror all-warnings -Ilibcommon -I$(CUDA_HOME)/include
CUDA_C_SRC := $(sort $(wildcard libcommon/nn/cuda/*.c))
CUDA_CU_SRC := $(sort $(wildcard libcommon/nn/cuda/*.cu))
CUDA_OBJ := $(CUDA_C_SRC:%.c=$(BUILD)/obj/%.pic.o) $(CUDA_CU_SRC:%.cu=$(BUILD)/obj/%.cu.o)
# cudart linked statically (its symbols hidden); cuBLAS and cuDNN from the system, or from
# $LD_LIBRARY_PATH (tests/gpu.sh: PyTorch's copies).  -z defs: nothing from the executables.
CUDA_LIBS ?= -L$(CUDA_HOME)/lib64 -Wl,-rpath,'$$ORIGIN' -Wl,-rpath,$(CUDA_HOME)/lib64 \
	-Wl,--exclude-libs,libcudart_static.a -lcudart_static -lcublas -lcudnn -lstdc++ -ldl -lrt -lm -pthread
CUDA_LIB := $(if $(filter 1,$(CUDA)),$(BUILD)/lib/libnncuda.so)

# The toolkit's version: the VERSION file, and in a git checkout the commit
# (git describe) after it; a tarball without git builds with the file alone.
VERSION := $(shell cat VERSION 2>/dev/null || echo unknown)
GIT_COMMIT := $(shell test -e .git && git describe --always --dirty --exclude='*' 2>/dev/null)
FULL_VERSION := $(VERSION)$(if $(GIT_COMMIT),-g$(GIT_COMMIT))
# libcommon/DOMAIN/*.c and one level of subfolders (nn/layers/); see libcommon/README.
# libcommon/nn/cuda/ is the CUDA backend, a shared library of its own (below), not in libcommon.a.
LIB_SRC := $(filter-out libcommon/nn/cuda/%,$(sort $(wildcard libcommon/*/*.c libcommon/*/*/*.c)))
LIB_HDR := $(wildcard libcommon/*/*.h libcommon/*/*/*.h tests/unit/*.h fuzz/*.h)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
# ONNX's schema (onnx.proto from Debian's libonnx-dev) compiled by protoc-c at build time:
# $(BUILD)/gen/onnx/onnx.pb-c.[ch], included as <onnx.pb-c.h> by libcommon/onnx/.
ONNX_PROTO ?= /usr/include/onnx/onnx.proto
PROTOC_C ?= protoc-c
ONNX_GEN := $(BUILD)/gen/onnx/onnx.pb-c.c $(BUILD)/gen/onnx/onnx.pb-c.h
LIB_OBJ += $(BUILD)/obj/gen/onnx/onnx.pb-c.o
CFLAGS += -I$(BUILD)/gen/onnx
PROGS := $(basename $(notdir $(sort $(wildcard cmd/*.c))))
BINS := $(PROGS:%=$(BUILD)/bin/%)
UNIT_SRC := $(filter-out tests/unit/test_gpu_layers.c,$(sort $(wildcard tests/unit/*.c)))
UNITS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_REPLAY := $(FUZZ_SRC:fuzz/%.c=$(BUILD)/fuzz/%)

all: $(BINS) $(CUDA_LIB)

$(BUILD)/lib/libnncuda.so: $(CUDA_OBJ)
	@mkdir -p $(@D)
	$(CC) -shared $(LDFLAGS) -Wl,-z,defs -o $@ $^ $(CUDA_LIBS)

$(BUILD)/obj/libcommon/nn/cuda/%.pic.o: libcommon/nn/cuda/%.c $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(CUDA_CFLAGS) -c -o $@ $<

$(BUILD)/obj/libcommon/nn/cuda/%.cu.o: libcommon/nn/cuda/%.cu $(LIB_HDR)
	@mkdir -p $(@D)
	$(NVCC) $(NVCC_ALL) -c -o $@ $<

$(BUILD)/libcommon.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/obj/%.o: %.c $(LIB_HDR) | $(ONNX_GEN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/gen/onnx/onnx.pb-c.h: $(BUILD)/gen/onnx/onnx.pb-c.c
	@test -f $@

$(BUILD)/gen/onnx/onnx.pb-c.c: $(ONNX_PROTO)
	@mkdir -p $(BUILD)/gen/onnx
	cp $(ONNX_PROTO) $(BUILD)/gen/onnx/onnx.proto
	$(PROTOC_C) -I$(BUILD)/gen/onnx --c_out=$(BUILD)/gen/onnx $(BUILD)/gen/onnx/onnx.proto

$(BUILD)/obj/gen/onnx/onnx.pb-c.o: $(BUILD)/gen/onnx/onnx.pb-c.c $(BUILD)/gen/onnx/onnx.pb-c.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Wno-unused-parameter -c -o $@ $<

$(BUILD)/obj/libcommon/onnx/%.o: libcommon/onnx/%.c $(LIB_HDR) $(BUILD)/gen/onnx/onnx.pb-c.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

# version.o is rebuilt only when the version string changes.
$(BUILD)/version.txt: FORCE
	@mkdir -p $(@D)
	@echo '$(FULL_VERSION)' > $@.tmp; cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(BUILD)/obj/libcommon/util/version.o: libcommon/util/version.c $(BUILD)/version.txt $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DVERSION='"$(FULL_VERSION)"' -c -o $@ $<

# nn_dist.o is rebuilt when MPI is switched on or off.
$(BUILD)/mpi.txt: FORCE
	@mkdir -p $(@D)
	@echo '$(MPI) $(MPI_CFLAGS)' > $@.tmp; cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(BUILD)/obj/libcommon/nn/nn_dist.o: libcommon/nn/nn_dist.c $(BUILD)/mpi.txt $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MPI_CFLAGS) -c -o $@ $<

$(BUILD)/bin/cnntrain: LDLIBS += $(MPI_LIBS)

FORCE:

$(BUILD)/bin/%: $(BUILD)/obj/cmd/%.o $(BUILD)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Fuzz targets built with a plain main that replays the corpus (fuzz/replay.c).
$(BUILD)/fuzz/%: $(BUILD)/obj/fuzz/%.o $(BUILD)/obj/fuzz/replay.o $(BUILD)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

deps:
	@sh tests/deps.sh

check: deps
	$(MAKE) all tests
	@sh tests/run.sh $(BUILD)

tests: $(BINS) $(UNITS) $(FUZZ_REPLAY)

# tests/unit/test_gpu_layers: every CUDA layer against its host layer (issue 23), linked with the
# backend's objects themselves (libnncuda.so exports only nn_cuda_api).  Built with the backend
# and run by make check, where it checks that every layer type has a device implementation and
# skips the comparisons when there is no device; tests/gpu.sh runs it on a GPU.
ifeq ($(CUDA),1)
tests: $(BUILD)/tests/test_gpu_layers
endif
$(BUILD)/tests/test_gpu_layers: tests/unit/test_gpu_layers.c $(CUDA_OBJ) $(BUILD)/libcommon.a $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Werror -I$(CUDA_HOME)/include -o $@ $< $(CUDA_OBJ) $(BUILD)/libcommon.a $(LDLIBS) $(CUDA_LIBS)

cuda-layers-check:
ifeq ($(CUDA),1)
cuda-layers-check: $(BUILD)/tests/test_gpu_layers
	DATA=$(CURDIR)/tests/data $(BUILD)/tests/test_gpu_layers
else
	@echo "cuda-layers-check: no CUDA toolkit (nvcc and cudnn.h) or CUDA=0: skipped"
endif

# The same tests, built with AddressSanitizer and UndefinedBehaviorSanitizer.
sanitize: deps
	$(MAKE) BUILD=build-san OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" all tests
	ASAN_OPTIONS=detect_leaks=1:exitcode=99 UBSAN_OPTIONS=print_stacktrace=1:exitcode=98 sh tests/run.sh build-san

FUZZ_SECONDS ?= 0
fuzz: deps
	@sh fuzz/run.sh $(FUZZ_SECONDS)

demo: deps
	$(MAKE) all
	$(MAKE) -C examples/demo BIN=$(abspath $(BUILD))/bin

# Every experiment under examples/ at full size (minutes each; not part of make check).
examples: deps
	$(MAKE) all
	for d in examples/*/; do $(MAKE) -C "$$d" BIN=$(abspath $(BUILD))/bin || exit 1; done

bench: deps
	@sh tests/deps.sh bench
	$(MAKE) all
	@sh bench/run.sh $(BUILD)

# The README's set-up on a fresh Debian 12: a bookworm minbase root (mmdebstrap) with make
# and git, a clone of this commit inside, make demo and make check there as root (tests/fresh_check.sh;
# needs root and the Debian mirror; FRESH_KEEP=1 keeps the root).  Not part of make check.
fresh-check:
	@sh tests/fresh_check.sh

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANPREFIX)/man1 $(DESTDIR)$(MANPREFIX)/man5
	for p in $(PROGS); do install -m 755 $(BUILD)/bin/$$p $(DESTDIR)$(BINDIR)/$$p; done
	if [ -f $(BUILD)/lib/libnncuda.so ]; then mkdir -p $(DESTDIR)$(PREFIX)/lib && \
		install -m 755 $(BUILD)/lib/libnncuda.so $(DESTDIR)$(PREFIX)/lib/libnncuda.so; fi
	for m in man/*.1; do install -m 644 $$m $(DESTDIR)$(MANPREFIX)/man1/; done
	for m in man/*.5; do install -m 644 $$m $(DESTDIR)$(MANPREFIX)/man5/; done

clean:
	rm -rf build build-san build-fuzz examples/demo/work examples/demo/work-tiny

.PHONY: all deps check tests sanitize fuzz demo examples bench fresh-check cuda-layers-check install clean FORCE
.SECONDARY:
