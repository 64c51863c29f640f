from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CopyGrounding(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COPY_GROUNDING_DEFAULT: _ClassVar[CopyGrounding]
    COPY_GROUNDING_ON: _ClassVar[CopyGrounding]
    COPY_GROUNDING_OFF: _ClassVar[CopyGrounding]

class ResultStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESULT_STATUS_UNSPECIFIED: _ClassVar[ResultStatus]
    RESULT_STATUS_OK: _ClassVar[ResultStatus]
    RESULT_STATUS_PARTIAL: _ClassVar[ResultStatus]
    RESULT_STATUS_TRUNCATED: _ClassVar[ResultStatus]
    RESULT_STATUS_INVALID: _ClassVar[ResultStatus]
    RESULT_STATUS_ERROR: _ClassVar[ResultStatus]

class MatchKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MATCH_KIND_UNSPECIFIED: _ClassVar[MatchKind]
    MATCH_KIND_EXACT: _ClassVar[MatchKind]
    MATCH_KIND_CASE_INSENSITIVE: _ClassVar[MatchKind]
    MATCH_KIND_WHITESPACE: _ClassVar[MatchKind]
    MATCH_KIND_FUZZY: _ClassVar[MatchKind]
    MATCH_KIND_NOT_FOUND: _ClassVar[MatchKind]

class WithheldReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WITHHELD_REASON_UNSPECIFIED: _ClassVar[WithheldReason]
    WITHHELD_REASON_BELOW_CONFIDENCE: _ClassVar[WithheldReason]
    WITHHELD_REASON_MISPLACED_ROW: _ClassVar[WithheldReason]
    WITHHELD_REASON_UNREADABLE_ROW: _ClassVar[WithheldReason]
    WITHHELD_REASON_HEADER_ROW: _ClassVar[WithheldReason]
    WITHHELD_REASON_TOTAL_ROW: _ClassVar[WithheldReason]
    WITHHELD_REASON_OTHER_ROLE: _ClassVar[WithheldReason]
    WITHHELD_REASON_INCONSISTENT: _ClassVar[WithheldReason]
COPY_GROUNDING_DEFAULT: CopyGrounding
COPY_GROUNDING_ON: CopyGrounding
COPY_GROUNDING_OFF: CopyGrounding
RESULT_STATUS_UNSPECIFIED: ResultStatus
RESULT_STATUS_OK: ResultStatus
RESULT_STATUS_PARTIAL: ResultStatus
RESULT_STATUS_TRUNCATED: ResultStatus
RESULT_STATUS_INVALID: ResultStatus
RESULT_STATUS_ERROR: ResultStatus
MATCH_KIND_UNSPECIFIED: MatchKind
MATCH_KIND_EXACT: MatchKind
MATCH_KIND_CASE_INSENSITIVE: MatchKind
MATCH_KIND_WHITESPACE: MatchKind
MATCH_KIND_FUZZY: MatchKind
MATCH_KIND_NOT_FOUND: MatchKind
WITHHELD_REASON_UNSPECIFIED: WithheldReason
WITHHELD_REASON_BELOW_CONFIDENCE: WithheldReason
WITHHELD_REASON_MISPLACED_ROW: WithheldReason
WITHHELD_REASON_UNREADABLE_ROW: WithheldReason
WITHHELD_REASON_HEADER_ROW: WithheldReason
WITHHELD_REASON_TOTAL_ROW: WithheldReason
WITHHELD_REASON_OTHER_ROLE: WithheldReason
WITHHELD_REASON_INCONSISTENT: WithheldReason

class ExtractRequest(_message.Message):
    __slots__ = ("request_id", "text", "data", "media_type", "schema_name", "schema_json", "adapter", "options")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_NAME_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_JSON_FIELD_NUMBER: _ClassVar[int]
    ADAPTER_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    text: str
    data: bytes
    media_type: str
    schema_name: str
    schema_json: str
    adapter: str
    options: ExtractOptions
    def __init__(self, request_id: _Optional[str] = ..., text: _Optional[str] = ..., data: _Optional[bytes] = ..., media_type: _Optional[str] = ..., schema_name: _Optional[str] = ..., schema_json: _Optional[str] = ..., adapter: _Optional[str] = ..., options: _Optional[_Union[ExtractOptions, _Mapping]] = ...) -> None: ...

class ExtractOptions(_message.Message):
    __slots__ = ("max_tokens", "disable_grounding", "link_entities", "reference_context", "copy_grounding", "min_confidence")
    MAX_TOKENS_FIELD_NUMBER: _ClassVar[int]
    DISABLE_GROUNDING_FIELD_NUMBER: _ClassVar[int]
    LINK_ENTITIES_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    COPY_GROUNDING_FIELD_NUMBER: _ClassVar[int]
    MIN_CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    max_tokens: int
    disable_grounding: bool
    link_entities: bool
    reference_context: bool
    copy_grounding: CopyGrounding
    min_confidence: float
    def __init__(self, max_tokens: _Optional[int] = ..., disable_grounding: _Optional[bool] = ..., link_entities: _Optional[bool] = ..., reference_context: _Optional[bool] = ..., copy_grounding: _Optional[_Union[CopyGrounding, str]] = ..., min_confidence: _Optional[float] = ...) -> None: ...

class ValueSource(_message.Message):
    __slots__ = ("path", "value", "start", "end", "match", "score", "normalised", "confidence", "page", "line", "boxes", "reason")
    PATH_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    MATCH_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    NORMALISED_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    BOXES_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    path: str
    value: str
    start: int
    end: int
    match: MatchKind
    score: float
    normalised: str
    confidence: float
    page: int
    line: int
    boxes: _containers.RepeatedCompositeFieldContainer[Box]
    reason: WithheldReason
    def __init__(self, path: _Optional[str] = ..., value: _Optional[str] = ..., start: _Optional[int] = ..., end: _Optional[int] = ..., match: _Optional[_Union[MatchKind, str]] = ..., score: _Optional[float] = ..., normalised: _Optional[str] = ..., confidence: _Optional[float] = ..., page: _Optional[int] = ..., line: _Optional[int] = ..., boxes: _Optional[_Iterable[_Union[Box, _Mapping]]] = ..., reason: _Optional[_Union[WithheldReason, str]] = ...) -> None: ...

class Box(_message.Message):
    __slots__ = ("x0", "y0", "x1", "y1")
    X0_FIELD_NUMBER: _ClassVar[int]
    Y0_FIELD_NUMBER: _ClassVar[int]
    X1_FIELD_NUMBER: _ClassVar[int]
    Y1_FIELD_NUMBER: _ClassVar[int]
    x0: float
    y0: float
    x1: float
    y1: float
    def __init__(self, x0: _Optional[float] = ..., y0: _Optional[float] = ..., x1: _Optional[float] = ..., y1: _Optional[float] = ...) -> None: ...

class PageSize(_message.Message):
    __slots__ = ("width", "height")
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    width: float
    height: float
    def __init__(self, width: _Optional[float] = ..., height: _Optional[float] = ...) -> None: ...

class Timings(_message.Message):
    __slots__ = ("prepare_s", "generate_s", "finish_s", "total_s")
    PREPARE_S_FIELD_NUMBER: _ClassVar[int]
    GENERATE_S_FIELD_NUMBER: _ClassVar[int]
    FINISH_S_FIELD_NUMBER: _ClassVar[int]
    TOTAL_S_FIELD_NUMBER: _ClassVar[int]
    prepare_s: float
    generate_s: float
    finish_s: float
    total_s: float
    def __init__(self, prepare_s: _Optional[float] = ..., generate_s: _Optional[float] = ..., finish_s: _Optional[float] = ..., total_s: _Optional[float] = ...) -> None: ...

class ExtractResponse(_message.Message):
    __slots__ = ("request_id", "status", "json", "sources", "truncated", "error", "error_code", "schema_name", "schema_version", "adapter", "model", "engine", "prompt_tokens", "completion_tokens", "chunks", "timings", "links", "confidence", "withheld", "dtype", "page_sizes")
    class ConfidenceEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    JSON_FIELD_NUMBER: _ClassVar[int]
    SOURCES_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_NAME_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    ADAPTER_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    ENGINE_FIELD_NUMBER: _ClassVar[int]
    PROMPT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    CHUNKS_FIELD_NUMBER: _ClassVar[int]
    TIMINGS_FIELD_NUMBER: _ClassVar[int]
    LINKS_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    WITHHELD_FIELD_NUMBER: _ClassVar[int]
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZES_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    status: ResultStatus
    json: str
    sources: _containers.RepeatedCompositeFieldContainer[ValueSource]
    truncated: bool
    error: str
    error_code: str
    schema_name: str
    schema_version: str
    adapter: str
    model: str
    engine: str
    prompt_tokens: int
    completion_tokens: int
    chunks: int
    timings: Timings
    links: _containers.RepeatedCompositeFieldContainer[EntityLink]
    confidence: _containers.ScalarMap[str, float]
    withheld: _containers.RepeatedCompositeFieldContainer[ValueSource]
    dtype: str
    page_sizes: _containers.RepeatedCompositeFieldContainer[PageSize]
    def __init__(self, request_id: _Optional[str] = ..., status: _Optional[_Union[ResultStatus, str]] = ..., json: _Optional[str] = ..., sources: _Optional[_Iterable[_Union[ValueSource, _Mapping]]] = ..., truncated: _Optional[bool] = ..., error: _Optional[str] = ..., error_code: _Optional[str] = ..., schema_name: _Optional[str] = ..., schema_version: _Optional[str] = ..., adapter: _Optional[str] = ..., model: _Optional[str] = ..., engine: _Optional[str] = ..., prompt_tokens: _Optional[int] = ..., completion_tokens: _Optional[int] = ..., chunks: _Optional[int] = ..., timings: _Optional[_Union[Timings, _Mapping]] = ..., links: _Optional[_Iterable[_Union[EntityLink, _Mapping]]] = ..., confidence: _Optional[_Mapping[str, float]] = ..., withheld: _Optional[_Iterable[_Union[ValueSource, _Mapping]]] = ..., dtype: _Optional[str] = ..., page_sizes: _Optional[_Iterable[_Union[PageSize, _Mapping]]] = ...) -> None: ...

class Reference(_message.Message):
    __slots__ = ("id", "kind", "name", "aliases", "attributes_json", "score", "method")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ALIASES_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_JSON_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: str
    name: str
    aliases: _containers.RepeatedScalarFieldContainer[str]
    attributes_json: str
    score: float
    method: str
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[str] = ..., name: _Optional[str] = ..., aliases: _Optional[_Iterable[str]] = ..., attributes_json: _Optional[str] = ..., score: _Optional[float] = ..., method: _Optional[str] = ...) -> None: ...

