"""Conformance: the official RealWorld API tests (newman) and schemathesis, over real HTTP."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time

import httpx
import pytest
from tests.examples.realworld.support import ROOT, Process

EXAMPLE = ROOT / "examples" / "realworld"
SPEC = EXAMPLE / "spec"  # a copy of the RealWorld specification, with its licence
COLLECTION = SPEC / "Conduit.postman_collection.json"
OPENAPI = SPEC / "openapi-2.0.yml"

pytestmark = pytest.mark.slow


def _newman() -> list[str]:
    if shutil.which("npm") is None or shutil.which("npx") is None:
        pytest.skip("npm is not installed: the official RealWorld suite runs with newman (npm)")
    if not (EXAMPLE / "node_modules" / ".bin" / "newman").exists():
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund"], cwd=EXAMPLE, check=True, timeout=600
        )
    return ["npx", "--yes", "newman@6"]


def test_official_realworld_api_suite_passes_in_full(served: Process) -> None:
    if not COLLECTION.exists():
        pytest.fail(f"the RealWorld collection is missing at {COLLECTION}")
    newman = _newman()
    suffix = f"{time.time_ns()}"
    result = subprocess.run(
        [
            *newman,
            "run",
            str(COLLECTION),
            "--reporters",
            "cli",
            "--color",
            "off",
            "--global-var",
            f"APIURL={served.url}/api",
            "--global-var",
            f"USERNAME=u{suffix}",
            "--global-var",
            f"EMAIL=u{suffix}@mail.com",
            "--global-var",
            "PASSWORD=password",
        ],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assertions = re.search(r"assertions\s*│\s*(\d+)\s*│\s*(\d+)", output)
    requests = re.search(r"requests\s*│\s*(\d+)\s*│\s*(\d+)", output)
    assert assertions and requests, output
    assert int(requests.group(1)) == 32, output
    assert int(assertions.group(1)) > 300, output
    assert (int(requests.group(2)), int(assertions.group(2))) == (0, 0), output
    assert result.returncode == 0, output


def test_schemathesis_finds_no_server_errors_and_no_schema_mismatches(served: Process) -> None:
    if not OPENAPI.exists():
        pytest.fail(f"the RealWorld OpenAPI document is missing at {OPENAPI}")
    response = httpx.post(
        f"{served.url}/api/users",
        json={"user": {"username": "fuzzer", "email": "fuzz@example.com", "password": "pw"}},
    )
    token = response.json()["user"]["token"]
    for title in ("First", "Second"):
        httpx.post(
            f"{served.url}/api/articles",
            json={"article": {"title": title, "description": "d", "body": "b", "tagList": ["t"]}},
            headers={"Authorization": f"Token {token}"},
        ).raise_for_status()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            str(OPENAPI),
            "--url",
            f"{served.url}/api",
            "--header",
            f"Authorization: Token {token}",
            "--checks",
            "not_a_server_error,response_schema_conformance",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            "15",
            "--seed",
            "1",
            "--workers",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert re.search(r"\d+ generated, \d+ passed", output), output
