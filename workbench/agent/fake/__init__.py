"""The loopback fake of the Messages API (server.py), its replies (reply.py), its checks (rules.py) and its
signed blocks (binding.py). Strict, always: what the API refuses, the fake refuses."""

from .reply import Reply, count_tokens
from .rules import Problem
from .server import FakeAnthropic, RecordedRequest, prompt_tokens, validate_messages_request

__all__ = ["FakeAnthropic", "Reply", "RecordedRequest", "Problem", "count_tokens", "prompt_tokens",
           "validate_messages_request"]
