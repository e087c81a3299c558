"""`make mutate`: mutation testing of the core with mutmut, and its score in bench/results/.

The core is what a double post, a lost post or a forged form would come through: the publisher,
the post store's claim and record conditions, the same-origin guard, sign-in and the action
tokens (`TARGETS`). Key decisions:

- mutmut runs in `.mutate/` (gitignored), where `src` is a link to shared/ and the tests, the
  local stack's modules and pyproject.toml are links too: mutmut names a mutant after its file's
  path with a leading "src." taken off, and that name must be the module the tests import
  (`chatdeck.services.publishing`), which shared/ alone would not give. The configuration
  (files, tests) is pyproject.toml's `[tool.mutmut]`.
- In a file that is mostly not core (posts.py, pages.py, membership.py) only the core functions
  are run, by mutmut's own mutant-name patterns; a whole small file otherwise.
- One worker, under `nice`: the machine is shared. Each target is its own mutmut run from a fresh
  `.mutate/mutants/` (a source file edited since is never tested stale), and its result replaces
  that target's part of bench/results/mutation.json, so targets can be run one at a time:
  `python -m bench.mutation publishing posts`.
- A surviving mutant is either killed by a test, or explained in bench/mutation_equivalents.py,
  keyed by file, function and the mutated line (never mutmut's numbered name alone, which moves
  when the function changes). The run exits 1 while any survivor is unexplained.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from bench.mutation_equivalents import EQUIVALENT

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutate"
RESULTS = ROOT / "bench" / "results" / "mutation.json"
MUTMUT = ROOT / ".venv" / "bin" / "mutmut"
# What .mutate/ links to; `src` is shared/ under the name mutmut expects.
LINKS = {
    "src": "shared",
    "tests": "tests",
    "devstack": "devstack",
    "functions": "functions",
    "events": "events",
    "template.yaml": "template.yaml",
    "pyproject.toml": "pyproject.toml",
}
SEP = "ǁ"  # mutmut's separator in a method's mutant name: xǁClassǁmethod__mutmut_3


def _methods(module: str, cls: str, *names: str) -> list[str]:
    return [f"{module}.x{SEP}{cls}{SEP}{name}__mutmut_*" for name in names]


def _functions(module: str, *names: str) -> list[str]:
    return [f"{module}.x_{name}__mutmut_*" for name in names]


@dataclass(frozen=True)
class Target:
    file: str  # under shared/
    patterns: list[str]


TARGETS = {
    "publishing": Target("chatdeck/services/publishing.py", ["chatdeck.services.publishing.*"]),
    "posts": Target(
        "chatdeck/adapters/posts.py",
        _methods("chatdeck.adapters.posts", "DynamoPostStore", "claim_condition", "claim", "record")
        + _functions("chatdeck.adapters.posts", "_status_in"),
    ),
    "same_origin": Target(
        "chatdeck/web/pages.py",
        _functions("chatdeck.web.pages", "same_origin", "public_origin", "guard", "_csrf_ok"),
    ),
    "signin": Target(
        "chatdeck/services/membership.py",
        _methods(
            "chatdeck.services.membership",
            "Membership",
            "request_link",
            "_member_key",
            "_is_known_browser",
            "signin_link",
            "_new_link",
            "link_account",
            "sign_in",
            "member_for_session",
            "sign_out",
            "sign_out_everywhere",
        )
        + _functions("chatdeck.services.membership", "_hash"),
    ),
    # The sign-in links' and sessions' store: single use, only the newest link, sessions' end.
    "signin_store": Target(
        "chatdeck/adapters/signin.py",
        _methods("chatdeck.adapters.signin", "DynamoSignInLinkStore", "use", "peek", "_newest")
        + _methods("chatdeck.adapters.signin", "DynamoSessionStore", "get", "end_all"),
    ),
    # Its request and email limits (about 13 minutes more on moto server).
    "signin_limits": Target(
        "chatdeck/adapters/signin.py",
        _methods(
            "chatdeck.adapters.signin", "DynamoSignInLinkStore", "allow_request", "allow_email"
        ),
    ),
    "action_tokens": Target(
        "chatdeck/domain/action_tokens.py", ["chatdeck.domain.action_tokens.*"]
    ),
}
LINE = re.compile(
    r"^(?P<module>.+)\.x(?:_(?P<function>.+)|ǁ(?P<cls>.+)ǁ(?P<method>.+))__mutmut_\d+$"
)


def prepare() -> None:
    """A fresh .mutate/ with its links, and no mutants/ from an earlier run."""
    WORK.mkdir(exist_ok=True)
    for name, target in LINKS.items():
        link = WORK / name
        if not link.is_symlink():
            link.symlink_to(Path("..") / target)
    shutil.rmtree(WORK / "mutants", ignore_errors=True)


def mutmut(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYENV_VERSION": os.environ.get("PYENV_VERSION", "3.13.0")}
    return subprocess.run(  # noqa: S603 - our own tool and arguments
        ["nice", "-n", "10", str(MUTMUT), *args],  # noqa: S607 - nice is on every PATH
        cwd=WORK,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def statuses() -> dict[str, str]:
    """Every mutant mutmut knows of in .mutate/mutants/, with its status."""
    found: dict[str, str] = {}
    for line in mutmut("results", "--all", "true").stdout.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and "__mutmut_" in name:
            found[name] = status
    return found


def function_of(name: str) -> str:
    match = LINE.match(name)
    if match is None:
        return name
    if match["function"]:
        return match["function"]
    return f"{match['cls']}.{match['method']}"


# mutmut's own diff of each mutant (what `mutmut show` prints), for many in one process.
DIFFS = """
import json, sys
from mutmut.mutation.diff_apply import get_diff_for_mutant
print(json.dumps({name: get_diff_for_mutant(name) for name in json.load(sys.stdin)}))
"""


def diffs(names: list[str]) -> dict[str, str]:
    if not names:
        return {}
    found = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", DIFFS],
        cwd=WORK,
        input=json.dumps(names),
        capture_output=True,
        text=True,
        check=True,
    )
    shown: dict[str, str] = json.loads(found.stdout)
    return shown


def mutated_line(diff: str) -> str:
    """What a mutant changed, from its diff: "old => new", the key of an explanation in
    bench/mutation_equivalents.py."""
    lines = diff.splitlines()
    removed = [line[1:].strip() for line in lines if line[:1] == "-" and line[:3] != "---"]
    added = [line[1:].strip() for line in lines if line[:1] == "+" and line[:3] != "+++"]
    return f"{' / '.join(removed)} => {' / '.join(added)}"


def run_target(key: str, target: Target) -> dict[str, Any]:
    prepare()
    started = time.monotonic()
    run = mutmut("run", "--max-children", "1", *target.patterns)
    seconds = round(time.monotonic() - started)
    (WORK / f"{key}.log").write_text(run.stdout + run.stderr)
    mine = {
        name: status
        for name, status in statuses().items()
        if any(fnmatch(name, pattern) for pattern in target.patterns)
    }
    counts: dict[str, int] = {}
    for status in mine.values():
        counts[status] = counts.get(status, 0) + 1
    alive = sorted(n for n, s in mine.items() if s not in ("killed", "caught by type check"))
    shown = diffs(alive)
    survivors = []
    for name in alive:
        status = mine[name]
        function = function_of(name)
        line = mutated_line(shown.get(name, ""))
        why = EQUIVALENT.get((target.file, function, line))
        survivors.append(
            {
                "mutant": name,
                "status": status,
                "function": function,
                "mutated_line": line,
                "equivalent": why is not None,
                "explanation": why,
            }
        )
    return {
        "file": f"shared/{target.file}",
        "functions": sorted({function_of(name) for name in mine}),
        "mutants": len(mine),
        "killed": counts.get("killed", 0),
        "survived": counts.get("survived", 0),
        "timeouts": counts.get("timeout", 0),
        "other": {s: n for s, n in counts.items() if s not in ("killed", "survived", "timeout")},
        "seconds": seconds,
        "mutmut_exit": run.returncode,
        "survivors": survivors,
    }


def explain(results: dict[str, Any]) -> None:
    """Each stored survivor judged again against bench/mutation_equivalents.py."""
    for key, result in results["targets"].items():
        for survivor in result["survivors"]:
            why = EQUIVALENT.get(
                (TARGETS[key].file, survivor["function"], survivor["mutated_line"])
            )
            survivor["equivalent"], survivor["explanation"] = why is not None, why


def main(argv: list[str]) -> int:
    """`python -m bench.mutation [target ...]` runs those targets (all by default);
    `--explain` only judges the stored survivors again after bench/mutation_equivalents.py
    changed, without running mutmut."""
    results: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.setdefault("targets", {})
    keys = [] if argv == ["--explain"] else argv or list(TARGETS)
    unknown = [key for key in keys if key not in TARGETS]
    if unknown:
        print(f"no such target: {', '.join(unknown)} (targets: {', '.join(TARGETS)})")
        return 2
    for key in keys:
        print(f"mutating {key} ({TARGETS[key].file}) ...", flush=True)
        results["targets"][key] = run_target(key, TARGETS[key])
        results["mutmut"] = mutmut("--version").stdout.strip() or "mutmut 3"
        _write(results)
    explain(results)
    _write(results)
    for key, result in results["targets"].items():
        unexplained = [s for s in result["survivors"] if not s["equivalent"]]
        print(
            f"{key}: {result['mutants']} mutants, {result['killed']} killed, "
            f"{len(result['survivors']) - len(unexplained)} equivalent, "
            f"{len(unexplained)} unexplained ({result['seconds']} s)"
        )
        for survivor in unexplained:
            print(f"    {survivor['status']}: {survivor['function']}: {survivor['mutated_line']}")
    return 1 if any(_unexplained(r) for r in results["targets"].values()) else 0


def _unexplained(result: dict[str, Any]) -> int:
    return sum(1 for s in result["survivors"] if not s["equivalent"])


def _write(results: dict[str, Any]) -> None:
    targets = results["targets"]
    results["total"] = {
        "mutants": sum(r["mutants"] for r in targets.values()),
        "killed": sum(r["killed"] for r in targets.values()),
        "equivalent": sum(len(r["survivors"]) - _unexplained(r) for r in targets.values()),
        "unexplained": sum(_unexplained(r) for r in targets.values()),
        "seconds": sum(r["seconds"] for r in targets.values()),
    }
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
