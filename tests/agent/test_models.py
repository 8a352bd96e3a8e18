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
    assert (price_of("claude-sonnet-5-5").input, price_of("claude-sonnet-5-5").output) == (2.0, 10.0)
    assert price_of("claude-opus-4-1").estimated  # no longer listed on the pricing page: an estimate, flagged
    assert price_of("claude-opus-4-5-20251101").input == 5.0
    assert price_of("claude-haiku-4-5").output == 5.0
    assert price_of("anthropic.claude-haiku-4-5-20251001-v1:0").input == 1.0
    assert price_of("claude-sonnet-4-5@20250929").input == 3.0
    assert price_of("claude-unknownfamily-9").estimated
    assert "(est.)" in usage_from_api({"input_tokens": 10, "output_tokens": 1}, "claude-zzz-1").summary()


def test_thinking_tokens_are_counted_and_priced_as_output():
    usage = usage_from_api({"input_tokens": 0, "output_tokens": 1_000_000,
                            "output_tokens_details": {"thinking_tokens": 400_000}}, "claude-sonnet-5-5")
    assert usage.thinking_tokens == 400_000 and usage.cost_usd == pytest.approx(10.0)
    assert "400,000 thinking" in usage.summary() or "400000 thinking" in usage.summary()


def test_a_long_prompt_costs_the_long_prompt_price_and_compaction_iterations_are_charged():
    small = usage_from_api({"input_tokens": 1_000_000, "output_tokens": 0}, "claude-haiku-5-5")
    assert small.cost_usd == pytest.approx(0.50)  # above 100k prompt tokens: the long-prompt tier
    with_compaction = usage_from_api({"input_tokens": 10, "output_tokens": 10, "iterations": [
        {"type": "compaction", "input_tokens": 1000, "output_tokens": 100, "cache_read_input_tokens": 0,
         "cache_creation_input_tokens": 0}]}, "claude-sonnet-5-5")
    assert (with_compaction.input_tokens, with_compaction.output_tokens) == (1010, 110)


def test_bedrock_and_vertex_ids_map_to_the_catalogue_and_the_provider_form():
    assert models.catalogued("us.anthropic.claude-opus-5-5-v1:0").id == "claude-opus-5-5"
    assert models.catalogued("claude-sonnet-4-5@20250929").id == "claude-sonnet-4-5"
    assert models.provider_model_id("claude-opus-5-5", "bedrock") == "anthropic.claude-opus-5-5"
    assert models.provider_model_id("claude-opus-5-5", "vertex") == "claude-opus-5-5"
    assert models.split_suffix("opus[1m]") == ("opus", True) and resolve_model("opus[1m]") == resolve_model("opus")