class EntityLink(_message.Message):
    __slots__ = ("path", "value", "kind", "linked", "reference", "reason")
    PATH_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LINKED_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    path: str
    value: str
    kind: str
    linked: bool
    reference: Reference
    reason: str
    def __init__(self, path: _Optional[str] = ..., value: _Optional[str] = ..., kind: _Optional[str] = ..., linked: _Optional[bool] = ..., reference: _Optional[_Union[Reference, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class LookupReferenceRequest(_message.Message):
    __slots__ = ("query", "kind", "k")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    query: str
    kind: str
    k: int
    def __init__(self, query: _Optional[str] = ..., kind: _Optional[str] = ..., k: _Optional[int] = ...) -> None: ...

class LookupReferenceResponse(_message.Message):
    __slots__ = ("references",)
    REFERENCES_FIELD_NUMBER: _ClassVar[int]
    references: _containers.RepeatedCompositeFieldContainer[Reference]
    def __init__(self, references: _Optional[_Iterable[_Union[Reference, _Mapping]]] = ...) -> None: ...

class ListSchemasRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SchemaInfo(_message.Message):
    __slots__ = ("name", "version", "description")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    description: str
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class ListSchemasResponse(_message.Message):
    __slots__ = ("schemas",)
    SCHEMAS_FIELD_NUMBER: _ClassVar[int]
    schemas: _containers.RepeatedCompositeFieldContainer[SchemaInfo]
    def __init__(self, schemas: _Optional[_Iterable[_Union[SchemaInfo, _Mapping]]] = ...) -> None: ...

class GetSchemaRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetSchemaResponse(_message.Message):
    __slots__ = ("schema", "json_schema")
    SCHEMA_FIELD_NUMBER: _ClassVar[int]
    JSON_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    schema: SchemaInfo
    json_schema: str
    def __init__(self, schema: _Optional[_Union[SchemaInfo, _Mapping]] = ..., json_schema: _Optional[str] = ...) -> None: ...

class ListAdaptersRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AdapterInfo(_message.Message):
    __slots__ = ("version", "parent", "created_at", "current", "scores")
    class ScoresEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PARENT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    version: str
    parent: str
    created_at: str
    current: bool
    scores: _containers.ScalarMap[str, float]
    def __init__(self, version: _Optional[str] = ..., parent: _Optional[str] = ..., created_at: _Optional[str] = ..., current: _Optional[bool] = ..., scores: _Optional[_Mapping[str, float]] = ...) -> None: ...

class ListAdaptersResponse(_message.Message):
    __slots__ = ("adapters", "current")
    ADAPTERS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    adapters: _containers.RepeatedCompositeFieldContainer[AdapterInfo]
    current: str
    def __init__(self, adapters: _Optional[_Iterable[_Union[AdapterInfo, _Mapping]]] = ..., current: _Optional[str] = ...) -> None: ...

class ReloadAdaptersRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ReloadAdaptersResponse(_message.Message):
    __slots__ = ("current",)
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    current: str
    def __init__(self, current: _Optional[str] = ...) -> None: ...
