"""`make bench`: run every benchmark and record its results in bench/results/<name>.json."""

import json
from pathlib import Path

from bench import digest_bench, hostile_text, publish_burst, unit_suite

RESULTS = Path(__file__).resolve().parent / "results"
BENCHMARKS = {
    "publish_burst": publish_burst.run,
    "digest": digest_bench.run,
    "hostile_text": hostile_text.run,
    "unit_suite": unit_suite.run,
}


def main() -> None:
    RESULTS.mkdir(exist_ok=True)
    for name, run in BENCHMARKS.items():
        result = run()
        (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
        print(name, json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
