# SPDX-License-Identifier: Apache-2.0
# isopod - one non-recursive Makefile.  Sources are found by wildcard:
#   src/*/*.c podman/*.c netns/*.c src/cli.c    -> libisopod.a (+ src/main.c -> isopod)
#   tests/unit/test_*.c                         -> one cmocka binary each (+ tests/support/*.c)
#   tests/integration/test_*.c                  -> one cmocka binary each, run against rootless Podman
#   tests/fuzz/fuzz_*.c                         -> one libFuzzer target each (clang)
#   bench/bench_*.c                             -> one benchmark binary each
# BUILD=dir puts objects elsewhere (the sanitizer and fuzz builds use their own).

BUILD ?= build
PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
PKG_CONFIG ?= pkg-config
PKGS := libcurl yajl libnl-3.0 libnl-route-3.0 libnl-idiag-3.0
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

CFLAGS ?= -O2 -g
# CI builds with warnings as errors.
ifneq ($(CI),)
WERROR ?= -Werror
endif
ISO_CFLAGS := -std=gnu11 -Wall -Wextra -Wshadow -Wno-unused-parameter $(WERROR) \
	-D_GNU_SOURCE -DISOPOD_VERSION='"$(VERSION)"' -Iinclude -MMD -MP \
	$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)
TEST_CFLAGS = -DISO_TEST_DATA='"$(CURDIR)/tests/data"' -DISO_BUILD_DIR='"$(CURDIR)/$(BUILD)"' -DISO_SRCDIR='"$(CURDIR)"' -DISO_ISOPOD_BIN='"$(CURDIR)/$(BIN)"' -Itests/support

BIN := $(if $(filter build,$(BUILD)),isopod,$(BUILD)/isopod)

