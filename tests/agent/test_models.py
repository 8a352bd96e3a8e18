import pytest

from workbench.agent import models
from workbench.agent.models import Usage, families, known_models, price_of, resolve_model, usage_from_api
from workbench.errors import ConfigError


def _numbers(model_id):
    return tuple(int(t) for t in model_id.split("-")[2:] if t.isdigit() and len(t) != 8)


@pytest.mark.parametrize("alias", ["sonnet", "opus", "haiku"])
def test_alias_resolves_to_the_newest_id_the_sdk_lists(alias):
    resolved = resolve_model(alias)
    assert resolved in known_models()
    assert resolved.startswith(f"claude-{alias}-")
    same_family = [m for m in known_models() if m.startswith(f"claude-{alias}-")]
    assert len(same_family) >= 1
    assert all(_numbers(m) <= _numbers(resolved) for m in same_family)


def test_undated_alias_wins_at_equal_version_and_versions_compare_numerically(monkeypatch):
    monkeypatch.setattr(models, "known_models", lambda: (
        "claude-sonnet-4-5-20250929", "claude-sonnet-4-5", "claude-sonnet-4-10", "claude-sonnet-4-9-20260101"))
    assert resolve_model("sonnet") == "claude-sonnet-4-10"
    monkeypatch.setattr(models, "known_models", lambda: ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"))
    assert resolve_model("sonnet") == "claude-sonnet-4-5"


def test_full_ids_pass_through_and_inherit_means_default():
    assert resolve_model("claude-opus-4-1-20250805") == "claude-opus-4-1-20250805"
    assert resolve_model("anthropic.claude-sonnet-4-5-20250929-v1:0") == "anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert resolve_model("inherit") == resolve_model("sonnet") == resolve_model(None)


def test_unknown_alias_names_the_known_families():
    with pytest.raises(ConfigError) as info:
        resolve_model("sonet")
    assert "sonnet" in str(info.value) and "opus" in str(info.value)
    assert {"sonnet", "opus", "haiku"} <= set(families())


def test_cost_counts_cache_reads_and_writes_apart():
    usage = usage_from_api({"input_tokens": 1_000_000, "output_tokens": 1_000_000,
                            "cache_read_input_tokens": 1_000_000, "cache_creation_input_tokens": 1_000_000},
                           "claude-sonnet-4-5")
    # sonnet: $3 in, $15 out, cache read 0.1x, cache write 1.25x
    assert usage.cost_usd == pytest.approx(3 + 15 + 0.3 + 3.75)
    assert (usage.cache_read_tokens, usage.cache_write_tokens) == (1_000_000, 1_000_000)
    total = usage + usage
    assert total.cost_usd == pytest.approx(2 * usage.cost_usd)
    assert Usage.from_dict(total.to_dict()) == total


def test_prices_by_version_and_estimates_for_unknown_families():
    assert price_of("claude-opus-4-1").input == 15.0
    assert price_of("claude-opus-4-5-20251101").input == 5.0
    assert price_of("claude-haiku-4-5").output == 5.0
    assert price_of("anthropic.claude-haiku-4-5-20251001-v1:0").input == 1.0
    assert price_of("claude-sonnet-4-5@20250929").input == 3.0
    assert price_of("claude-unknownfamily-9").estimated
    assert "(est.)" in usage_from_api({"input_tokens": 10, "output_tokens": 1}, "claude-zzz-1").summary()
