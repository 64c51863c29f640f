"""The committed API bindings (`service/finx/v1`) are exactly what protoc generates from `proto/` today."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ["extraction_pb2.py", "extraction_pb2.pyi", "extraction_pb2_grpc.py"]


def test_generated_code_is_current(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", "-I", str(ROOT / "proto"), f"--python_out={tmp_path}",
         f"--pyi_out={tmp_path}", f"--grpc_python_out={tmp_path}", str(ROOT / "proto/finx/v1/extraction.proto")],
        check=True,
    )  # fmt: skip
    for name in GENERATED:
        fresh = (tmp_path / "finx" / "v1" / name).read_text()
        assert fresh == (ROOT / "service" / "finx" / "v1" / name).read_text(), (
            f"service/finx/v1/{name} is stale: run `make proto`"
        )
