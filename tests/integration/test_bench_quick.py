"""Every benchmark of `make bench` still runs: each on tiny sizes (`python -m bench NAME --quick`,
its own interpreter, its own moto server and sandboxes), so the code does not rot between the
coordinator's timed runs. No time is asserted; what is asserted is what the benchmark reports
having done. The unit-suite benchmark is left out (it would run the whole unit suite again)."""

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def quick(name: str) -> dict[str, object]:
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench", name, "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    line = next(li for li in reversed(done.stdout.splitlines()) if li.startswith(f'{{"{name}"'))
    result: dict[str, object] = json.loads(line[: line.rindex("}") + 1])[name]
    return result


def test_the_tick_read_benchmark_posts_the_due_posts_at_each_size() -> None:
    result = quick("tick_reads")
    assert [row["posted"] for row in result["rows"]] == [10, 10, 10]  # type: ignore[attr-defined]


def test_the_burst_benchmark_posts_to_every_network() -> None:
    result = quick("publish_burst")
    assert result["outcomes"]["posted"] == 15  # type: ignore[index]
    assert set(result["create_statuses"]) == {"x", "bluesky", "mastodon"}  # type: ignore[call-overload]


@pytest.mark.parametrize("name", ["cold_start", "digest", "web", "polling"])
def test_a_benchmark_reports_its_target(name: str) -> None:
    result = quick(name)
    assert result["target"] and "met" in result


def test_the_hostile_text_benchmark_reports_its_targets() -> None:
    result = quick("hostile_text")
    assert result["classify_target_ms"] and "met" in result


def test_the_cost_model_prices_every_line() -> None:
    result = quick("cost_model")
    lines = result["aws_lines"]
    assert {"Lambda requests", "KMS Decrypt behind SecureStrings (aws/ssm)"} <= {
        line["line"]
        for line in lines  # type: ignore[attr-defined]
    }
    assert result["x_total"] > 0  # type: ignore[operator]
