"""A design survives any crash and any second kernel: repair on load, one turn at a time, nothing lost.

The model is the loopback fake, which refuses (400) a conversation the real API would refuse;
kernels are real and are killed with SIGKILL at random moments.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from workbench.agent.fake import Problem as _Problem
from workbench.agent.fake import validate_messages_request
from workbench.agent.session import Architect
from workbench.design.aggregate import Design
from workbench.errors import DesignBusy
from workbench.testing import FakeAnthropic, Reply, ScriptedModel

from ..conftest import KEY, Kernel

SLOW = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000) "
        "SELECT count(*) FROM c")
SCRIPT = textwrap.dedent(f"""
    turns:
      - steps:
          - text: "Measuring the table first."
            tools:
              - name: run_sql
                input: {{sql: "{SLOW}"}}
          - text: "Recording what we learnt."
            tools:
              - name: record_decision
                input: {{title: "Count rows with an index", context: "c", decision: "d", consequences: "e"}}
          - text: "Done: the design holds the decision."
""")


def valid(messages: list[dict]) -> bool:
    """Whether the API would accept the stored conversation followed by a new prompt."""
    from workbench.agent.session import _coalesce

    following = _coalesce(messages + [{"role": "user", "content": [{"type": "text", "text": "next"}]}])
    try:
        validate_messages_request({"model": "m", "max_tokens": 1, "messages": following})
    except _Problem:
        return False
    return True


def prepared(name: str) -> Design:
    design = Design(name)
    design.add_schema_ddl("CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL);")
    return design


def test_a_dangling_tool_call_and_a_running_turn_are_repaired_when_the_next_turn_starts(api_env):
    design = prepared("crashed")
    store = design.store
    turn = store.start_turn(design.id, 1, "first", agent="a", model="m", system="s")  # its process died
    store.append_messages(design.id, 1, turn, [
        {"role": "user", "content": [{"type": "text", "text": "first"}]},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_dead", "name": "run_sql",
                                           "input": {"sql": "SELECT 1"}}]}])
    assert not valid(design.messages())
    api_env.enqueue(Reply.text("Back again."))
    result = Architect(design).ask("second")
    assert result.text == "Back again."
    messages = design.messages()
    assert valid(messages)
    answer = messages[2]["content"][0]
    assert answer["tool_use_id"] == "toolu_dead" and answer["is_error"] and "interrupted" in answer["content"]
    assert [t["status"] for t in design.turns()] == ["interrupted", "ok"]
    assert design.busy() is None  # the lock goes with the turn


def test_a_second_kernel_waits_then_is_told_who_holds_the_design_and_can_take_over(api_env, monkeypatch):
    design = prepared("busy")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        from workbench.processes import process_start

        holder = {"holder": f"other:{sleeper.pid}", "host": os.uname().nodename, "pid": sleeper.pid,
                  "process_start": process_start(sleeper.pid)}
        assert design.store.take_turn_lock(design.id, holder, unless=lambda lock: True) is None
        monkeypatch.setenv("WORKBENCH_LOCK_WAIT", "0.5")
        started = time.monotonic()
        with pytest.raises(DesignBusy, match=rf"busy in another kernel since .* \(pid {sleeper.pid}") as info:
            Architect(design).ask("hello")
        assert time.monotonic() - started >= 0.5 and "--take-over" in str(info.value)
        api_env.enqueue(Reply.text("Taken over."))
        assert Architect(design).ask("hello", take_over=True).text == "Taken over."
    finally:
        sleeper.kill()
        sleeper.wait()
    api_env.enqueue(Reply.text("And the lock of a dead process is simply taken."))
    design.store.take_turn_lock(design.id, {**holder, "holder": "gone"}, unless=lambda lock: False)
    assert Architect(design).ask("again").status == "ok"


def _ok_prompts(design: Design) -> tuple[list[str], list[str]]:
    """The prompts of completed turns, and the prompts present in the stored conversation."""
    done = [t["prompt"] for t in design.turns(all_conversations=True) if t["status"] == "ok"]
    stored = [b["text"] for m in design.messages() if m["role"] == "user" for b in m["content"]
              if b.get("type") == "text" and not b["text"].startswith("<design-state>")]
    return done, stored


@pytest.mark.kernel
def test_twenty_kernels_killed_at_random_moments_leave_the_design_usable(isolated, monkeypatch):
    design = prepared("crashy")
    rng = random.Random(20261130)
    broken, kills = 0, 0
    with FakeAnthropic(ScriptedModel.from_yaml(SCRIPT, delay=0.002), api_key=KEY) as fake:
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.base_url)
        for i in range(20):
            kernel = Kernel(isolated)
            try:
                assert kernel.run("%load_ext workbench")["status"] == "ok"
                before = len(design.turns(all_conversations=True))
                kernel.kc.execute(f"%%architect -d crashy\nRound {i}: measure and decide.")
                deadline = time.monotonic() + 60
                while len(design.turns(all_conversations=True)) == before and time.monotonic() < deadline:
                    time.sleep(0.01)  # the turn has started: now kill it somewhere in its life (or just after)
                time.sleep(rng.uniform(0.0, 1.0))
                os.kill(kernel.km.provisioner.pid, signal.SIGKILL)
                kills += 1
            finally:
                kernel.kc.stop_channels()
                kernel.km.cleanup_resources()
            after = Design("crashy")
            # the next turn (in this process) must be accepted by the API and complete
            result = Architect(after).ask(f"Check {i}: measure and decide.")
            messages = after.messages()
            if result.status != "ok" or not valid(messages):
                broken += 1
            done, stored = _ok_prompts(after)
            assert all(p in stored for p in done), "a completed turn lost its messages"
    assert kills == 20 and broken == 0
    statuses = [t["status"] for t in Design("crashy").turns(all_conversations=True)]
    assert "running" not in statuses
    # the kills hit turns mid-way (not only idle kernels): turns closed as interrupted, tool calls answered
    repaired = sum(1 for m in Design("crashy").messages() for b in m["content"]
                   if b.get("type") == "tool_result" and b.get("is_error") and "interrupted" in str(b.get("content")))
    print(f"turns interrupted by the kills: {statuses.count('interrupted')}, tool calls repaired: {repaired}")
    assert statuses.count("interrupted") >= 5 and repaired >= 2


def test_two_processes_doing_twenty_turns_each_on_one_design(isolated, monkeypatch):
    prepared("shared")
    script = SCRIPT.replace(SLOW, "SELECT count(*) FROM items")
    code = textwrap.dedent("""
        import sys
        from workbench.agent.session import Architect
        for i in range(20):
            result = Architect("shared").ask(f"Process {sys.argv[1]}, turn {i}: measure and decide.")
            assert result.status == "ok", result
    """)
    with FakeAnthropic(ScriptedModel.from_yaml(script), api_key=KEY) as fake:
        env = {**os.environ, "ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": fake.base_url,
               "WORKBENCH_LOCK_WAIT": "120"}
        procs = [subprocess.Popen([sys.executable, "-c", code, str(n)], env=env, stderr=subprocess.PIPE, text=True)
                 for n in (1, 2)]
        errors = [p.communicate(timeout=600)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    design = Design("shared")
    assert valid(design.messages())
    done, stored = _ok_prompts(design)
    assert len(done) == 40 and sorted(done) == sorted(stored)
    # every turn records the same decision: stored once (or, when both processes record it at the same moment,
    # once more), numbered without gaps and never two records under one number
    decisions = design.decisions()
    assert len({d.title for d in decisions}) == 1 and 1 <= len(decisions) <= 40
    assert [d.number for d in decisions] == list(range(1, len(decisions) + 1))
    assert all(len(design.versions("decision", d.key, bodies=False)) == 1 for d in decisions)
