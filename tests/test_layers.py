"""The shape of the tree: every package under app/ is in a layer, no two packages import
each other, and no module grows past the house's ~400 lines (README, "Architecture")."""

from __future__ import annotations

import tomllib
from pathlib import Path

import grimp
import pytest

from app.platform.config import PROJECT_ROOT

APP = PROJECT_ROOT / "app"
MAX_LINES = 400


def _layers_contract() -> dict[str, object]:
    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    (layers,) = [c for c in contracts if c["type"] == "layers"]
    return layers


def _children(folder: Path) -> set[str]:
    return {
        p.stem
        for p in folder.iterdir()
        if (p.is_dir() and (p / "__init__.py").exists())
        or (p.suffix == ".py" and p.stem != "__init__")
    }


def _layered_names() -> set[str]:
    names: set[str] = set()
    for layer in _layers_contract()["layers"]:  # type: ignore[attr-defined]
        names.update(part.strip() for part in layer.replace("|", ":").split(":"))
    return names


class TestLayers:
    def test_every_package_under_app_is_in_a_layer(self) -> None:
        missing = _children(APP) - _layered_names()
        assert not missing, (
            f"app/{sorted(missing)} belong to no layer: add each to the layers contract in "
            "pyproject.toml (channels, context, intake, a domain layer or platform)"
        )

    def test_the_contract_names_nothing_that_is_gone(self) -> None:
        assert _layered_names() <= _children(APP)

    def test_channels_and_platform_are_the_outer_layers(self) -> None:
        layers = _layers_contract()["layers"]
        assert layers[1] == "channels" and layers[-1] == "platform"  # type: ignore[index]
        assert _layers_contract()["exhaustive"] is True


def _package_of(module: str) -> str:
    """app.X for the domain; app.channels.X and app.platform.X for the two outer layers."""
    parts = module.split(".")
    depth = 3 if len(parts) > 2 and parts[1] in ("channels", "platform") else 2
    return ".".join(parts[:depth])


@pytest.fixture(scope="module")
def package_imports() -> dict[str, set[str]]:
    graph = grimp.build_graph("app")
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            a, b = _package_of(module), _package_of(imported)
            if a != b:
                edges.setdefault(a, set()).add(b)
    return edges


class TestImportGraph:
    def test_no_two_packages_import_each_other(self, package_imports: dict[str, set[str]]) -> None:
        mutual = sorted(
            (a, b)
            for a, targets in package_imports.items()
            for b in targets
            if a < b and a in package_imports.get(b, set())
        )
        assert mutual == []

    def test_the_domain_never_imports_a_channel(self, package_imports: dict[str, set[str]]) -> None:
        offenders = {
            a: sorted(t for t in targets if t.startswith("app.channels"))
            for a, targets in package_imports.items()
            if not a.startswith(("app.channels", "app.main"))
        }
        assert {a: t for a, t in offenders.items() if t} == {}


class TestFileSize:
    def test_no_module_over_the_limit(self) -> None:
        long = {
            str(p.relative_to(PROJECT_ROOT)): n
            for p in APP.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > MAX_LINES
        }
        assert long == {}, f"split these by use case: {long}"
