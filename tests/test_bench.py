"""The benchmark's memory figure is the measured process's own, whatever the size of the process that started it."""

import subprocess
import sys

import pytest


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="VmHWM is Linux's")
def test_a_child_of_a_large_parent_reports_its_own_peak_memory():
    ballast = bytearray(400 * 1024 * 1024)
    ballast[::4096] = b"\x01" * len(ballast[::4096])  # touch every page: the parent's resident memory grows
    code = "from emotion.bench import _peak_rss_mb; print(_peak_rss_mb())"
    child = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert child < 300  # importing emotion.bench takes tens of MB, not the parent's 400+
    del ballast
