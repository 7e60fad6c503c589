"""Options for the liteformer-run tests (run by ctest with the built binary)."""
from __future__ import annotations

import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-binary", default=str(ROOT / "build" / "bin" / "liteformer-run"),
                     help="path to liteformer-run")


@pytest.fixture(scope="session")
def run_binary(request: pytest.FixtureRequest) -> pathlib.Path:
    path = pathlib.Path(request.config.getoption("--run-binary"))
    assert path.exists(), f"{path} not built"
    return path
