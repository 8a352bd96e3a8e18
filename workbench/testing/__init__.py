"""Public test doubles: a loopback fake of the Anthropic Messages API and scripted turns.

    from workbench.testing import FakeAnthropic, Reply
    with FakeAnthropic(api_key="test") as fake:
        fake.enqueue(Reply.text("Hello"))
        ...  # point ANTHROPIC_BASE_URL (or base_url=) at fake.base_url
"""

from .fake_api import FakeAnthropic, RecordedRequest, Reply, count_tokens
from .script import ScriptedModel, ScriptError

__all__ = ["FakeAnthropic", "Reply", "RecordedRequest", "ScriptedModel", "ScriptError", "count_tokens"]
