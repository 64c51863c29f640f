"""The one prompt builder: compact schema notation, message layout, training targets."""

import json

from finx.extraction.prompt import INSTRUCTION, build_messages, compact_schema, prompt_token_ids, target_json
from finx.schemas import custom_schema, get_schema


def test_compact_schema_of_receipt():
    assert compact_schema(get_schema("receipt").json_schema) == (
        '{"company":str|null,"date":str|null,"address":str|null,"total":str|null}'
    )


def test_compact_schema_covers_every_node_kind():
    spec = custom_schema(
        {
            "type": "object",
            "properties": {
                "n": {"type": "integer"},
                "x": {"type": "number"},
                "b": {"type": "boolean"},
                "e": {"enum": ["a", 1]},
                "l": {"type": "array", "items": {"type": "object", "properties": {"s": {"type": "string"}}}},
            },
            "required": ["n", "x", "b", "e", "l"],
        }
    )
    assert compact_schema(spec.json_schema) == '{"n":int,"x":num,"b":bool,"e":"a"|1,"l":[{"s":str|null}]}'


def test_messages_hold_instruction_description_schema_and_document_in_order():
    spec = get_schema("receipt")
    messages = build_messages(spec, "SHOP\nTOTAL 9.00", references="ACME Inc (ticker ACME)")
    assert messages[0] == {"role": "system", "content": INSTRUCTION}
    user = messages[1]["content"]
    assert user.index(spec.description) < user.index("Schema: {") < user.index("Reference records:")
    assert user.endswith("Document:\nSHOP\nTOTAL 9.00")
    assert "Reference records" not in build_messages(spec, "x")[1]["content"]


def test_target_json_is_compact_and_keeps_unicode():
    value = {"company": "Café Ltd", "total": "€ 9,00", "items": []}
    assert target_json(value) == '{"company":"Café Ltd","total":"€ 9,00","items":[]}'
    assert json.loads(target_json(value)) == value


class RecordingTokenizer:
    def __init__(self, output):
        self.output = output
        self.kwargs = None

    def apply_chat_template(self, conversation, **kwargs):
        self.kwargs = kwargs
        return self.output


def test_prompt_token_ids_asks_for_the_generation_prompt_and_accepts_both_return_shapes():
    tokenizer = RecordingTokenizer([1, 2, 3])
    assert prompt_token_ids(tokenizer, [{"role": "user", "content": "x"}]) == [1, 2, 3]
    assert tokenizer.kwargs == {"add_generation_prompt": True, "tokenize": True}
    assert prompt_token_ids(RecordingTokenizer({"input_ids": [4, 5]}), []) == [4, 5]
