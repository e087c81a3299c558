"""Item 7: the sizes of what `sam build` makes, against Lambda's limits.

Each layer and each function's code, unzipped (the bytes on disk Lambda unpacks; the function
and all its layers together must stay under 250 MB) and zipped (deflate, as `sam deploy`
uploads it; a direct upload must be under 50 MB). Target: the dependency layer under 10 MB
zipped.

`sam build` downloads the layer's wheels for arm64 and takes a minute or more, so `make bench`
builds into BUILD_DIR only when the template, the layers' files or the code changed since the
last build (`make bench-build` forces one), and this measures that build, saying when it was
made. No build yet: the figures are missing and RESULTS.md says so.
"""

import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.stack import ROOT, machine

BUILD_DIR = ROOT / ".aws-sam" / "bench-build"
MB = 1_000_000
UNZIPPED_LIMIT, ZIPPED_LIMIT, DEPS_TARGET = 250 * MB, 50 * MB, 10 * MB
LAYERS = {"ChatdeckLayer": "the service's own code", "DepsLayer": "the third-party packages"}


def build() -> None:
    env = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}"}
    subprocess.run(  # noqa: S603 - the project's own sam  # nosec B603
        [
            str(ROOT / ".venv-tools" / "bin" / "sam"),
            "build",
            "--build-dir",
            str(BUILD_DIR),
            "--region",
            "us-east-1",
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )


def sizes(folder: Path) -> dict[str, float]:
    """Bytes on disk and bytes zipped with deflate (level 6, as zip tools default to)."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    unzipped = sum(p.stat().st_size for p in files)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path in files:
            archive.write(path, path.relative_to(folder))
    return {
        "unzipped_mb": round(unzipped / MB, 2),
        "zipped_mb": round(len(buffer.getvalue()) / MB, 2),
    }


def run(quick: bool = False, fresh: bool = False) -> dict[str, Any]:
    if fresh:
        build()
    if not (BUILD_DIR / "template.yaml").exists():
        return {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": "make bench (python -m bench artefacts, after its sam build)",
            "machine": machine(),
            "built": None,
            "target": f"deps layer under {DEPS_TARGET // MB} MB zipped",
            "met": None,
        }
    built = datetime.fromtimestamp((BUILD_DIR / "template.yaml").stat().st_mtime, UTC)
    parts = {p.name: sizes(p) for p in sorted(BUILD_DIR.iterdir()) if p.is_dir()}
    layers = {name: parts[name] for name in LAYERS if name in parts}
    layers_unzipped = sum(layer["unzipped_mb"] for layer in layers.values())
    functions = {
        name: part
        | {
            "with_layers_unzipped_mb": round(part["unzipped_mb"] + layers_unzipped, 2),
            "within_limits": part["unzipped_mb"] + layers_unzipped < UNZIPPED_LIMIT / MB
            and part["zipped_mb"] < ZIPPED_LIMIT / MB,
        }
        for name, part in parts.items()
        if name not in LAYERS
    }
    deps = layers.get("DepsLayer", {"zipped_mb": float("inf")})
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "make bench (python -m bench artefacts, after its sam build)",
        "machine": machine(),
        "built": built.isoformat(timespec="seconds"),
        "layers": layers,
        "functions": functions,
        "limits_mb": {
            "unzipped_with_layers": UNZIPPED_LIMIT / MB,
            "zipped_direct": ZIPPED_LIMIT / MB,
        },
        "target": f"deps layer under {DEPS_TARGET // MB} MB zipped; every function within limits",
        "met": deps["zipped_mb"] < DEPS_TARGET / MB
        and all(f["within_limits"] for f in functions.values()),
    }


if __name__ == "__main__":
    print(json.dumps(run(fresh="--build" in sys.argv), indent=2))
