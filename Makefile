# Post2Share - plain Makefile over pkg-config.
#
#   make            build the server (build/post2share) and the web app (web/dist)
#   make run        install what is missing, build, start the server, print its URL
#   make test       install what is missing, build, run every test on SQLite and
#                   PostgreSQL, then once more under ASan+UBSan; ends with "N passed, N failed"
#   make asan       build with ASan+UBSan into build/asan and run the suite with it
#   make format     clang-format every C file

CC      ?= cc
BUILD   ?= build
PKGS    := libmicrohttpd jansson libsodium sqlite3 libpq libcurl vips libavformat libavcodec libavutil libswscale libutf8proc
WARN    := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
           -Wformat=2 -Wvla -Wpointer-arith -Wundef -Wnull-dereference
OPT     ?= -O2 -g
SAN     ?=
CFLAGS  := -std=c17 $(OPT) $(SAN) $(WARN) -Isrc -I$(BUILD)/gen -MMD -MP \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lmagic -lcsv -lm -lpthread
LDFLAGS := $(SAN)

SIM_PKGS := libmicrohttpd jansson libsodium libcurl zlib libutf8proc
SIM_SRC  := $(sort $(wildcard tools/platform-sim/*.c))
SIM_OBJ  := $(SIM_SRC:%.c=$(BUILD)/%.o) $(BUILD)/src/compose/xtext.o $(BUILD)/src/compose/textstat.o
SRC      := $(shell find src -name '*.c' | sort)
OBJ      := $(SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/openapi_json.o
LIBOBJ   := $(filter-out $(BUILD)/src/main.o,$(OBJ))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
WEB_SRC  := $(shell find web/src web/public web/index.html web/package.json web/vite.config.* web/tsconfig*.json -type f 2>/dev/null)

.PHONY: all server sim unit web deps run test asan test-unit format check-format clean bench

all: server sim unit web

server: $(BUILD)/post2share
sim: $(BUILD)/platform-sim

# The platform simulator (tools/platform-sim): its own small program.
$(BUILD)/platform-sim: $(SIM_OBJ)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs $(SIM_PKGS)) -lpthread

$(BUILD)/tools/platform-sim/%.o: tools/platform-sim/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) -std=c17 $(OPT) $(SAN) $(WARN) -Isrc -MMD -MP $(shell pkg-config --cflags $(SIM_PKGS)) -c -o $@ $<
unit: $(UNIT_BIN)

# bench/curl_ceiling: the plain libcurl multi loop bench/publish.mjs compares the worker with.
bench: $(BUILD)/bench/curl_ceiling

$(BUILD)/bench/curl_ceiling: bench/curl_ceiling.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) -std=c17 $(OPT) $(WARN) $(shell pkg-config --cflags libcurl jansson) -o $@ $< $(shell pkg-config --libs libcurl jansson)

$(BUILD)/post2share: $(OBJ)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -std=c17 -O2 -Wall -Wextra -Werror -o $@ $<

$(BUILD)/gen/openapi_json.c: docs/openapi.json $(BUILD)/tools/embed
	@mkdir -p $(dir $@)
	$(BUILD)/tools/embed p2s_openapi_json $< $@

$(BUILD)/gen/openapi_json.o: $(BUILD)/gen/openapi_json.c
	$(CC) -std=c17 $(OPT) $(SAN) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIBOBJ)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(LIBOBJ) $(LDFLAGS) $(LDLIBS) $(shell pkg-config --libs cmocka)

# The web app: TypeScript + Preact built by Vite; assets precompressed for gzip clients.
web: web/dist/index.html
	@find web/dist -type f \( -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' -o -name '*.json' \) \
	    -exec sh -c 'for f; do [ "$$f.gz" -nt "$$f" ] || gzip -9kf "$$f"; done' sh {} +

web/dist/index.html: $(WEB_SRC) web/package-lock.json
	cd web && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; } && npm run build
	@touch $@

deps:
	@scripts/deps.sh test

run:
	@scripts/deps.sh run
	@$(MAKE) --no-print-directory server sim web
	@scripts/run.sh

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer" SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" server sim unit
	@scripts/test.sh

asan: deps
	@$(MAKE) --no-print-directory web
	@$(MAKE) --no-print-directory BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer" SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" server sim unit
	@P2S_TEST_ONLY=asan scripts/test.sh

FORMAT_FILES = $(SRC) $(wildcard src/*/*.h src/*.h) $(UNIT_SRC) tools/*.c $(SIM_SRC) $(wildcard tools/platform-sim/*.h)

format:
	clang-format -i $(FORMAT_FILES)

check-format:
	clang-format --dry-run -Werror $(FORMAT_FILES)

clean:
	rm -rf build web/dist

-include $(OBJ:.o=.d) $(SIM_OBJ:.o=.d)
