"""Benchmarks report realtime factors and costs; they never fail on speed."""

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "bench: a benchmark")


@pytest.fixture
def report(request):
    """Print a result line (shown with -s) and keep it in the benchmark JSON."""
    lines = []

    def _report(bench, **values):
        for k, v in values.items():
            bench.extra_info[k] = v
        text = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items())
        lines.append(f"{request.node.name}: {text}")
        print("\n" + lines[-1])

    return _report
