# The two set-up commands: `make serve` and `make test`. Both install what is missing.
SHELL := /bin/bash
BUILD ?= build
JOBS ?= $(shell nproc)
PORT ?= 9000
DB ?= ./ggs.db
DEBIAN_PACKAGES := build-essential cmake pkg-config libuv1-dev libmujs-dev libcli11-dev \
  librapidcheck-dev libbenchmark-dev libsqlite3-dev libgtest-dev clang clang-format \
  libclang-rt-14-dev libfmt-dev nlohmann-json3-dev libseccomp-dev libssl-dev \
  libhttp-parser-dev libwslay-dev chromium libhiredis-dev redis-server

.PHONY: deps web-deps configure build serve test asan format clean

# Installs the Debian packages that are missing (needs root on a fresh machine).
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# Node.js and npm (Debian's, when the machine has none; the tests need Node.js 20 or newer,
# which the machine image has), then the npm packages that package-lock.json pins: playwright-core, which drives Debian's chromium in the browser
# tests (it downloads no browser of its own).
web-deps: deps
	@command -v node >/dev/null && command -v npm >/dev/null || { \
	  echo "installing: nodejs npm"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; }
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' || \
	  echo "warning: Node.js $$(node --version) is older than 20, which the browser tests need"
	@[ node_modules/.package-lock.json -nt package-lock.json ] || \
	  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund

configure: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null

# Everything: the ggs binary and every test.
build: configure
	cmake --build $(BUILD) -j $(JOBS)

# Only the ggs binary, then the server with the shipped games registered.
serve: configure
	cmake --build $(BUILD) -j $(JOBS) --target ggs
	./$(BUILD)/ggs serve --listen 127.0.0.1:$(PORT) --db $(DB) --games games

# The boundary check first (a second, no build needed), then every test.
test: web-deps build
	ci/boundaries
	cd $(BUILD) && ctest --output-on-failure --timeout 900 -j 2

# The whole test suite under AddressSanitizer and UndefinedBehaviorSanitizer.
asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DGGS_SANITIZE=ON >/dev/null
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure --timeout 900

format:
	clang-format -i $$(git ls-files '*.h' '*.cc')

clean:
	rm -rf $(BUILD) build-asan