LIB_SRCS := $(sort $(wildcard src/*/*.c podman/*.c netns/*.c) $(filter-out src/main.c,$(wildcard src/*.c)))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/gen/mcp_schemas.o
SUPPORT_SRCS := $(wildcard tests/support/*.c)
SUPPORT_OBJS := $(SUPPORT_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:%.c=$(BUILD)/%)
INTEG_SRCS := $(sort $(wildcard tests/integration/test_*.c))
INTEG_BINS := $(INTEG_SRCS:%.c=$(BUILD)/%)
BENCH_SRCS := $(sort $(wildcard bench/bench_*.c))
BENCH_BINS := $(BENCH_SRCS:%.c=$(BUILD)/%)
# tests/reliability/: the fault-injection sweep and the crash scenarios (real
# Podman, through the API proxy tests/support/apiproxy/).
REL_SRCS := $(sort $(wildcard tests/reliability/test_*.c))
REL_BINS := $(REL_SRCS:%.c=$(BUILD)/%)
PROXY_SRCS := $(sort $(wildcard tests/support/apiproxy/*.c))
PROXY_BIN := $(if $(PROXY_SRCS),$(BUILD)/tests/support/apiproxy/isopod-apiproxy)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:%.c=$(BUILD)/%)
FORMAT_FILES := $(sort $(wildcard include/*/*.h src/*.c src/*/*.c src/*/*.h podman/*.c podman/*.h netns/*.c netns/*.h \
	tests/*/*.c tests/*/*.h tests/support/apiproxy/*.c bench/*.c))

.PHONY: all check check-unit check-asan check-integration images bench fuzz fuzz-build format format-check \
	check-reliability check-layering check-spdx check-limits install clean setup host demo demo-clean unit-bins integration-bins bench-bins

all: $(BIN)

# Keep intermediate objects (the test and bench .o files) between runs.
.SECONDARY:

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ISO_CFLAGS) $(CFLAGS) $(if $(filter tests/% bench/%,$<),$(TEST_CFLAGS)) -c -o $@ $<

# The MCP tools' outputSchema: docs/schema/*.json embedded at build time.
$(BUILD)/gen/mcp_schemas.c: scripts/embed-schemas.sh $(wildcard docs/schema/*.json)
	@mkdir -p $(dir $@)
	sh scripts/embed-schemas.sh $@ $(sort $(wildcard docs/schema/*.json))
$(BUILD)/gen/mcp_schemas.o: $(BUILD)/gen/mcp_schemas.c
	$(CC) $(ISO_CFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/libisopod.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcsT $@ $^

$(BIN): $(BUILD)/src/main.o $(BUILD)/libisopod.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(SUPPORT_OBJS) $(BUILD)/libisopod.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/integration/%: $(BUILD)/tests/integration/%.o $(SUPPORT_OBJS) $(BUILD)/libisopod.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/reliability/%: $(BUILD)/tests/reliability/%.o $(SUPPORT_OBJS) $(BUILD)/libisopod.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) $(CMOCKA_LIBS)

# The proxy is a program of its own: no libisopod, no cmocka.
$(BUILD)/tests/support/apiproxy/isopod-apiproxy: $(PROXY_SRCS:%.c=$(BUILD)/%.o)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(BUILD)/libisopod.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

unit-bins: $(UNIT_BINS) $(BIN)

# test_skips runs a real integration binary (order-only: the link rule links $^).
$(BUILD)/tests/unit/test_skips: | $(BUILD)/tests/integration/test_podman_pull
integration-bins: $(INTEG_BINS) $(REL_BINS) $(PROXY_BIN) $(BIN)
bench-bins: $(BENCH_BINS) $(BIN)

# ---- tests ----
# The tests keep to their own lease registries, never the host-wide one.
TEST_ENV := ISOPOD_HOST_REGISTRY_DIR=/nonexistent/isopod-test-host-registry
check-unit: $(UNIT_BINS) $(BIN)
	@$(TEST_ENV) tests/run-tests.sh unit $(UNIT_BINS)

# The unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
check-asan:
	@$(MAKE) --no-print-directory BUILD=build-asan CC=$(CC) \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		LDFLAGS="-fsanitize=address,undefined" unit-bins
	@$(TEST_ENV) ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		tests/run-tests.sh asan $(UNIT_SRCS:%.c=build-asan/%)

# Real rootless Podman: as root this runs as the dedicated test user.
check-integration: integration-bins
	@scripts/run-integration.sh $(BUILD) $(INTEG_BINS)

# The reliability sweep: ISOPOD_SWEEP=full (the default here: every distinct
# request of every path, every fault; docs/reliability.md comes from it) or
# subset (what make check runs).
ISOPOD_SWEEP ?= full
check-reliability: integration-bins
	@ISOPOD_SWEEP=$(ISOPOD_SWEEP) scripts/run-integration.sh $(BUILD) $(REL_BINS)

# libFuzzer targets, built with clang; FUZZ_SECONDS is the budget of each.
FUZZ_SECONDS ?= 20
fuzz-build:
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang \
		CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer" build-fuzz/libisopod.a \
		$(FUZZ_SRCS:%.c=build-fuzz/%)
build-fuzz/tests/fuzz/%: tests/fuzz/%.c tests/support/fake_transport.c build-fuzz/libisopod.a
	@mkdir -p $(dir $@)
	clang $(ISO_CFLAGS) $(TEST_CFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined -o $@ $< \
		tests/support/fake_transport.c build-fuzz/libisopod.a $(LIBS)
fuzz: fuzz-build
	@tests/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_SRCS:%.c=build-fuzz/%)

# check, demo and bench set the host up first (packages, host settings, the
# rootless test users, the local images), then re-enter make: the pkg-config
# flags above are read when make starts, before the packages exist.
check: host
	@$(MAKE) --no-print-directory $(BIN)
	@$(MAKE) --no-print-directory check-layering
	@scripts/check-spdx.sh
	@scripts/check-limits.sh
	@$(MAKE) --no-print-directory check-unit
	@$(MAKE) --no-print-directory check-asan
	@$(MAKE) --no-print-directory fuzz
	@ISOPOD_HOST_READY=1 $(MAKE) --no-print-directory check-integration
	@ISOPOD_HOST_READY=1 $(MAKE) --no-print-directory ISOPOD_SWEEP=subset check-reliability

# ---- host, images, demo, bench ----
setup:
	@scripts/setup-host.sh

host:
	@scripts/setup-host.sh --images --quiet

images:
	@scripts/setup-host.sh --images

bench: host
	@$(MAKE) --no-print-directory bench-bins
	@ISOPOD_HOST_READY=1 bench/run.sh $(BUILD)

demo: host
	@$(MAKE) --no-print-directory $(BIN)
	@ISOPOD_HOST_READY=1 scripts/demo.sh up

demo-clean:
	@scripts/demo.sh down

# ---- hygiene ----
format:
	clang-format -i $(FORMAT_FILES)
format-check:
	@clang-format --dry-run -Werror $(FORMAT_FILES) && echo "format-check: ok"

check-layering: $(BUILD)/libisopod.a
	@scripts/check-layering.sh $(BUILD)

check-spdx:
	@scripts/check-spdx.sh

check-limits:
	@scripts/check-limits.sh

install: $(BIN)
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/isopod
	install -D -m 0644 docs/isopod.1 $(DESTDIR)$(PREFIX)/share/man/man1/isopod.1
	install -D -m 0755 scripts/start-agent-env.sh $(DESTDIR)$(PREFIX)/share/isopod/start-agent-env.sh
	install -D -m 0755 scripts/stop-agent-env.sh $(DESTDIR)$(PREFIX)/share/isopod/stop-agent-env.sh
	install -D -m 0755 scripts/list-agent-envs.sh $(DESTDIR)$(PREFIX)/share/isopod/list-agent-envs.sh
	install -D -m 0644 scripts/lib-agent-env.sh $(DESTDIR)$(PREFIX)/share/isopod/lib-agent-env.sh

clean:
	rm -rf build build-asan build-fuzz isopod

-include $(shell find $(BUILD) build-asan build-fuzz -name '*.d' 2>/dev/null)
