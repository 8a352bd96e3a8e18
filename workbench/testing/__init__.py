"""Public test doubles: a loopback fake of the Anthropic Messages API and scripted turns.

    from workbench.testing import FakeAnthropic, Reply
    with FakeAnthropic(api_key="test") as fake:
        fake.enqueue(Reply.text("Hello"))
        ...  # point ANTHROPIC_BASE_URL (or base_url=) at fake.base_url

The fake and the scripted model live in the agent (`workbench.agent.fake`,
`workbench.agent.scripted`), because `Architect(script=…)` answers from them without a key;
they are re-exported here for tests.
"""

from ..agent.fake import FakeAnthropic, RecordedRequest, Reply, count_tokens
from ..agent.scripted import ScriptedModel, ScriptError

__all__ = ["FakeAnthropic", "Reply", "RecordedRequest", "ScriptedModel", "ScriptError", "count_tokens"]
