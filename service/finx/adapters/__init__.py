"""Adapters at run time: the versioned registry, and merged weights for the adapter being served.

Training (`finetune/finx/training/`) registers and promotes adapters through this package; the runtime never
imports `finetune/finx/training/`.
"""
