"""Helpers shared by the tests and the benchmarks (`bench/`): the fixture corpus, generated
files of every format, a real gRPC server on loopback."""
