from __future__ import annotations

from claude_nb.notebook.conversation import Conversation

ASSISTANT = {"role": "assistant", "content": [{"type": "text", "text": "a"}]}


def test_turns_append_and_rerun_replaces() -> None:
    conv = Conversation()
    m1 = conv.request_messages("one", "c1")
    conv.record("c1", m1[-1], ASSISTANT)
    m2 = conv.request_messages("two", "c2")
    assert [m["role"] for m in m2] == ["user", "assistant", "user"]
    conv.record("c2", m2[-1], ASSISTANT)
    again = conv.request_messages("one, edited", "c1")
    assert len(again) == 1  # history before c1's turn only
    conv.record("c1", again[-1], ASSISTANT)
    assert len(conv) == 2 and conv.turns[0].user["content"] == "one, edited"


def test_unanswered_tool_calls_get_results() -> None:
    conv = Conversation()
    conv.record(
        None,
        {"role": "user", "content": "x"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}}],
        },
    )
    user = conv.request_messages("next", None)[-1]
    assert user["content"][0]["type"] == "tool_result" and user["content"][0]["tool_use_id"] == "toolu_1"
    assert user["content"][-1] == {"type": "text", "text": "next"}


def test_deleted_cells_are_forgotten() -> None:
    conv = Conversation()
    conv.record("c1", {"role": "user", "content": "x"}, ASSISTANT)
    conv.forget_cells(["c1"])
    assert len(conv) == 0
