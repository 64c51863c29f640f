"""The service's edges: the gRPC service (`grpc_service`), its HTTP/JSON and OpenAI-compatible
routes (`http`, `openai_routes`), the interceptors that map errors to statuses and check tokens,
and the set of engines a long-running process serves (`engine_set`). Knows the extraction path
and the wire format (`finx.api_convert`); knows nothing about batch runs, review or training.
"""
