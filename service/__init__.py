"""finx runtime: schemas, prompt, engines, extraction, CLI.

Heavy libraries (torch, vllm, transformers) are imported only inside the modules that need them,
so light commands and unit tests stay fast.
"""

__version__ = "0.1.0"
