"""The extraction path over one engine: options, prompts, chunking and merging, per-value
confidence, the `Extractor` and its results, and the one composition of engine + reference store +
extractor (`runtime`). Knows engines, schemas, values and retrieval; nothing about gRPC, HTTP,
files on disk or training.
"""
