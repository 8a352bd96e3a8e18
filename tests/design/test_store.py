import sqlite3

import pytest

from workbench.design.aggregate import Design, list_designs
from workbench.design.store import MIGRATIONS, Store
from workbench.errors import DesignError


def test_migrations_are_numbered_applied_once_and_recorded(isolated):
    store = Store(isolated / "wb.db")
    assert store.applied_migrations() == [name for name, _ in MIGRATIONS]
    assert [name for name, _ in MIGRATIONS] == sorted(name for name, _ in MIGRATIONS)
    store.close()
    again = Store(isolated / "wb.db")
    assert again.applied_migrations() == [name for name, _ in MIGRATIONS]
    tables = {r[0] for r in sqlite3.connect(isolated / "wb.db").execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"designs", "turns", "messages", "calls", "artifacts", "migrations"} <= tables


def test_artifact_versions_count_up_per_name():
    d = Design("shop")
    assert d.add_version("schema", "main", {"ddl": "a"}) == 1
    assert d.add_version("schema", "main", {"ddl": "b"}, summary="2 tables") == 2
    assert d.add_version("schema", "billing", {"ddl": "c"}) == 1
    assert [v["version"] for v in d.versions("schema", "main")] == [1, 2]
    assert d.latest("schema", "main")["body"] == {"ddl": "b"}
    assert d.latest("schema")["name"] == "billing"
    assert "schema: main v2, billing v1" in d.state_summary()


def test_designs_are_listed_and_names_checked():
    Design("a")
    Design("b")
    assert [d["name"] for d in list_designs()] == ["a", "b"]
    with pytest.raises(DesignError) as info:
        Design("../etc")
    assert "Invalid design name" in str(info.value)
    with pytest.raises(DesignError) as info:
        Design("missing", create=False)
    assert "Known designs: a, b" in str(info.value)


def test_requirements_and_conversations():
    d = Design("x")
    assert d.requirements is None
    d.requirements = "A shop"
    assert Design("x").requirements == "A shop"
    assert d.conversation == 1
    d.store.append_message(d.id, 1, None, "user", [{"type": "text", "text": "hi"}])
    assert len(d.messages()) == 1
    assert d.reset_conversation() == 2
    assert d.messages() == []


def test_workspace_lives_under_the_home(isolated):
    assert Design("w").workspace == isolated / ".workbench" / "designs" / "w" / "workspace"


def test_a_store_from_before_view_state_is_migrated_and_keeps_its_data(isolated, monkeypatch):
    from workbench.design import store as store_module

    path = isolated / "old.db"
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS[:1])  # a store written by the first release
    old = Store(path)
    old.design("kept")
    old.close()
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS)
    new = Store(path)
    assert new.applied_migrations() == [name for name, _ in MIGRATIONS]
    design = Design("kept", store=new, create=False)
    design.save_view_state(explorer={"tab": 3})
    assert design.view_state == {"explorer": {"tab": 3}}


def test_artifact_bodies_of_an_earlier_release_are_compressed_and_read_back(isolated, monkeypatch):
    from workbench.design import store as store_module

    path = isolated / "old.db"
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS[:2])  # bodies were JSON text then
    old = Store(path)
    design_id = old.design("kept")["id"]
    old.close()
    raw = sqlite3.connect(path)
    raw.execute("INSERT INTO artifacts (design_id, kind, name, version, body, created_at) VALUES (?, 'schema', "
                "'main', 1, ?, 0)", (design_id, '{"ddl": "CREATE TABLE t (id int)"}'))
    raw.commit()
    raw.close()
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS)
    design = Design("kept", store=Store(path), create=False)
    assert design.latest("schema")["body"] == {"ddl": "CREATE TABLE t (id int)"}
    kinds = {r[0] for r in sqlite3.connect(path).execute("SELECT typeof(body) FROM artifacts")}
    assert kinds == {"blob"}


def test_reading_the_newest_version_does_not_read_the_others(isolated, monkeypatch):
    from workbench.design import store as store_module

    d = Design("big")
    for i in range(30):
        d.add_version("schema", "main", {"ddl": "x" * 10_000, "i": i})
    decoded = []
    real = store_module._unpack
    monkeypatch.setattr(store_module, "_unpack", lambda raw: decoded.append(1) or real(raw))
    assert d.latest("schema", "main")["body"]["i"] == 29
    assert "schema: main v30" in d.state_summary()
    assert d.versions("schema", "main", bodies=False)[-1]["version"] == 30
    assert len(decoded) == 1
