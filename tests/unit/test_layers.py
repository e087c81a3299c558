"""The layers' import rules, read from the source with `ast` (nothing is imported or run):

- only `chatdeck/adapters/` and `chatdeck/bootstrap.py` (the composition root) import
  `chatdeck.adapters`, anywhere in shared/, functions/ and devstack/;
- `chatdeck/domain/` is pure: no AWS, network or HTTP package, nothing of chatdeck but the domain;
- `chatdeck/services/` and `chatdeck/web/` reach AWS and the networks only through the ports.

Every import counts: at the top of a module, inside a function, under `if TYPE_CHECKING:`, and
`importlib.import_module("...")` with a literal name.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = [ROOT / "shared" / "chatdeck", ROOT / "functions", ROOT / "devstack"]
ADAPTERS = "chatdeck.adapters"
MAY_IMPORT_ADAPTERS = ("chatdeck.adapters", "chatdeck.bootstrap")
OUTSIDE = ("boto3", "botocore", "tweepy", "requests")
NOT_IN_THE_DOMAIN = (*OUTSIDE, "atproto", "mastodon")


def module_name(path: Path) -> str:
    """`shared/chatdeck/web/app.py` is `chatdeck.web.app`; `functions/web/app.py` is
    `functions.web.app`; a package's `__init__.py` is the package."""
    relative = path.relative_to(ROOT / "shared" if path.is_relative_to(ROOT / "shared") else ROOT)
    parts = list(relative.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(source: str, module: str, is_package: bool = False) -> Iterator[str]:
    """Every name `module` imports: `import a.b` gives `a.b`; `from a import b` gives `a.b`
    (b may be a module or a name in a; either way it comes from a); relative imports resolved."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parent, *([base] if base else [])])
            yield from (f"{base}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value


def within(name: str, packages: tuple[str, ...] | str) -> bool:
    packages = (packages,) if isinstance(packages, str) else packages
    return any(name == p or name.startswith(f"{p}.") for p in packages)


def modules() -> dict[str, set[str]]:
    """Each scanned module's name, with everything it imports."""
    found: dict[str, set[str]] = {}
    for top in SCANNED:
        for path in sorted(top.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            name = module_name(path)
            source = path.read_text(encoding="utf-8")
            found[name] = set(imported(source, name, path.name == "__init__.py"))
    return found


MODULES = modules()


def broken(rule: str, offenders: dict[str, set[str]]) -> str:
    lines = [f"{module} imports {', '.join(sorted(names))}" for module, names in offenders.items()]
    return f"{rule}:\n  " + "\n  ".join(lines)


def test_every_layer_is_scanned() -> None:
    for expected in ("chatdeck.bootstrap", "chatdeck.domain.members", "devstack.seed"):
        assert expected in MODULES
    assert any(name.startswith("functions.") for name in MODULES)
    assert any(within(name, ADAPTERS) for name in MODULES["chatdeck.bootstrap"])


def test_only_the_adapters_and_the_composition_root_import_the_adapters() -> None:
    offenders = {
        module: {name for name in names if within(name, ADAPTERS)}
        for module, names in MODULES.items()
        if not within(module, MAY_IMPORT_ADAPTERS)
    }
    offenders = {module: names for module, names in offenders.items() if names}
    assert not offenders, broken(
        "Only chatdeck.adapters and chatdeck.bootstrap import chatdeck.adapters", offenders
    )


def test_the_domain_imports_nothing_but_itself_and_pure_packages() -> None:
    offenders = {
        module: {
            name
            for name in names
            if within(name, NOT_IN_THE_DOMAIN)
            or (within(name, "chatdeck") and not within(name, "chatdeck.domain"))
        }
        for module, names in MODULES.items()
        if within(module, "chatdeck.domain")
    }
    offenders = {module: names for module, names in offenders.items() if names}
    assert not offenders, broken("chatdeck.domain must stay pure", offenders)


def test_services_and_web_reach_aws_and_the_networks_only_through_ports() -> None:
    offenders = {
        module: {name for name in names if within(name, OUTSIDE)}
        for module, names in MODULES.items()
        if within(module, ("chatdeck.services", "chatdeck.web"))
    }
    offenders = {module: names for module, names in offenders.items() if names}
    assert not offenders, broken("Services and web import no AWS or network package", offenders)


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        ("import chatdeck.adapters.members", "devstack.seed", "chatdeck.adapters.members"),
        ("from chatdeck.adapters.chats import X", "devstack.seed", "chatdeck.adapters.chats.X"),
        ("from chatdeck import adapters", "devstack.seed", "chatdeck.adapters"),
        (
            "def f():\n    from chatdeck.adapters import x\n",
            "functions.web.app",
            "chatdeck.adapters.x",
        ),
        (
            "from ..adapters import dynamodb",
            "chatdeck.services.posts",
            "chatdeck.adapters.dynamodb",
        ),
        ("from .members import Role", "chatdeck.domain.posts", "chatdeck.domain.members.Role"),
        ("import importlib\nimportlib.import_module('boto3')", "chatdeck.domain.x", "boto3"),
        ("if TYPE_CHECKING:\n    import boto3.session\n", "chatdeck.web.app", "boto3.session"),
    ],
)
def test_every_form_of_import_is_seen(source: str, module: str, expected: str) -> None:
    assert expected in set(imported(source, module))


def test_a_relative_import_in_a_package_init_is_from_that_package() -> None:
    assert set(imported("from .errors import X", "chatdeck.domain", True)) == {
        "chatdeck.domain.errors.X"
    }
